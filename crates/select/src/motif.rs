use std::collections::HashMap;

use tfbind_motifs::{tomtom, Motif, Options, Threshold};

use crate::{Error, Result};

/// The most similar pair of motifs of the target and one TF.
#[derive(Debug, Clone, PartialEq)]
pub struct MotifMatch {
    /// Tomtom p-value of the pair (against the whole motif file as database).
    pub p_value: f64,
    /// The target's motif: matrix ID and name (e.g. `MA0059.2`, `MAX::MYC`).
    pub target_motif: (String, String),
    /// The TF's motif: matrix ID and name. A dimer's name shows when the match came through a
    /// partner (JASPAR's composite ETS::FOX motifs, for one, relate TFs of both families).
    pub tf_motif: (String, String),
}

/// The motifs of a MEME file, keyed by the TF names they stand for.
///
/// A motif stands for every TF of its name (the MEME `alt` name, else its ID) split at `::`,
/// compared case-insensitively: JASPAR names heterodimers `MAX::MYC` and mouse profiles `Jun`.
/// Of several versions of one matrix ID (`MA0058.3`, `MA0058.4`), only the latest is kept, so a
/// file with all versions does not count one profile several times.
#[derive(Debug, Clone)]
pub struct MotifIndex {
    motifs: Vec<Motif>,
    by_name: HashMap<String, Vec<usize>>,
}

impl MotifIndex {
    /// ```
    /// use tfbind_motifs::Motif;
    /// let m = |id: &str, name: &str| {
    ///     Motif::from_probabilities(id, vec![[1.0, 0.0, 0.0, 0.0]]).unwrap().with_alt(name)
    /// };
    /// let index = tfbind_select::MotifIndex::new(&[
    ///     m("MA0058.3", "MAX"), m("MA0058.4", "MAX"), m("MA0059.2", "MAX::MYC"), m("MA0099.4", "Jun"),
    /// ]);
    /// let ids = |tf| index.motifs_of(tf).iter().map(|m| m.id().to_string()).collect::<Vec<_>>();
    /// assert_eq!(ids("MAX"), ["MA0058.4", "MA0059.2"]);
    /// assert_eq!(ids("myc"), ["MA0059.2"]);
    /// assert_eq!(ids("JUN"), ["MA0099.4"]);
    /// assert!(ids("JUND").is_empty());
    /// ```
    pub fn new(motifs: &[Motif]) -> Self {
        let motifs = latest_versions(motifs);
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, m) in motifs.iter().enumerate() {
            for name in name_of(m).split("::") {
                let entry = by_name.entry(name.trim().to_uppercase()).or_default();
                // A homodimer written as `X::X` is still one motif of X.
                if entry.last() != Some(&i) {
                    entry.push(i);
                }
            }
        }
        Self { motifs, by_name }
    }

    /// The motifs standing for a TF, in file order.
    pub fn motifs_of(&self, tf: &str) -> Vec<&Motif> {
        self.indices(tf).iter().map(|&i| &self.motifs[i]).collect()
    }

    fn indices(&self, tf: &str) -> &[usize] {
        self.by_name
            .get(&tf.to_uppercase())
            .map_or(&[], Vec::as_slice)
    }

    /// For every TF of `tfs`, its most similar motif pair with `target`: the smallest Tomtom
    /// p-value between any motif of the target and any motif of the TF; `None` for a TF without
    /// a motif. Every motif of the file is Tomtom's database, as when Tomtom is run against
    /// JASPAR, so the p-values are those a user of Tomtom would see.
    pub fn similarity(&self, target: &str, tfs: &[String]) -> Result<Vec<Option<MotifMatch>>> {
        let queries: Vec<Motif> = self.motifs_of(target).into_iter().cloned().collect();
        if queries.is_empty() {
            return Err(Error::TargetWithoutMotif {
                target: target.to_string(),
            });
        }
        let options = Options {
            threshold: Threshold::All,
            ..Options::default()
        };
        // Best p-value per database motif over the target's motifs, with the query it came from.
        let mut best: Vec<Option<(f64, usize)>> = vec![None; self.motifs.len()];
        for m in tomtom(&queries, &self.motifs, &options)? {
            let slot = &mut best[m.target];
            let better = match *slot {
                Some((p, _)) => m.p_value < p,
                None => true,
            };
            if better {
                *slot = Some((m.p_value, m.query));
            }
        }
        Ok(tfs
            .iter()
            .map(|tf| {
                self.indices(tf)
                    .iter()
                    .filter_map(|&i| best[i].map(|(p, q)| (p, q, i)))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(p_value, q, i)| MotifMatch {
                        p_value,
                        target_motif: id_and_name(&queries[q]),
                        tf_motif: id_and_name(&self.motifs[i]),
                    })
            })
            .collect())
    }
}

/// The name a motif goes by: its MEME `alt` name, else its ID.
fn name_of(m: &Motif) -> &str {
    m.alt().filter(|a| !a.trim().is_empty()).unwrap_or(m.id())
}

fn id_and_name(m: &Motif) -> (String, String) {
    (m.id().to_string(), name_of(m).to_string())
}

/// The motifs without older versions of the same matrix ID, in file order.
fn latest_versions(motifs: &[Motif]) -> Vec<Motif> {
    let mut latest: HashMap<&str, u32> = HashMap::new();
    for m in motifs {
        let (base, version) = split_version(m.id());
        let v = latest.entry(base).or_insert(version);
        *v = (*v).max(version);
    }
    let mut seen: Vec<&str> = Vec::new();
    motifs
        .iter()
        .filter(|m| {
            let (base, version) = split_version(m.id());
            // Equal IDs (a file listing a motif twice) keep their first copy.
            let keep = latest[base] == version && !seen.contains(&base);
            if keep {
                seen.push(base);
            }
            keep
        })
        .cloned()
        .collect()
}

/// `MA0058.4` → (`MA0058`, 4); an ID without a numeric version is its own base, version 0.
fn split_version(id: &str) -> (&str, u32) {
    id.rsplit_once('.')
        .and_then(|(base, v)| Some((base, v.parse().ok()?)))
        .unwrap_or((id, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(consensus: &str) -> Vec<[f64; 4]> {
        consensus
            .chars()
            .map(|c| {
                let mut r = [0.05; 4];
                r["ACGT".find(c).unwrap()] = 0.85;
                r
            })
            .collect()
    }

    fn motif(id: &str, name: &str, consensus: &str) -> Motif {
        Motif::from_probabilities(id, rows(consensus))
            .unwrap()
            .with_alt(name)
    }

    #[test]
    fn versions_are_split_only_when_numeric() {
        assert_eq!(split_version("MA0058.4"), ("MA0058", 4));
        assert_eq!(split_version("MA0058"), ("MA0058", 0));
        assert_eq!(
            split_version("JUND_HUMAN.H11MO.0.A"),
            ("JUND_HUMAN.H11MO.0.A", 0)
        );
    }

    #[test]
    fn homodimers_count_once_and_unnamed_motifs_map_by_id() {
        let unnamed = Motif::from_probabilities("GATA1", rows("AGATAA")).unwrap();
        let index = MotifIndex::new(&[motif("MA1", "Hnf4a::HNF4A", "GGTCA"), unnamed]);
        assert_eq!(index.motifs_of("HNF4A").len(), 1);
        assert_eq!(index.motifs_of("gata1").len(), 1);
    }

    #[test]
    fn similar_motifs_rank_first_and_motifless_tfs_are_none() {
        let motifs = vec![
            motif("M1.1", "EBOX1", "GCACGTGAC"),
            motif("M2.1", "EBOX2", "ACACGTGC"),
            motif("M3.1", "GATA", "TAGATAAG"),
            motif("M4.1", "SP", "GGGGCGGGG"),
            motif("M5.1", "FOX", "TGTTTAC"),
        ];
        let index = MotifIndex::new(&motifs);
        let tfs: Vec<String> = ["EBOX2", "GATA", "SP", "NONE"].map(String::from).into();
        let sims = index.similarity("ebox1", &tfs).unwrap();
        let p = |i: usize| sims[i].as_ref().unwrap().p_value;
        assert!(p(0) < p(1) && p(0) < p(2), "{sims:?}");
        let best = sims[0].as_ref().unwrap();
        assert_eq!(best.target_motif, ("M1.1".to_string(), "EBOX1".to_string()));
        assert_eq!(best.tf_motif, ("M2.1".to_string(), "EBOX2".to_string()));
        assert!(sims[3].is_none());
        assert!(matches!(
            index.similarity("NONE", &tfs),
            Err(Error::TargetWithoutMotif { .. })
        ));
    }
}
