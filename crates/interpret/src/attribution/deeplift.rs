//! DeepLIFT with the rescale rule (Shrikumar et al. 2017) against several references per window,
//! averaged over them: DeepSHAP (Lundberg & Lee 2017), as tangermeme's `deep_lift_shap` computes
//! it.
//!
//! The network runs layer by layer ([`tfbind_model::Model::layers`]) on the windows and on their
//! references, and the multipliers travel back by hand rather than through autograd: a linear
//! layer or convolution passes them through its transposed weight (batch norm in evaluation mode
//! is folded into the layer before it, an affine map like any other), and the two nonlinear layers
//! take tangermeme's rules:
//!
//! - **ReLU**: Δout / Δin where |Δin| ≥ 1e-6, else the gradient at the window's own input.
//! - **Max pooling** (tangermeme's `_maxpool`, from Captum): each pooled output's change o − o_r
//!   goes to the window's arg-max when o > o_r, to the reference's when o < o_r, and is divided
//!   there by that input's own change; an input that does not change takes the ordinary
//!   max-pooling gradient (the multiplier at the window's arg-max), every other input 0.
//!
//! A ReLU followed by max pooling is computed as one step: the pooling's multipliers are non-zero
//! at no more than two inputs per pooling window (the two arg-maxes), so the ReLU's rule is only
//! evaluated there, on values gathered at those positions, and the pooling runs on the
//! pre-activations (ReLU is monotone, so the arg-maxes are the same wherever the maximum is
//! positive, and where it is 0 neither arg-max carries a multiplier through the ReLU). This keeps
//! the work of the rules a pooling size smaller than the activations.
//!
//! The one difference of rule: tangermeme propagates the window's and the reference's
//! multipliers separately and the max-pooling rule reads both. They differ only where a ReLU falls
//! back to the gradient with its two inputs on either side of 0 within 1e-6, where the output
//! changes by less than 1e-6; here both sides carry the window's multipliers, so a pair costs one
//! backward pass instead of two, and the window's forward pass is shared by its references.

use tch::{Kind, Tensor};
use tfbind_model::{Layer, Model};

use super::host;
use crate::error::{InterpretError, Result};
use crate::params::Method;

/// Below this |Δin| a ReLU's multiplier is its gradient (tangermeme's and Captum's threshold).
const RESCALE_EPS: f64 = 1e-6;

/// The convergence delta of a window counts as too large above this fraction of the largest
/// |logit| of the window and its references (at least 1): float32 rounding grows with the
/// activations, not with the difference of the outputs.
pub const DELTA_TOLERANCE: f64 = 1e-3;

/// A network prepared for DeepLIFT.
pub struct DeepLift {
    steps: Vec<Step>,
}

/// One step of the network, as DeepLIFT's rules see it.
enum Step {
    Conv {
        weight: Tensor,
        bias: Tensor,
    },
    Linear {
        weight: Tensor,
        bias: Option<Tensor>,
    },
    Flatten,
    Relu,
    /// ReLU, then max pooling of this size and stride.
    ReluPool(i64),
}

/// What the backward pass needs of a step, kept from the forward pass.
enum Saved<'a> {
    /// A linear map's multipliers pass through its transposed weight.
    Linear(&'a Tensor),
    Conv(&'a Tensor),
    /// The shape of the input, before flattening.
    Shape(Vec<i64>),
    /// A ReLU's multipliers `[pairs, features]`.
    Multipliers(Tensor),
    Routes(Routes),
}

/// Where a ReLU followed by max pooling sends the multipliers of its output: each pooled output's
/// to the window's arg-max times `to_own` and to the reference's times `to_ref` (pooling-window
/// positions along the last axis of the input, of length `len`).
struct Routes {
    own_at: Tensor,
    to_own: Tensor,
    ref_at: Tensor,
    to_ref: Tensor,
    len: i64,
}

/// DeepSHAP values of a batch of windows.
pub struct Explained {
    /// `[windows, 4, len]`: hypothetical contributions, averaged over each window's references.
    pub hypothetical: Tensor,
    /// Per window: the sum of its contributions − (f(window) − mean f(references)), in logits.
    pub deltas: Vec<f32>,
    /// Per window: what [`DELTA_TOLERANCE`] allows of its delta.
    pub tolerances: Vec<f32>,
}

impl DeepLift {
    /// Refuses a network without a layer-by-layer form (DanQ's LSTM has no rescale rule here).
    pub fn new(model: &Model) -> Result<Self> {
        let unsupported = || InterpretError::MethodUnsupported {
            method: Method::DeepLiftShap,
            architecture: model.spec().architecture,
        };
        let mut layers = model
            .layers()
            .ok_or_else(unsupported)?
            .into_iter()
            .peekable();
        let mut steps = Vec::new();
        while let Some(layer) = layers.next() {
            steps.push(match layer {
                Layer::Conv1d { weight, bias } => Step::Conv { weight, bias },
                Layer::Linear { weight, bias } => Step::Linear { weight, bias },
                Layer::Flatten => Step::Flatten,
                Layer::Relu => match layers.next_if(|l| matches!(l, Layer::MaxPool1d(_))) {
                    Some(Layer::MaxPool1d(size)) => Step::ReluPool(size),
                    _ => Step::Relu,
                },
                // Pooling without a ReLU before it is in none of the architectures.
                Layer::MaxPool1d(_) => return Err(unsupported()),
            });
        }
        Ok(Self { steps })
    }

    /// Explains output `task` of one-hot windows `x` `[windows, 4, len]` against `references`
    /// `[windows × n, 4, len]`, window `w`'s references at rows `w·n..(w + 1)·n`.
    pub fn explain(&self, x: &Tensor, references: &Tensor, task: i64) -> Result<Explained> {
        let _no_grad = tch::no_grad_guard();
        let windows = x.size()[0];
        let pairs = references.size()[0];
        if windows == 0 || pairs % windows != 0 {
            return Err(InterpretError::Parameters(format!(
                "DeepLIFT: {pairs} references for {windows} windows"
            )));
        }
        let n = pairs / windows;
        let group = Group { windows, n };

        let mut saved = Vec::with_capacity(self.steps.len());
        let (mut own, mut refs) = (x.shallow_clone(), references.shallow_clone());
        for step in &self.steps {
            let (keep, next_own, next_refs) = match step {
                Step::Conv { weight, bias } => (
                    Saved::Conv(weight),
                    own.conv1d(weight, Some(bias), 1, 0, 1, 1),
                    refs.conv1d(weight, Some(bias), 1, 0, 1, 1),
                ),
                Step::Linear { weight, bias } => (
                    Saved::Linear(weight),
                    own.linear(weight, bias.as_ref()),
                    refs.linear(weight, bias.as_ref()),
                ),
                Step::Flatten => (
                    Saved::Shape(refs.size()),
                    own.flatten(1, -1),
                    refs.flatten(1, -1),
                ),
                Step::Relu => {
                    let (next_own, next_refs) = (own.relu(), refs.relu());
                    let multipliers = rescale(
                        &group.difference(&own, &refs),
                        &group.difference(&next_own, &next_refs),
                        &group.repeat(&own.gt(0.0).to_kind(Kind::Float)),
                    );
                    (Saved::Multipliers(multipliers), next_own, next_refs)
                }
                Step::ReluPool(size) => {
                    let (routes, next_own, next_refs) = relu_pool(&group, &own, &refs, *size);
                    (Saved::Routes(routes), next_own, next_refs)
                }
            };
            saved.push(keep);
            (own, refs) = (next_own, next_refs);
        }
        let outputs = refs.size()[1];
        let (out_own, out_refs) = (own.select(1, task), refs.select(1, task));

        let mut m = Tensor::zeros([pairs, outputs], (Kind::Float, x.device()));
        let _ = m.select(1, task).fill_(1.0);
        for kept in saved.iter().rev() {
            m = match kept {
                Saved::Linear(weight) => m.matmul(weight),
                Saved::Conv(weight) => m.conv_transpose1d(weight, None::<&Tensor>, 1, 0, 0, 1, 1),
                Saved::Shape(shape) => m.view(shape.as_slice()),
                Saved::Multipliers(multipliers) => m * multipliers,
                Saved::Routes(routes) => routes.back(&m),
            };
        }

        // Letter b at a position changes the input by e_b − r there, whatever the window holds.
        let hypothetical = &m - (&m * references).sum_dim_intlist(1, true, Kind::Float);
        let hypothetical = group.grouped(&hypothetical).mean_dim(1, false, Kind::Float);
        let contributions =
            (&hypothetical * x).sum_dim_intlist([1, 2].as_slice(), false, Kind::Float);
        let out_refs = out_refs.view([windows, n]);
        let deltas = contributions - (&out_own - out_refs.mean_dim(1, false, Kind::Float));
        let scale = out_refs
            .abs()
            .amax(1, false)
            .maximum(&out_own.abs())
            .clamp_min(1.0);
        Ok(Explained {
            hypothetical,
            deltas: host(&deltas)?,
            tolerances: host(&(scale * DELTA_TOLERANCE))?,
        })
    }
}

/// The rescale rule's multipliers Δout / Δin, or `gradient` where |Δin| is below
/// [`RESCALE_EPS`].
fn rescale(d_in: &Tensor, d_out: &Tensor, gradient: &Tensor) -> Tensor {
    gradient.where_self(&d_in.abs().lt(RESCALE_EPS), &(d_out / d_in))
}

/// A batch of windows, each with `n` references in consecutive rows.
struct Group {
    windows: i64,
    n: i64,
}

impl Group {
    /// `[windows × n, ...]` → `[windows, n, ...]`.
    fn grouped(&self, refs: &Tensor) -> Tensor {
        let mut shape = vec![self.windows, self.n];
        shape.extend(&refs.size()[1..]);
        refs.view(shape.as_slice())
    }

    /// A window's values minus each of its references': `[windows, ...]` and `[windows × n, ...]`
    /// → `[windows × n, ...]`.
    fn difference(&self, own: &Tensor, refs: &Tensor) -> Tensor {
        (own.unsqueeze(1) - self.grouped(refs)).flatten(0, 1)
    }

    /// `own` `[windows, channels, len]` at positions `index` `[windows × n, channels, k]` along
    /// the last axis, without copying `own` for each reference.
    fn gather_own(&self, own: &Tensor, index: &Tensor) -> Tensor {
        let mut shape = own.size();
        shape.insert(1, self.n);
        own.unsqueeze(1)
            .expand(shape.as_slice(), false)
            .gather(3, &self.grouped(index), false)
            .flatten(0, 1)
    }

    /// `[windows, ...]` → `[windows × n, ...]`, each window's row repeated for its references.
    fn repeat(&self, own: &Tensor) -> Tensor {
        let mut shape = own.size();
        shape.insert(1, self.n);
        own.unsqueeze(1)
            .expand(shape.as_slice(), false)
            .flatten(0, 1)
    }
}

/// A ReLU followed by max pooling of `size` on the windows' pre-activations `own` and the
/// references' `refs`: the routes of its multipliers (tangermeme's `_maxpool` rule at the two
/// arg-maxes of each pooling window, times its ReLU rule there), and its outputs.
///
/// With x the window's pre-activation at its arg-max, r the reference's there, o = relu(x) and
/// o_r the reference's pooled output, the product of the two rules at the window's arg-max is
/// - (o − o_r) / (x − r) when o > o_r (the pooling's share (o − o_r) / (o − relu(r)) times
///   the ReLU's secant (o − relu(r)) / (x − r)), the denominator read as x where |x − r| < 1e-6
///   and r ≤ 0 (the ReLU's gradient 1 times the pooling's share);
/// - 1 where the input does not change and passes the ReLU (x = r > 0): both take the gradient;
/// - 0 otherwise.
///
/// At the reference's arg-max, symmetrically, (o − o_r) / (x − r) when o < o_r, except 0 where
/// |x − r| < 1e-6 and x ≤ 0 (the ReLU's gradient there). Only pooled-size tensors are kept for
/// the backward pass.
fn relu_pool(group: &Group, own: &Tensor, refs: &Tensor, size: i64) -> (Routes, Tensor, Tensor) {
    let (own_max, own_at) = own.max_pool1d_with_indices(size, size, 0, 1, false);
    let (ref_max, ref_at) = refs.max_pool1d_with_indices(size, size, 0, 1, false);
    let own_at_each = group.repeat(&own_at);
    // Pre-activations at the window's arg-max and at the reference's, of each side; the window's
    // own values broadcast over its references.
    let x_at_x = own_max.unsqueeze(1);
    let r_at_x = group.grouped(&refs.gather(2, &own_at_each, false));
    let x_at_r = group.grouped(&group.gather_own(own, &ref_at));
    let r_at_r = group.grouped(&ref_max);
    let change = x_at_x.relu() - r_at_r.relu();

    let d = &x_at_x - &r_at_x;
    let gradient_only = d.abs().lt(RESCALE_EPS).logical_and(&r_at_x.le(0.0));
    let unchanged = d.eq(0.0).logical_and(&x_at_x.gt(0.0)).to_kind(Kind::Float);
    let to_own =
        (&change / x_at_x.where_self(&gradient_only, &d)).where_self(&change.gt(0.0), &unchanged);
    let d = &x_at_r - &r_at_r;
    let blocked = d.abs().lt(RESCALE_EPS).logical_and(&x_at_r.le(0.0));
    let to_ref = (&change / &d).where_self(
        &change.lt(0.0).logical_and(&blocked.logical_not()),
        &change.zeros_like(),
    );
    let routes = Routes {
        own_at: own_at_each,
        to_own: to_own.flatten(0, 1),
        ref_at,
        to_ref: to_ref.flatten(0, 1),
        len: refs.size()[2],
    };
    (routes, own_max.relu(), ref_max.relu())
}

impl Routes {
    /// The multipliers at the ReLU's input from `m` at the pooling's output.
    fn back(&self, m: &Tensor) -> Tensor {
        // The pooling windows do not overlap, so each value lands where unpooling puts it.
        let unpool = |values: Tensor, at: &Tensor| {
            values
                .unsqueeze(2)
                .max_unpool2d(&at.unsqueeze(2), [1, self.len])
                .squeeze_dim(2)
        };
        unpool(m * &self.to_own, &self.own_at) + unpool(m * &self.to_ref, &self.ref_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::shuffled_references;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use tch::Device;
    use tfbind_model::{one_hot, Architecture, ModelSpec};

    /// A random network whose batch norms are far from the identity (scales of both signs), with
    /// weights large enough for the output to depend on the input.
    fn model(architecture: Architecture) -> Model {
        crate::seeded(3, || {
            let m =
                Model::new(&ModelSpec::new(architecture, 200, 2).unwrap(), Device::Cpu).unwrap();
            tch::no_grad(|| {
                for (name, mut t) in m.tensors() {
                    let fill = if name.ends_with("running_var") {
                        Tensor::rand_like(&t) + 0.5
                    } else if name.starts_with("bn") {
                        Tensor::rand_like(&t) * 3.0 - 1.5
                    } else if name.ends_with("weight") {
                        &t * 3.0
                    } else {
                        continue;
                    };
                    t.copy_(&fill);
                }
            });
            m
        })
    }

    /// `windows` random windows of 200 bp (a few N) and `n` shuffled references of each.
    fn inputs(windows: usize, n: usize) -> (Tensor, Tensor) {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let codes: Vec<u8> = (0..windows * 200)
            .map(|i| if i % 97 == 0 { 4 } else { rng.gen_range(0..4) })
            .collect();
        let references: Vec<u8> = codes
            .chunks(200)
            .enumerate()
            .flat_map(|(w, c)| shuffled_references(c, n, 1, w))
            .collect();
        (
            one_hot(&codes, 200, Device::Cpu).unwrap(),
            one_hot(&references, 200, Device::Cpu).unwrap(),
        )
    }

    #[test]
    fn contributions_sum_to_the_change_of_the_output() {
        for architecture in [Architecture::ConvNetDeep, Architecture::ConvNetShallow] {
            let m = model(architecture);
            let (x, r) = inputs(3, 5);
            let e = DeepLift::new(&m).unwrap().explain(&x, &r, 1).unwrap();
            assert_eq!(e.hypothetical.size(), [3, 4, 200]);
            let f = |t: &Tensor| tch::no_grad(|| m.forward_one_hot_t(t, false).select(1, 1));
            let change = f(&x) - f(&r).view([3, 5]).mean_dim(1, false, Kind::Float);
            let change: Vec<f32> = Vec::try_from(change).unwrap();
            let sums: Vec<f32> = Vec::try_from((&e.hypothetical * &x).sum_dim_intlist(
                [1, 2].as_slice(),
                false,
                Kind::Float,
            ))
            .unwrap();
            // Outputs that move, so that the sums have something to match.
            assert!(
                change.iter().any(|c| c.abs() > 0.1),
                "{architecture}: {change:?}"
            );
            for w in 0..3 {
                let delta = sums[w] - change[w];
                assert!(delta.abs() < 1e-4, "{architecture}: {delta}");
                assert!((e.deltas[w] - delta).abs() < 1e-5);
                assert!(e.tolerances[w] >= DELTA_TOLERANCE as f32);
            }
        }
    }

    #[test]
    fn a_window_is_explained_alike_alone_or_in_a_batch() {
        let m = model(Architecture::ConvNetDeep);
        let deeplift = DeepLift::new(&m).unwrap();
        let (x, r) = inputs(3, 4);
        let together = deeplift.explain(&x, &r, 0).unwrap().hypothetical;
        for w in 0..3 {
            let alone = deeplift
                .explain(&x.narrow(0, w, 1), &r.narrow(0, 4 * w, 4), 0)
                .unwrap()
                .hypothetical;
            // Batches of other sizes may take other kernels: equal up to float rounding.
            let expected = together.narrow(0, w, 1);
            let scale = expected.abs().max().double_value(&[]).max(1.0);
            let diff = (alone - &expected).abs().max().double_value(&[]);
            assert!(
                diff < 1e-5 * scale,
                "window {w}: {diff} (largest value {scale})"
            );
        }
    }

    #[test]
    fn a_reference_equal_to_the_window_gives_gradient_times_nothing() {
        // Every change is 0: the multipliers fall back to the gradient, and the hypothetical
        // contributions are the gradient centred on the window's own letter.
        let m = model(Architecture::ConvNetShallow);
        let (x, _) = inputs(1, 1);
        let e = DeepLift::new(&m).unwrap().explain(&x, &x, 0).unwrap();
        let xg = x.detach().set_requires_grad(true);
        let out = m
            .forward_one_hot_t(&xg, false)
            .select(1, 0)
            .sum(Kind::Float);
        let g = Tensor::run_backward(&[out], &[&xg], false, false).remove(0);
        let expected = &g - (&g * &x).sum_dim_intlist(1, true, Kind::Float);
        let diff = (&e.hypothetical - &expected).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "{diff}");
        assert!(expected.abs().max().double_value(&[]) > 1e-3);
        assert!(e.deltas[0].abs() < 1e-6);
    }

    #[test]
    fn danq_is_refused_by_name() {
        let m = model(Architecture::DanQ);
        let err = DeepLift::new(&m).err().unwrap();
        assert!(matches!(err, InterpretError::MethodUnsupported { .. }));
        assert!(err.to_string().contains("deeplift-shap"), "{err}");
        assert!(err.to_string().contains("danq"), "{err}");
    }
}
