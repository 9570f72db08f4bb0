//! Attributions of a task's output to the bases of chosen windows, in the layout tfmodisco-lite
//! reads.
//!
//! Every method explains the task's logit (not its probability, which saturates for the strong
//! positives one usually looks at) and yields *hypothetical contributions* `[4, len]`: a value
//! for each letter at each position, as if the position held that letter. The contribution of
//! the sequence itself is that times the one-hot input, which is what tfmodisco-lite computes from
//! its `-a` (hypothetical) and `-s` (one-hot) arrays.

pub mod deeplift;
mod gradients;
mod ism;

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};
use tfbind_dataset::Dataset;
use tfbind_genome::shuffle::dinucleotide_shuffle;
use tfbind_model::{one_hot, Model};

use crate::error::{InterpretError, Result};
use crate::params::{InterpretParams, Method};
use deeplift::DeepLift;

/// The attributions of some windows, all methods.
pub struct Attributions {
    /// The dataset rows attributed, in output order.
    pub rows: Vec<usize>,
    pub len: usize,
    /// `[rows, 4, len]`: the one-hot input (N as 0.25 each).
    pub ohe: Vec<f32>,
    /// Per method, hypothetical contributions `[rows, 4, len]`.
    pub scores: Vec<(Method, Vec<f32>)>,
    /// DeepLIFT/SHAP's convergence, when it ran.
    pub convergence: Option<Convergence>,
}

/// How far DeepLIFT/SHAP's contributions are from summing to the change of the output.
pub struct Convergence {
    /// Per window, in row order: the sum of its contributions − (f(window) − mean f(references)),
    /// in logits; 0 in exact arithmetic.
    pub deltas: Vec<f32>,
    /// Per window: the largest |delta| that counts as float32 rounding
    /// ([`deeplift::DELTA_TOLERANCE`]).
    pub tolerances: Vec<f32>,
}

impl Convergence {
    pub fn max_abs_delta(&self) -> f32 {
        self.deltas.iter().fold(0.0, |m, d| m.max(d.abs()))
    }

    /// Windows whose |delta| exceeds their tolerance.
    pub fn exceeding(&self) -> usize {
        self.deltas
            .iter()
            .zip(&self.tolerances)
            .filter(|(d, t)| d.abs() > **t)
            .count()
    }
}

impl Method {
    /// The file of the method's hypothetical contributions in the artifact.
    pub fn file_name(self) -> &'static str {
        match self {
            Method::Ism => "ism.npz",
            Method::GradientXInput => "gradient_x_input.npz",
            Method::IntegratedGradients => "integrated_gradients.npz",
            Method::DeepLiftShap => "deeplift_shap.npz",
        }
    }
}

/// The file of the one-hot sequences in the artifact.
pub const OHE_FILE: &str = "ohe.npz";
/// DeepLIFT/SHAP's contributions of the windows' own letters (hypothetical × one-hot), as
/// tangermeme's `deep_lift_shap` returns them by default.
pub const DEEPLIFT_CONTRIBUTIONS_FILE: &str = "deeplift_shap_contributions.npz";

/// `n` dinucleotide-shuffled copies of window `row`'s `codes`, concatenated. One random stream per
/// window, so that a window's references do not depend on which other windows are attributed;
/// integrated gradients and DeepLIFT/SHAP draw the same ones (as many as each uses).
pub fn shuffled_references(codes: &[u8], n: usize, seed: u64, row: usize) -> Vec<u8> {
    let mut rng = reference_rng(seed, row);
    (0..n)
        .flat_map(|_| dinucleotide_shuffle(codes, &mut rng))
        .collect()
}

fn reference_rng(seed: u64, row: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(row as u64);
    rng
}

impl Attributions {
    /// Attributes `rows` of `data` to `task` with `params.methods`; `advance` is told each
    /// window done.
    pub fn compute(
        model: &Model,
        data: &Dataset,
        rows: &[usize],
        task: usize,
        params: &InterpretParams,
        advance: &dyn Fn(usize),
    ) -> Result<Self> {
        let len = data.seq_len;
        let task = task as i64;
        let device = model.device();
        let deeplift = params
            .methods
            .contains(&Method::DeepLiftShap)
            .then(|| DeepLift::new(model))
            .transpose()?;
        // DeepLIFT runs a batch of windows with all their references at once.
        let chunk = match deeplift {
            Some(_) => (params.batch_size / params.deeplift_references).max(1),
            None => 1,
        };
        let mut ohe = Vec::with_capacity(rows.len() * 4 * len);
        let mut scores: Vec<(Method, Vec<f32>)> =
            params.methods.iter().map(|&m| (m, Vec::new())).collect();
        let mut convergence = deeplift.as_ref().map(|_| Convergence {
            deltas: Vec::new(),
            tolerances: Vec::new(),
        });
        for chunk in rows.chunks(chunk) {
            let codes: Vec<u8> = chunk
                .iter()
                .flat_map(|&row| data.sequence(row).iter().copied())
                .collect();
            let x = one_hot(&codes, len, device)?;
            ohe.extend(host(&x)?);
            for (method, out) in &mut scores {
                match method {
                    Method::Ism => {
                        for &row in chunk {
                            out.extend(ism::ism(
                                model,
                                data.sequence(row),
                                task,
                                params.batch_size,
                            )?);
                        }
                    }
                    Method::GradientXInput => {
                        out.extend(host(&gradients::gradient_x_input(model, &x, task)?)?)
                    }
                    Method::IntegratedGradients => {
                        for &row in chunk {
                            out.extend(host(&gradients::integrated_gradients(
                                model,
                                data.sequence(row),
                                task,
                                params.ig_steps,
                                params.ig_references,
                                params.batch_size,
                                &mut reference_rng(params.seed, row),
                            )?)?);
                        }
                    }
                    Method::DeepLiftShap => {
                        let n = params.deeplift_references;
                        let references: Vec<u8> = chunk
                            .iter()
                            .flat_map(|&row| {
                                shuffled_references(data.sequence(row), n, params.seed, row)
                            })
                            .collect();
                        let references = one_hot(&references, len, device)?;
                        let explained = deeplift
                            .as_ref()
                            .expect("prepared when the method is listed")
                            .explain(&x, &references, task)?;
                        out.extend(host(&explained.hypothetical)?);
                        let c = convergence.as_mut().expect("made with deeplift");
                        c.deltas.extend(explained.deltas);
                        c.tolerances.extend(explained.tolerances);
                    }
                }
            }
            advance(chunk.len());
        }
        if let Some(c) = &convergence {
            let exceeding = c.exceeding();
            if exceeding > 0 {
                tracing::warn!(
                    windows = exceeding,
                    max_abs_delta = c.max_abs_delta(),
                    "DeepLIFT/SHAP contributions of {exceeding} windows do not sum to the change \
                     of the output within float32 rounding"
                );
            }
        }
        Ok(Self {
            rows: rows.to_vec(),
            len,
            ohe,
            scores,
            convergence,
        })
    }

    /// Contributions of window `k`'s own letters (hypothetical × one-hot summed over letters),
    /// one per position, for the `m`-th method.
    pub fn contributions(&self, m: usize, k: usize) -> Vec<f32> {
        let block = 4 * self.len;
        let hyp = &self.scores[m].1[k * block..(k + 1) * block];
        let ohe = &self.ohe[k * block..(k + 1) * block];
        (0..self.len)
            .map(|i| {
                (0..4)
                    .map(|b| hyp[b * self.len + i] * ohe[b * self.len + i])
                    .sum()
            })
            .collect()
    }

    /// Writes `ohe.npz` and one `.npz` per method into `dir`, each holding its array as
    /// `arr_0` float32 `[N, 4, len]`: what `modisco motifs -s ohe.npz -a ism.npz` loads; with
    /// DeepLIFT/SHAP also its contributions of the windows' own letters.
    pub fn write_npz(&self, dir: &Path) -> Result<()> {
        let shape = [self.rows.len() as i64, 4, self.len as i64];
        let write = |name: &str, values: &[f32]| {
            let path = dir.join(name);
            Tensor::write_npz(&[("arr_0", Tensor::from_slice(values).view(shape))], &path)
                .map_err(InterpretError::torch(format!("writing {}", path.display())))
        };
        write(OHE_FILE, &self.ohe)?;
        for (method, values) in &self.scores {
            write(method.file_name(), values)?;
            if *method == Method::DeepLiftShap {
                let own: Vec<f32> = values.iter().zip(&self.ohe).map(|(h, x)| h * x).collect();
                write(DEEPLIFT_CONTRIBUTIONS_FILE, &own)?;
            }
        }
        Ok(())
    }
}

fn host(t: &Tensor) -> Result<Vec<f32>> {
    Vec::<f32>::try_from(
        t.detach()
            .to_device(Device::Cpu)
            .to_kind(Kind::Float)
            .contiguous()
            .reshape([-1]),
    )
    .map_err(InterpretError::torch("copying attributions to the host"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::{LabelMatrix, Split, Window};
    use tfbind_model::{Architecture, ModelSpec};

    fn setup() -> (Model, Dataset) {
        let mut model = crate::seeded(9, || {
            Model::new(
                &ModelSpec::new(Architecture::ConvNetShallow, 100, 2).unwrap(),
                Device::Cpu,
            )
            .unwrap()
        });
        model
            .freeze(&Architecture::ConvNetShallow.block_names())
            .unwrap();
        // Random bases: a periodic sequence would make tied activations, where max-pooling has
        // no derivative.
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let mut sequences: Vec<u8> = (0..200)
            .map(|_| rand::Rng::gen_range(&mut rng, 0..4))
            .collect();
        sequences[17] = 4;
        let data = Dataset {
            windows: (0..2)
                .map(|i| Window {
                    chrom: "c".into(),
                    start: i * 100,
                    end: i * 100 + 100,
                    name: format!("w{i}"),
                })
                .collect(),
            labels: LabelMatrix::from_values(vec!["A".into(), "B".into()], vec![1; 4]).unwrap(),
            sequences,
            seq_len: 100,
            split: vec![Split::Test; 2],
        };
        (model, data)
    }

    fn logit(model: &Model, codes: &[u8], task: i64) -> f32 {
        let t = Tensor::from_slice(codes).view([1, codes.len() as i64]);
        tch::no_grad(|| model.forward_t(&t, false).unwrap().double_value(&[0, task]) as f32)
    }

    #[test]
    fn ism_is_the_centred_logit_of_each_variant() {
        let (model, data) = setup();
        let codes = data.sequence(0);
        let v = ism::ism(&model, codes, 1, 64).unwrap();
        assert_eq!(v.len(), 400);
        for i in [0, 17, 50, 99] {
            let mut at = [0f32; 4];
            for (b, a) in at.iter_mut().enumerate() {
                let mut c = codes.to_vec();
                c[i] = b as u8;
                *a = logit(&model, &c, 1);
            }
            let mean = at.iter().sum::<f32>() / 4.0;
            for b in 0..4 {
                assert!(
                    (v[b * 100 + i] - (at[b] - mean)).abs() < 1e-4,
                    "position {i}"
                );
            }
        }
    }

    #[test]
    fn gradient_x_input_is_centred_and_matches_a_finite_difference() {
        let (model, data) = setup();
        let codes = data.sequence(1);
        let x = one_hot(codes, 100, Device::Cpu).unwrap();
        let g = gradients::gradient_x_input(&model, &x, 0).unwrap();
        assert_eq!(g.size(), [1, 4, 100]);
        let sums = g
            .sum_dim_intlist(1, false, Kind::Float)
            .abs()
            .max()
            .double_value(&[]);
        assert!(sums < 1e-5);
        // The gradient predicts the change of a small move from the observed letter to another
        // (at the steepest position, so that the change stands out from float32 rounding).
        let raw = gradients::input_gradients(&model, &x, 0).unwrap();
        let g: Vec<f32> = Vec::try_from(raw.reshape([-1])).unwrap();
        let slope = |i: usize, b: usize| g[b * 100 + i] - g[usize::from(codes[i]) * 100 + i];
        let (i, b) = (0..100)
            .flat_map(|i| (0..4).map(move |b| (i, b)))
            .max_by(|&(i, b), &(j, c)| slope(i, b).abs().total_cmp(&slope(j, c).abs()))
            .unwrap();
        let eps = 0.005;
        let dir = Tensor::zeros([1, 4, 100], (Kind::Float, Device::Cpu));
        let _ = dir.get(0).get(b as i64).get(i as i64).fill_(eps);
        let _ = dir
            .get(0)
            .get(i64::from(codes[i]))
            .get(i as i64)
            .fill_(-eps);
        let f =
            |x: &Tensor| tch::no_grad(|| model.forward_one_hot_t(x, false).double_value(&[0, 0]));
        let fd = f(&(&x + &dir)) - f(&(&x - &dir));
        let predicted = 2.0 * f64::from(slope(i, b)) * eps;
        assert!(
            (fd - predicted).abs() < 0.1 * predicted.abs(),
            "{fd} vs {predicted}"
        );
    }

    #[test]
    fn integrated_gradients_are_complete() {
        let (model, data) = setup();
        let codes = data.sequence(0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let hyp = gradients::integrated_gradients(&model, codes, 0, 64, 1, 16, &mut rng).unwrap();
        let x = one_hot(codes, 100, Device::Cpu).unwrap();
        let total = (&hyp * x.get(0)).sum(Kind::Float).double_value(&[]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let reference = tfbind_genome::shuffle::dinucleotide_shuffle(codes, &mut rng);
        let want = f64::from(logit(&model, codes, 0) - logit(&model, &reference, 0));
        assert!(
            (total - want).abs() < 0.02 * want.abs().max(0.05),
            "sum {total}, f(x) - f(r) = {want}"
        );
    }

    #[test]
    fn compute_writes_what_modisco_reads() {
        let (model, data) = setup();
        let params = InterpretParams {
            ig_steps: 4,
            ig_references: 2,
            ..InterpretParams::default()
        };
        let a = Attributions::compute(&model, &data, &[1, 0], 0, &params, &|_| {}).unwrap();
        assert_eq!(a.rows, [1, 0]);
        assert_eq!(a.ohe.len(), 800);
        assert_eq!(a.scores.len(), 3);
        assert!(a.scores.iter().all(|(_, v)| v.len() == 800));
        // Window 0 (second) has an N at 17: a quarter in each channel, so no contribution.
        assert_eq!(a.ohe[400 + 17], 0.25);
        assert!(a.contributions(0, 1)[17].abs() < 1e-6);
        // Reproducible: the references depend on the seed and the row only.
        let b = Attributions::compute(&model, &data, &[0], 0, &params, &|_| {}).unwrap();
        assert_eq!(b.scores[2].1[..], a.scores[2].1[400..]);

        let dir = tempfile::tempdir().unwrap();
        a.write_npz(dir.path()).unwrap();
        let read = Tensor::read_npz(dir.path().join("ism.npz")).unwrap();
        assert_eq!(read[0].0, "arr_0");
        assert_eq!(read[0].1.size(), [2, 4, 100]);
        assert_eq!(read[0].1.kind(), Kind::Float);
        assert!(dir.path().join(OHE_FILE).is_file());
        assert!(dir.path().join("integrated_gradients.npz").is_file());
    }
}
