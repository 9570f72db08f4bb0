//! Seqlets: the spans of the attributed windows that carry high attribution, called natively
//! ([`recursive`], tangermeme's recursive seqlet caller), each annotated with its best database
//! motif by Tomtom as tangermeme's `annotate_seqlets` does (the query is the seqlet's one-hot
//! sequence), and summarised per motif: how many seqlets it explains, how much attribution they
//! carry, and where they sit relative to the window centre.

pub mod recursive;

use std::fmt::Write as _;

use tfbind_dataset::Dataset;
use tfbind_genome::codes::LETTERS;
use tfbind_motifs::{tomtom, Distance, Match, Motif, Options, Threshold};

use crate::attribution::Attributions;
use crate::error::Result;
pub use recursive::{recursive_seqlets, RecursiveParams, Seqlet};

/// Seqlets compared with the database per Tomtom call: every pair is kept until its query's
/// matches are handed on, so the calls are bounded to keep that at tens of megabytes.
const QUERIES_PER_CALL: usize = 1024;

/// The seqlets of the attributed windows, their best database matches, and the per-motif summary.
pub struct Seqlets {
    /// Ranked by p-value.
    pub seqlets: Vec<Seqlet>,
    /// Per seqlet, its best database match (lowest p-value, then first in the database).
    pub matches: Vec<Match>,
    /// The motifs that explain at least one seqlet, most attribution first.
    pub motifs: Vec<MotifSeqlets>,
    /// The window length, for offsets from the centre.
    pub len: usize,
    /// A seqlet is explained by its best match when that match's q-value is at most this.
    pub max_q_value: f64,
}

/// The seqlets one database motif explains.
#[derive(Debug, Clone, PartialEq)]
pub struct MotifSeqlets {
    /// The motif's index in the database.
    pub target: usize,
    /// Indices into [`Seqlets::seqlets`].
    pub seqlets: Vec<usize>,
    /// The sum of their attributions.
    pub attribution: f64,
    /// Their offsets from the window centre, ascending (see [`Seqlets::offset`]).
    pub offsets: Vec<f64>,
}

impl MotifSeqlets {
    pub fn median_offset(&self) -> f64 {
        self.offset_quantile(0.5)
    }

    /// The `q` quantile of the offsets (linear interpolation, as NumPy's default).
    pub fn offset_quantile(&self, q: f64) -> f64 {
        quantile(&self.offsets, q)
    }
}

impl Seqlets {
    /// Calls seqlets on `x`, the attributions of the windows' own letters (`[windows, len]`),
    /// and annotates each with its best match among `database` (Tomtom with `distance`, both
    /// strands, memelite's discretisation), its query being its one-hot sequence from `ohe`
    /// (`[windows, 4, len]`, N as 0.25 each).
    pub fn compute(
        x: &[f32],
        ohe: &[f32],
        len: usize,
        database: &[Motif],
        params: &RecursiveParams,
        distance: Distance,
        max_q_value: f64,
    ) -> Result<Self> {
        let seqlets = recursive_seqlets(x, len, params);
        let matches = best_matches(&seqlets, ohe, len, database, distance)?;
        let mut s = Self {
            seqlets,
            matches,
            motifs: Vec::new(),
            len,
            max_q_value,
        };
        s.motifs = s.by_motif();
        Ok(s)
    }

    /// Whether seqlet `i`'s best match is significant.
    pub fn explained(&self, i: usize) -> bool {
        self.matches[i].q_value <= self.max_q_value
    }

    /// Seqlet `i`'s centre minus the window's centre, in bp (negative: upstream on the window's
    /// strand).
    pub fn offset(&self, i: usize) -> f64 {
        let s = &self.seqlets[i];
        (s.start + s.end) as f64 / 2.0 - self.len as f64 / 2.0
    }

    /// The total attribution of all seqlets: the denominator of a motif's share.
    pub fn total_attribution(&self) -> f64 {
        self.seqlets.iter().map(|s| s.attribution).sum()
    }

    fn by_motif(&self) -> Vec<MotifSeqlets> {
        let mut motifs: Vec<MotifSeqlets> = Vec::new();
        let mut slot = std::collections::HashMap::new();
        for i in (0..self.seqlets.len()).filter(|&i| self.explained(i)) {
            let target = self.matches[i].target;
            let k = *slot.entry(target).or_insert_with(|| {
                motifs.push(MotifSeqlets {
                    target,
                    seqlets: Vec::new(),
                    attribution: 0.0,
                    offsets: Vec::new(),
                });
                motifs.len() - 1
            });
            let m = &mut motifs[k];
            m.seqlets.push(i);
            m.attribution += self.seqlets[i].attribution;
            m.offsets.push(self.offset(i));
        }
        for m in &mut motifs {
            m.offsets.sort_by(f64::total_cmp);
        }
        motifs.sort_by(|a, b| {
            b.attribution
                .total_cmp(&a.attribution)
                .then(a.target.cmp(&b.target))
        });
        motifs
    }

    /// `seqlets.tsv`: one row per seqlet, ranked by p-value (columns in the crate documentation).
    pub fn seqlets_tsv(&self, a: &Attributions, data: &Dataset, database: &[Motif]) -> String {
        let mut out = String::from(
            "example\tchrom\tchrom_start\tchrom_end\tstart\tend\tattribution\tp_value\toffset\t\
             sequence\tmotif\tmotif_name\tmotif_p_value\tmotif_q_value\torientation\texplained\n",
        );
        for (i, (s, m)) in self.seqlets.iter().zip(&self.matches).enumerate() {
            let row = a.rows[s.example];
            let w = &data.windows[row];
            let sequence: String = data.sequence(row)[s.start..s.end]
                .iter()
                .map(|&c| char::from(LETTERS[usize::from(c)]))
                .collect();
            let motif = &database[m.target];
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{:.6}\t{:.3e}\t{}\t{sequence}\t{}\t{}\t{:.3e}\t{:.3e}\t{}\t{}",
                s.example,
                w.chrom,
                w.start + s.start as u64,
                w.start + s.end as u64,
                s.start,
                s.end,
                s.attribution,
                s.p_value,
                self.offset(i),
                motif.id(),
                motif.alt().unwrap_or("NA"),
                m.p_value,
                m.q_value,
                m.orientation,
                if self.explained(i) { "yes" } else { "no" },
            );
        }
        out
    }

    /// `seqlet_motifs.tsv`: one row per motif explaining seqlets, most attribution first.
    pub fn motifs_tsv(&self, database: &[Motif]) -> String {
        let mut out = String::from(
            "motif\tmotif_name\tseqlets\tattribution\tattribution_share\tmean_attribution\t\
             median_p_value\tmedian_offset\toffset_q1\toffset_q3\n",
        );
        let total = self.total_attribution();
        for m in &self.motifs {
            let motif = &database[m.target];
            let mut p: Vec<f64> = m.seqlets.iter().map(|&i| self.matches[i].p_value).collect();
            p.sort_by(f64::total_cmp);
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{:.6}\t{:.4}\t{:.6}\t{:.3e}\t{}\t{}\t{}",
                motif.id(),
                motif.alt().unwrap_or("NA"),
                m.seqlets.len(),
                m.attribution,
                m.attribution / total,
                m.attribution / m.seqlets.len() as f64,
                quantile(&p, 0.5),
                m.median_offset(),
                m.offset_quantile(0.25),
                m.offset_quantile(0.75),
            );
        }
        out
    }
}

/// Each seqlet's best match in `database`, its query being its one-hot sequence from `ohe`.
fn best_matches(
    seqlets: &[Seqlet],
    ohe: &[f32],
    len: usize,
    database: &[Motif],
    distance: Distance,
) -> Result<Vec<Match>> {
    let queries: Vec<Vec<[f64; 4]>> = seqlets
        .iter()
        .map(|s| {
            let window = &ohe[s.example * 4 * len..(s.example + 1) * 4 * len];
            (s.start..s.end)
                .map(|p| std::array::from_fn(|b| f64::from(window[b * len + p])))
                .collect()
        })
        .collect();
    let mut best: Vec<Option<Match>> = vec![None; queries.len()];
    compare_sequences(&queries, database, distance, |query, matches| {
        best[query] = Some(Match {
            query,
            ..matches[0].clone()
        })
    })?;
    Ok(best
        .into_iter()
        .map(|m| m.expect("compare_sequences answers every query"))
        .collect())
}

/// Compares one-hot sequences (`[len][4]` each, N as 0.25 each) with every motif of `database`
/// as seqlets are annotated (Tomtom with `distance`, both strands, memelite's discretisation,
/// q-values over the whole database), calling `each` once per query, in no set order, with its
/// index and its matches, best (lowest p-value, then first in the database) first (their
/// `query` fields count distinct sequences, not queries). Public so that a seqlet's other
/// matches than its best can be judged on the same terms.
pub fn compare_sequences(
    queries: &[Vec<[f64; 4]>],
    database: &[Motif],
    distance: Distance,
    mut each: impl FnMut(usize, &[Match]),
) -> tfbind_motifs::Result<()> {
    // Equal sequences have equal matches, and short seqlets repeat a lot (there are 256 of
    // 4 bp): each distinct sequence is compared once, its matches handed to all its queries.
    let mut distinct: Vec<&Vec<[f64; 4]>> = Vec::new();
    let mut queries_of: Vec<Vec<usize>> = Vec::new();
    let mut index: std::collections::HashMap<Vec<u64>, usize> = Default::default();
    for (q, rows) in queries.iter().enumerate() {
        let key = rows.iter().flatten().map(|v| v.to_bits()).collect();
        let d = *index.entry(key).or_insert_with(|| {
            distinct.push(rows);
            queries_of.push(Vec::new());
            distinct.len() - 1
        });
        queries_of[d].push(q);
    }
    let options = Options {
        distance,
        threshold: Threshold::All,
        ..Options::default()
    };
    for (c, chunk) in distinct.chunks(QUERIES_PER_CALL).enumerate() {
        let first = c * QUERIES_PER_CALL;
        let motifs = chunk
            .iter()
            .enumerate()
            .map(|(i, rows)| {
                Motif::from_probabilities(format!("seqlet{}", first + i), (*rows).clone())
            })
            .collect::<tfbind_motifs::Result<Vec<_>>>()?;
        // Matches come grouped by query in order, each query's best first.
        for matches in tomtom(&motifs, database, &options)?.chunk_by(|a, b| a.query == b.query) {
            for &q in &queries_of[first + matches[0].query] {
                each(q, matches);
            }
        }
    }
    Ok(())
}

/// The `q` quantile of sorted `values` by linear interpolation (NumPy's default); NaN when empty.
fn quantile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let at = q * (values.len() - 1) as f64;
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    values[lo] + (values[hi] - values[lo]) * (at - lo as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::{LabelMatrix, Split, Window};

    fn motif(id: &str, alt: &str, consensus: &str) -> Motif {
        let rows = consensus
            .chars()
            .map(|c| {
                let mut r = [0.02; 4];
                r["ACGT".find(c).unwrap()] = 0.94;
                r
            })
            .collect();
        Motif::from_probabilities(id, rows).unwrap().with_alt(alt)
    }

    /// Windows of 60 bp with GATAAG at 10 in the first and CACGTG at 40 in the second (reverse
    /// complement of itself), attributions high there and small elsewhere.
    fn attributed() -> (Attributions, Dataset) {
        let len = 60;
        let mut codes: Vec<u8> = (0..2 * len).map(|i| ((i * 7 + i / 5) % 4) as u8).collect();
        let plant = |codes: &mut Vec<u8>, at: usize, s: &str| {
            for (k, c) in s.bytes().enumerate() {
                codes[at + k] = "ACGT".bytes().position(|x| x == c).unwrap() as u8;
            }
        };
        plant(&mut codes, 10, "GATAAG");
        plant(&mut codes, len + 40, "CACGTG");
        let mut ohe = vec![0f32; 2 * 4 * len];
        let mut hyp = vec![0f32; 2 * 4 * len];
        for w in 0..2 {
            for p in 0..len {
                let c = usize::from(codes[w * len + p]);
                ohe[w * 4 * len + c * len + p] = 1.0;
                let strong = (w == 0 && (10..16).contains(&p)) || (w == 1 && (40..46).contains(&p));
                let noise = ((p * 13 + w * 5) % 11) as f32 / 100.0 - 0.05;
                hyp[w * 4 * len + c * len + p] = if strong { 1.0 + noise } else { noise };
            }
        }
        let a = Attributions {
            rows: vec![1, 0],
            len,
            ohe,
            scores: vec![(crate::params::Method::GradientXInput, hyp)],
            convergence: None,
        };
        // Row 1 of the dataset is the first attributed window.
        let mut sequences = codes[len..].to_vec();
        sequences.extend(&codes[..len]);
        let data = Dataset {
            windows: (0..2)
                .map(|i| Window {
                    chrom: "chr1".into(),
                    start: 1000 * i,
                    end: 1000 * i + len as u64,
                    name: format!("w{i}"),
                })
                .collect(),
            labels: LabelMatrix::from_values(vec!["T".into()], vec![1, 1]).unwrap(),
            sequences,
            seq_len: len,
            split: vec![Split::Test; 2],
        };
        (a, data)
    }

    #[test]
    fn equal_queries_are_compared_once_and_all_answered() {
        let database = vec![motif("M1", "GATA", "AGATAA"), motif("M2", "SP", "GGGCGG")];
        let rows = |seq: &str| -> Vec<[f64; 4]> {
            seq.chars()
                .map(|c| std::array::from_fn(|b| f64::from(u8::from("ACGT".find(c) == Some(b)))))
                .collect()
        };
        let queries = vec![
            rows("AGATAA"),
            rows("GGGCGG"),
            rows("AGATAA"),
            rows("CAGATA"),
        ];
        let mut answers: Vec<Option<(usize, usize, usize)>> = vec![None; queries.len()];
        compare_sequences(&queries, &database, Distance::Euclidean, |q, matches| {
            assert!(answers[q].is_none(), "query {q} answered twice");
            answers[q] = Some((matches[0].target, matches[0].query, matches.len()));
        })
        .unwrap();
        let answers: Vec<_> = answers.into_iter().map(Option::unwrap).collect();
        // Both motifs are matched for every query; the GATA queries best by M1, the GC box by M2.
        assert!(answers.iter().all(|a| a.2 == 2), "{answers:?}");
        assert_eq!(answers[0].0, 0);
        assert_eq!(answers[1].0, 1);
        // The repeated sequence was one comparison: the same distinct query behind both.
        assert_eq!(answers[0], answers[2]);
        assert_ne!(answers[0].1, answers[3].1);
    }

    #[test]
    fn seqlets_get_the_planted_motifs_and_their_place() {
        let (a, data) = attributed();
        let database = vec![
            motif("MA1", "Gata1", "AGATAAGA"),
            motif("MA2", "Myc", "CCACGTGG"),
            motif("MA3", "Foo", "TTTTAAAA"),
        ];
        let params = RecursiveParams {
            threshold: 0.05,
            ..RecursiveParams::default()
        };
        let x: Vec<f32> = (0..2).flat_map(|k| a.contributions(0, k)).collect();
        let s =
            Seqlets::compute(&x, &a.ohe, 60, &database, &params, Distance::Euclidean, 0.5).unwrap();
        assert_eq!(s.seqlets.len(), 2, "{:?}", s.seqlets);
        assert_eq!(s.matches.len(), 2);
        for (seqlet, m) in s.seqlets.iter().zip(&s.matches) {
            let want = if seqlet.example == 0 { 0 } else { 1 };
            assert_eq!(m.target, want, "{seqlet:?} {m:?}");
        }
        assert_eq!(s.motifs.len(), 2);
        let gata = s.motifs.iter().find(|m| m.target == 0).unwrap();
        assert_eq!(gata.seqlets.len(), 1);
        // GATAAG at 10..16 of 60: centre 13, 17 bp before the window's.
        let i = gata.seqlets[0];
        assert!((s.offset(i) - (-17.0)).abs() <= 1.0, "{}", s.offset(i));
        assert_eq!(gata.median_offset(), s.offset(i));

        let rows = s.seqlets_tsv(&a, &data, &database);
        let gata_row = rows.lines().find(|l| l.contains("Gata1")).unwrap();
        let f: Vec<&str> = gata_row.split('\t').collect();
        assert_eq!(f.len(), 16);
        assert_eq!(f[0], "0");
        // The window of example 0 is dataset row 1, at chr1:1000.
        assert_eq!(
            f[2].parse::<u64>().unwrap(),
            1000 + f[4].parse::<u64>().unwrap()
        );
        assert!(f[9].contains("GATAAG"), "{gata_row}");
        assert_eq!(f[15], "yes");
        let motifs = s.motifs_tsv(&database);
        assert_eq!(motifs.lines().count(), 3);
        let shares: f64 = motifs
            .lines()
            .skip(1)
            .map(|l| l.split('\t').nth(4).unwrap().parse::<f64>().unwrap())
            .sum();
        assert!((shares - 1.0).abs() < 1e-3, "{motifs}");
    }

    #[test]
    fn repeated_sequences_answer_each_of_their_seqlets() {
        let (a, _) = attributed();
        let database = vec![
            motif("MA1", "Gata1", "AGATAAGA"),
            motif("MA2", "Myc", "CCACGTGG"),
        ];
        let seqlet = |example, start| Seqlet {
            example,
            start,
            end: start + 6,
            attribution: 1.0,
            p_value: 0.01,
        };
        let seqlets = [seqlet(0, 10), seqlet(1, 40), seqlet(0, 10)];
        let m = best_matches(&seqlets, &a.ohe, 60, &database, Distance::Euclidean).unwrap();
        assert_eq!(m.iter().map(|m| m.query).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!((m[0].target, m[1].target), (0, 1));
        assert_eq!((m[2].target, m[2].p_value), (0, m[0].p_value));
    }

    #[test]
    fn quantiles_interpolate() {
        assert_eq!(quantile(&[1.0, 2.0, 4.0, 8.0], 0.5), 3.0);
        assert_eq!(quantile(&[1.0, 2.0, 4.0, 8.0], 0.25), 1.75);
        assert_eq!(quantile(&[5.0], 0.75), 5.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
