//! First-layer filters as motifs (Novakovsky et al. 2021, after Kelley et al. 2016's Basset):
//! every subsequence where a filter's activation exceeds a fraction of its maximum is a site of
//! that filter, and a filter's sites, counted per position, are its PFM.

use std::fmt::Write as _;

use tch::{Device, Kind, Tensor};
use tfbind_dataset::Dataset;
use tfbind_motifs::{Background, Motif};

use crate::error::{InterpretError, Result};
use crate::first_layer::FirstLayer;

/// One filter's motif: site counts per position and letter.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterMotif {
    /// The filter's index in the first layer.
    pub filter: usize,
    /// Its largest activation over the windows (0 for a filter that never fires).
    pub max_activation: f32,
    /// Number of sites (window, position) counted.
    pub sites: usize,
    /// `[width]` rows of counts of A C G T; an N in a site counts 0.25 for each.
    pub counts: Vec<[f64; 4]>,
}

impl FilterMotif {
    /// The motif's identifier in MEME files and tables.
    pub fn id(&self) -> String {
        format!("filter{}", self.filter)
    }

    /// The PFM as a motif (with `nsites`), or `None` for a filter without sites.
    pub fn motif(&self) -> Option<Motif> {
        if self.sites == 0 {
            return None;
        }
        Some(
            Motif::from_counts(self.id(), &self.counts)
                .expect("site counts are non-negative with equal, positive row totals"),
        )
    }

    /// Total information content in bits against a uniform background (0 without sites).
    pub fn information(&self) -> f64 {
        self.motif()
            .map_or(0.0, |m| m.total_information_content(&Background::UNIFORM))
    }

    /// Whether the motif is worth showing: enough information from enough sites.
    pub fn is_informative(&self, min_information: f64, min_sites: usize) -> bool {
        self.sites >= min_sites.max(1) && self.information() >= min_information
    }
}

/// Builds every filter's motif from the windows `rows` of `data`: a first pass finds each
/// filter's maximum activation, a second counts the subsequences activating it above
/// `threshold` × that maximum. `advance` is told the windows done in each pass.
pub fn filter_motifs(
    layer: &FirstLayer,
    device: Device,
    data: &Dataset,
    rows: &[usize],
    threshold: f64,
    batch_size: usize,
    advance: &dyn Fn(usize),
) -> Result<Vec<FilterMotif>> {
    let n_filters = layer.n_filters();
    let width = layer.width();
    let _no_grad = tch::no_grad_guard();
    let activations = |chunk: &[usize]| {
        let codes: Vec<u8> = chunk
            .iter()
            .flat_map(|&r| data.sequence(r).iter().copied())
            .collect();
        let x = tfbind_model::one_hot(&codes, data.seq_len, device)?;
        Ok::<_, InterpretError>((codes, layer.activations(&x)))
    };

    let mut max = Tensor::zeros([n_filters as i64], (Kind::Float, device));
    for chunk in rows.chunks(batch_size) {
        let (_, a) = activations(chunk)?;
        max = max.maximum(&a.amax([0, 2], false));
        advance(chunk.len());
    }
    let max: Vec<f32> = to_vec(&max, "filter maxima")?;
    // A filter that never fires has no sites: nothing exceeds an infinite threshold.
    let cutoffs: Vec<f32> = max
        .iter()
        .map(|&m| {
            if m > 0.0 {
                (f64::from(m) * threshold) as f32
            } else {
                f32::INFINITY
            }
        })
        .collect();
    let cutoff = Tensor::from_slice(&cutoffs)
        .to_device(device)
        .view([1, -1, 1]);

    let mut motifs: Vec<FilterMotif> = (0..n_filters)
        .map(|filter| FilterMotif {
            filter,
            max_activation: max[filter],
            sites: 0,
            counts: vec![[0.0; 4]; width],
        })
        .collect();
    for chunk in rows.chunks(batch_size) {
        let (codes, a) = activations(chunk)?;
        // (window, filter, position) of every activation above its filter's cutoff.
        let hits: Vec<i64> = to_vec(&a.gt_tensor(&cutoff).nonzero().reshape([-1]), "sites")?;
        for hit in hits.chunks_exact(3) {
            let (b, f, p) = (hit[0] as usize, hit[1] as usize, hit[2] as usize);
            let start = b * data.seq_len + p;
            let m = &mut motifs[f];
            m.sites += 1;
            for (row, &code) in m.counts.iter_mut().zip(&codes[start..start + width]) {
                match code {
                    0..=3 => row[usize::from(code)] += 1.0,
                    _ => row.iter_mut().for_each(|c| *c += 0.25),
                }
            }
        }
        advance(chunk.len());
    }
    Ok(motifs)
}

fn to_vec<T: tch::kind::Element + Copy>(t: &Tensor, what: &str) -> Result<Vec<T>> {
    Vec::<T>::try_from(t.to_device(Device::Cpu).contiguous())
        .map_err(InterpretError::torch(format!("copying {what} to the host")))
}

/// `filters.tsv`: one row per filter.
pub fn filters_tsv(motifs: &[FilterMotif], columns: &[(&str, Vec<String>)]) -> String {
    let mut out = String::from("filter\tid\tsites\tinformation_bits\tmax_activation\tconsensus");
    for (name, _) in columns {
        let _ = write!(out, "\t{name}");
    }
    out.push('\n');
    for (i, m) in motifs.iter().enumerate() {
        let consensus = m.motif().map(|m| m.consensus()).unwrap_or_default();
        let _ = write!(
            out,
            "{}\t{}\t{}\t{:.4}\t{:.6}\t{}",
            m.filter,
            m.id(),
            m.sites,
            m.information(),
            m.max_activation,
            if consensus.is_empty() {
                "NA"
            } else {
                &consensus
            }
        );
        for (_, values) in columns {
            let _ = write!(out, "\t{}", values[i]);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::{LabelMatrix, Split, Window};
    use tfbind_model::{Architecture, Model, ModelSpec};

    /// A ConvNetShallow whose filter 0 is the one-hot of ACGTA (zero elsewhere) and whose batch
    /// norm passes values through; filter 1 never fires.
    fn model() -> Model {
        let m = crate::seeded(1, || {
            Model::new(
                &ModelSpec::new(Architecture::ConvNetShallow, 100, 1).unwrap(),
                Device::Cpu,
            )
            .unwrap()
        });
        let t = m.tensors();
        tch::no_grad(|| {
            let w = &t["c1.weight"];
            let _ = w.shallow_clone().zero_();
            let _ = t["c1.bias"].shallow_clone().fill_(-1e-3);
            for (pos, base) in [0i64, 1, 2, 3, 0].into_iter().enumerate() {
                let _ = w.get(0).get(base).get(pos as i64).fill_(1.0);
            }
            let _ = t["c1.bias"].get(1).fill_(-100.0);
            let _ = t["bn1.running_var"].shallow_clone().fill_(1.0 - 1e-5);
        });
        m
    }

    fn dataset(seqs: &[&[u8]]) -> Dataset {
        let n = seqs.len();
        Dataset {
            windows: (0..n)
                .map(|i| Window {
                    chrom: "c".into(),
                    start: i as u64 * 100,
                    end: i as u64 * 100 + 100,
                    name: format!("w{i}"),
                })
                .collect(),
            labels: LabelMatrix::from_values(vec!["T".into()], vec![1; n]).unwrap(),
            sequences: seqs.iter().flat_map(|s| s.iter().copied()).collect(),
            seq_len: 100,
            split: vec![Split::Test; n],
        }
    }

    #[test]
    fn sites_above_half_the_maximum_make_the_pfm() {
        let model = model();
        let layer = FirstLayer::of(&model).unwrap();
        // Window 0 holds ACGTA (activation 5) and ACGTT (4 matches: above 0.5 × 5); window 1
        // holds ACGNA (4.25 with N's quarter) and otherwise Ts, which score at most 1.
        let mut w0 = vec![3u8; 100];
        w0[10..15].copy_from_slice(&[0, 1, 2, 3, 0]);
        w0[40..45].copy_from_slice(&[0, 1, 2, 3, 3]);
        let mut w1 = vec![3u8; 100];
        w1[60..65].copy_from_slice(&[0, 1, 2, 4, 0]);
        let data = dataset(&[&w0, &w1]);
        let motifs = filter_motifs(&layer, Device::Cpu, &data, &[0, 1], 0.5, 1, &|_| {}).unwrap();
        assert_eq!(motifs.len(), 100);
        let m = &motifs[0];
        assert!(
            (m.max_activation - 5.0).abs() < 1e-2,
            "{}",
            m.max_activation
        );
        assert_eq!(m.sites, 3);
        assert_eq!(m.counts[0], [3.0, 0.0, 0.0, 0.0]);
        assert_eq!(m.counts[3], [0.25, 0.25, 0.25, 2.25]);
        assert_eq!(m.counts[4], [2.0, 0.0, 0.0, 1.0]);
        // Past the 5 bp pattern the filter sees Ts.
        assert_eq!(m.counts[18], [0.0, 0.0, 0.0, 3.0]);
        let motif = m.motif().unwrap();
        assert_eq!((motif.id(), motif.nsites()), ("filter0", 3.0));
        assert!(m.is_informative(10.0, 3) && !m.is_informative(10.0, 4));

        let dead = &motifs[1];
        assert_eq!((dead.sites, dead.max_activation), (0, 0.0));
        assert!(dead.motif().is_none() && dead.information() == 0.0);
        // The same counts whatever the batching.
        let again = filter_motifs(&layer, Device::Cpu, &data, &[0, 1], 0.5, 2, &|_| {}).unwrap();
        assert_eq!(again[0], motifs[0]);

        let tsv = filters_tsv(&motifs[..2], &[("best", vec!["x".into(), "NA".into()])]);
        let lines: Vec<&str> = tsv.lines().collect();
        assert!(lines[0].ends_with("consensus\tbest"));
        assert!(
            lines[1].starts_with("0\tfilter0\t3\t")
                && lines[1].ends_with("\tACGTATTTTTTTTTTTTTT\tx")
        );
        assert!(lines[2].ends_with("\tNA\tNA"));
    }
}
