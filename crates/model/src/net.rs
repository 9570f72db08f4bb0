//! The three networks, built on a `VarStore` under their stable tensor names.
//!
//! Layers are initialised as PyTorch's defaults (weights and biases uniform in ±1/√fan_in, batch
//! norm weight 1 and bias 0), not tch's, so training starts where the authors' code starts.

use tch::nn::{self, Init};
use tch::Tensor;

use crate::spec::{Architecture, ModelSpec, Shapes};

/// Which blocks run their batch norm in evaluation mode even while training (frozen blocks keep
/// their running statistics as well as their parameters).
pub(crate) type FrozenFn<'a> = &'a dyn Fn(&str) -> bool;

pub(crate) enum Net {
    Deep(Box<Deep>),
    Shallow(Box<Shallow>),
    DanQ(Box<DanQ>),
}

impl Net {
    pub(crate) fn new(root: &nn::Path, spec: &ModelSpec, shapes: Shapes) -> Self {
        let tasks = spec.n_tasks as i64;
        match spec.architecture {
            Architecture::ConvNetDeep => Net::Deep(Box::new(Deep {
                c1: ConvBn::new(root, "c1", "bn1", 4, 100, 19),
                c2: ConvBn::new(root, "c2", "bn2", 100, 200, 7),
                c3: ConvBn::new(root, "c3", "bn3", 200, 200, 4),
                d4: DenseBn::new(root, "d4", "bn4", shapes.flatten, 1000),
                d5: DenseBn::new(root, "d5", "bn5", 1000, 1000),
                d6: linear(&(root / "d6"), 1000, tasks),
            })),
            Architecture::ConvNetShallow => Net::Shallow(Box::new(Shallow {
                c1: ConvBn::new(root, "c1", "bn1", 4, 100, 19),
                c2: ConvBn::new(root, "c2", "bn2", 100, 200, 5),
                d3: DenseBn::new(root, "d3", "bn3", shapes.flatten, 600),
                d4: linear(&(root / "d4"), 600, tasks),
            })),
            Architecture::DanQ => Net::DanQ(Box::new(DanQ {
                conv: conv1d(&(root / "Conv1"), 4, 320, 26),
                lstm: BiLstm::new(&(root / "BiLSTM"), 320, 320, 2),
                linear1: linear(&(root / "Linear1"), shapes.flatten, 925),
                linear2: linear(&(root / "Linear2"), 925, tasks),
            })),
        }
    }

    /// The first block (`conv1`) before its pooling: one-hot input `[batch, 4, len]` →
    /// activations `[batch, filters, len − width + 1]`.
    pub(crate) fn first_layer(&self, x: &Tensor, bn_train: bool) -> Tensor {
        match self {
            Net::Deep(n) => n.c1.forward(x, bn_train),
            Net::Shallow(n) => n.c1.forward(x, bn_train),
            Net::DanQ(n) => x.apply(&n.conv).relu(),
        }
    }

    /// One-hot input `[batch, 4, len]` → logits `[batch, tasks]`.
    pub(crate) fn forward(&self, x: &Tensor, train: bool, frozen: FrozenFn) -> Tensor {
        // Batch norm of a frozen block always uses (and keeps) its running statistics.
        let bn_train = |block: &str| train && !frozen(block);
        match self {
            Net::Deep(n) => {
                let x = n.c1.pooled(x, bn_train("conv1"), 3, train);
                let x = n.c2.pooled(&x, bn_train("conv2"), 3, train);
                let x = n.c3.pooled(&x, bn_train("conv3"), 3, train);
                let x = x.flatten(1, -1);
                let x = n.d4.forward(&x, bn_train("fc1")).dropout(0.3, train);
                let x = n.d5.forward(&x, bn_train("fc2")).dropout(0.3, train);
                x.apply(&n.d6)
            }
            Net::Shallow(n) => {
                let x = n.c1.pooled(x, bn_train("conv1"), 10, train);
                let x = n.c2.pooled(&x, bn_train("conv2"), 4, train);
                let x = x.flatten(1, -1);
                let x = n.d3.forward(&x, bn_train("fc1")).dropout(0.3, train);
                x.apply(&n.d4)
            }
            Net::DanQ(n) => {
                let x = self
                    .first_layer(x, false)
                    .max_pool1d(13, 13, 0, 1, false)
                    .dropout(0.2, train);
                let x = n.lstm.forward(&x.transpose(1, 2), train);
                x.flatten(1, -1).apply(&n.linear1).relu().apply(&n.linear2)
            }
        }
    }

    /// The network with each batch norm folded into the layer before it, for prediction; `None`
    /// for DanQ, which has no batch norm.
    pub(crate) fn folded(&self) -> Option<Folded> {
        tch::no_grad(|| match self {
            Net::Deep(n) => Some(Folded {
                convs: vec![n.c1.folded(3), n.c2.folded(3), n.c3.folded(3)],
                dense: vec![n.d4.folded(), n.d5.folded()],
                head: (n.d6.ws.copy(), n.d6.bs.as_ref().map(Tensor::copy)),
            }),
            Net::Shallow(n) => Some(Folded {
                convs: vec![n.c1.folded(10), n.c2.folded(4)],
                dense: vec![n.d3.folded()],
                head: (n.d4.ws.copy(), n.d4.bs.as_ref().map(Tensor::copy)),
            }),
            Net::DanQ(_) => None,
        })
    }
}

/// A convolutional network as prediction runs it (evaluation mode, no gradients).
///
/// In evaluation mode batch norm is a fixed per-channel affine map, so it folds into the weights
/// and bias of the convolution or linear layer before it; and ReLU commutes with max pooling (it
/// is monotone), so it runs on the pooled, 3–10× smaller tensor, in place. The logits equal
/// [`Net::forward`]'s up to float rounding (checked in the tests); measured here, batch-100
/// inference runs ~10% faster.
pub(crate) struct Folded {
    /// Weight, bias and pool size of each convolution block.
    convs: Vec<(Tensor, Tensor, i64)>,
    /// Weight and bias of each hidden linear block.
    dense: Vec<(Tensor, Tensor)>,
    /// The output layer.
    head: (Tensor, Option<Tensor>),
}

impl Folded {
    /// One-hot input `[batch, 4, len]` → logits `[batch, tasks]`; call under `no_grad`.
    pub(crate) fn forward(&self, x: &Tensor) -> Tensor {
        let mut x = x.shallow_clone();
        for (weight, bias, pool) in &self.convs {
            x = x
                .conv1d(weight, Some(bias), 1, 0, 1, 1)
                .max_pool1d(*pool, *pool, 0, 1, false)
                .relu_();
        }
        self.dense_forward(x.flatten(1, -1))
    }

    /// The flattened last convolution block's output → logits.
    fn dense_forward(&self, mut x: Tensor) -> Tensor {
        for (weight, bias) in &self.dense {
            x = x.linear(weight, Some(bias)).relu_();
        }
        x.linear(&self.head.0, self.head.1.as_ref())
    }

    /// Logits of one-hot windows `[batch, 4, len]` and of windows with positions `lo..lo + w`
    /// replaced by `values` `[subs, 4, w]`, substituted window `i` being window `of[i]` (window
    /// `i` when `of` is `None`, `subs` then equal to `batch`): `(reference, substituted)`; call
    /// under `no_grad`.
    ///
    /// fastISM's shortcut: a substitution changes only the outputs of each convolution block
    /// whose receptive field holds it, so the substituted windows recompute just those (from the
    /// reference activations around them) and share the rest; the dense layers run in full. The
    /// logits equal [`Self::forward`]'s of the substituted windows up to float rounding.
    pub(crate) fn forward_substituted(
        &self,
        x: &Tensor,
        lo: i64,
        values: &Tensor,
        of: Option<&Tensor>,
    ) -> (Tensor, Tensor) {
        // The reference activations `[start, start + len)` of each substituted window.
        let around = |reference: &Tensor, start: i64, len: i64| {
            let slice = reference.narrow(2, start, len);
            match of {
                Some(of) => slice.index_select(0, of),
                None => slice,
            }
        };
        let mut reference = x.shallow_clone();
        // Where the substituted windows' input to the current block differs from the
        // reference's, and their values there; `None` once the substitution only reached
        // positions pooling drops, after which both are the same.
        let mut changed = Some((lo, lo + values.size()[2], values.shallow_clone()));
        for (weight, bias, pool) in &self.convs {
            let block = |x: &Tensor| {
                x.conv1d(weight, Some(bias), 1, 0, 1, 1)
                    .max_pool1d(*pool, *pool, 0, 1, false)
                    .relu_()
            };
            changed = changed.and_then(|(lo, hi, values)| {
                let len = reference.size()[2];
                let width = weight.size()[2];
                let (first, last) = pooled_range(lo, hi, len, width, *pool)?;
                // The whole pool windows of the affected outputs, and the input they read.
                let (start, end) = (first * pool, last * pool + width - 1);
                let kept = hi.min(end);
                let input = Tensor::cat(
                    &[
                        around(&reference, start, lo - start),
                        values.narrow(2, 0, kept - lo),
                        around(&reference, kept, end - kept),
                    ],
                    2,
                );
                Some((first, last, block(&input)))
            });
            reference = block(&reference);
        }
        let substituted = match changed {
            Some((lo, hi, values)) => {
                let len = reference.size()[2];
                Tensor::cat(
                    &[
                        around(&reference, 0, lo),
                        values,
                        around(&reference, hi, len - hi),
                    ],
                    2,
                )
            }
            None => around(&reference, 0, reference.size()[2]),
        };
        let (batch, subs) = (reference.size()[0], substituted.size()[0]);
        // One pass of the dense layers over both: a single larger matrix product.
        let logits = self.dense_forward(Tensor::cat(&[reference, substituted], 0).flatten(1, -1));
        (logits.narrow(0, 0, batch), logits.narrow(0, batch, subs))
    }
}

/// The outputs `[first, last)` of a convolution of `width` (stride 1) then max pooling of `pool`
/// (tail dropped) over an input of `len` positions that depend on input positions `[lo, hi)`;
/// `None` when there are none (the positions only feed the dropped tail).
fn pooled_range(lo: i64, hi: i64, len: i64, width: i64, pool: i64) -> Option<(i64, i64)> {
    let conv_len = len - width + 1;
    // Convolution output j reads inputs j..j + width.
    let (conv_lo, conv_hi) = ((lo - width + 1).max(0), hi.min(conv_len));
    let first = conv_lo / pool;
    let last = ((conv_hi + pool - 1) / pool).min(conv_len / pool);
    (first < last).then_some((first, last))
}

impl Folded {
    /// The layers as PyTorch runs them: ReLU before pooling. Prediction swaps the two (same
    /// values), but rules that explain a network layer by layer, such as DeepLIFT's, give
    /// different answers for the two orders.
    pub(crate) fn into_layers(self) -> Vec<Layer> {
        let mut layers = Vec::new();
        for (weight, bias, pool) in self.convs {
            layers.extend([
                Layer::Conv1d { weight, bias },
                Layer::Relu,
                Layer::MaxPool1d(pool),
            ]);
        }
        layers.push(Layer::Flatten);
        for (weight, bias) in self.dense {
            layers.extend([
                Layer::Linear {
                    weight,
                    bias: Some(bias),
                },
                Layer::Relu,
            ]);
        }
        let (weight, bias) = self.head;
        layers.push(Layer::Linear { weight, bias });
        layers
    }
}

/// One layer of a convolutional network in evaluation mode (see
/// [`Model::layers`](crate::Model::layers)).
pub enum Layer {
    /// A valid convolution of stride 1, the batch norm after it folded in: weight
    /// `[out, in, width]`, bias `[out]`.
    Conv1d {
        weight: Tensor,
        bias: Tensor,
    },
    /// A fully connected layer, the batch norm after it (if any) folded in: weight `[out, in]`.
    Linear {
        weight: Tensor,
        bias: Option<Tensor>,
    },
    Relu,
    /// Max pooling whose stride is its size; a tail shorter than the size is dropped.
    MaxPool1d(i64),
    /// `[batch, channels, len]` → `[batch, channels × len]`.
    Flatten,
}

impl Layer {
    pub fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Layer::Conv1d { weight, bias } => x.conv1d(weight, Some(bias), 1, 0, 1, 1),
            Layer::Linear { weight, bias } => x.linear(weight, bias.as_ref()),
            Layer::Relu => x.relu(),
            Layer::MaxPool1d(size) => x.max_pool1d(*size, *size, 0, 1, false),
            Layer::Flatten => x.flatten(1, -1),
        }
    }
}

/// A layer's weight and bias with the batch norm that follows it folded in: the layer then
/// computes `bn(layer(x))` of evaluation mode.
fn fold_batch_norm(weight: &Tensor, bias: Option<&Tensor>, bn: &nn::BatchNorm) -> (Tensor, Tensor) {
    let mut scale = (&bn.running_var + BN_EPS).rsqrt();
    if let Some(gamma) = &bn.ws {
        scale *= gamma;
    }
    // One scale per output channel: the weight's first dimension.
    let mut per_output = vec![1i64; weight.dim()];
    per_output[0] = -1;
    let folded_weight = (weight * scale.view(per_output.as_slice())).contiguous();
    let centred = match bias {
        Some(b) => b - &bn.running_mean,
        None => -&bn.running_mean,
    };
    let mut folded_bias = centred * &scale;
    if let Some(beta) = &bn.bs {
        folded_bias += beta;
    }
    (folded_weight, folded_bias)
}

pub(crate) struct Deep {
    c1: ConvBn,
    c2: ConvBn,
    c3: ConvBn,
    d4: DenseBn,
    d5: DenseBn,
    d6: nn::Linear,
}

pub(crate) struct Shallow {
    c1: ConvBn,
    c2: ConvBn,
    d3: DenseBn,
    d4: nn::Linear,
}

pub(crate) struct DanQ {
    conv: nn::Conv1D,
    lstm: BiLstm,
    linear1: nn::Linear,
    linear2: nn::Linear,
}

fn uniform_fan_in(fan_in: i64) -> Init {
    let bound = 1.0 / (fan_in as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

fn conv1d(path: &nn::Path, cin: i64, cout: i64, k: i64) -> nn::Conv1D {
    let init = uniform_fan_in(cin * k);
    let config = nn::ConvConfig {
        ws_init: init,
        bs_init: init,
        ..Default::default()
    };
    nn::conv1d(path, cin, cout, k, config)
}

fn linear(path: &nn::Path, input: i64, output: i64) -> nn::Linear {
    let init = uniform_fan_in(input);
    let config = nn::LinearConfig {
        ws_init: init,
        bs_init: Some(init),
        bias: true,
    };
    nn::linear(path, input, output, config)
}

/// Batch norm's epsilon (PyTorch's default); folding needs it too.
const BN_EPS: f64 = 1e-5;

fn batch_norm(path: &nn::Path, features: i64) -> nn::BatchNorm {
    let config = nn::BatchNormConfig {
        eps: BN_EPS,
        ws_init: Init::Const(1.0),
        bs_init: Init::Const(0.0),
        ..Default::default()
    };
    nn::batch_norm1d(path, features, config)
}

/// Convolution → batch norm → ReLU (pooling follows at the call site, its size differs).
struct ConvBn {
    conv: nn::Conv1D,
    bn: nn::BatchNorm,
}

impl ConvBn {
    fn new(root: &nn::Path, conv: &str, bn: &str, cin: i64, cout: i64, k: i64) -> Self {
        Self {
            conv: conv1d(&(root / conv), cin, cout, k),
            bn: batch_norm(&(root / bn), cout),
        }
    }

    fn forward(&self, x: &Tensor, bn_train: bool) -> Tensor {
        self.normalized(x, bn_train).relu()
    }

    /// Convolution and batch norm, before the ReLU.
    fn normalized(&self, x: &Tensor, bn_train: bool) -> Tensor {
        x.apply(&self.conv).apply_t(&self.bn, bn_train)
    }

    /// The block followed by max pooling of `pool` (size and stride). Outside training ReLU runs
    /// after the pooling, on a smaller tensor: the same values, since ReLU is monotone.
    fn pooled(&self, x: &Tensor, bn_train: bool, pool: i64, train: bool) -> Tensor {
        if train {
            self.forward(x, bn_train)
                .max_pool1d(pool, pool, 0, 1, false)
        } else {
            relu_unless_tracked(
                self.normalized(x, false)
                    .max_pool1d(pool, pool, 0, 1, false),
            )
        }
    }

    fn folded(&self, pool: i64) -> (Tensor, Tensor, i64) {
        let (weight, bias) = fold_batch_norm(&self.conv.ws, self.conv.bs.as_ref(), &self.bn);
        (weight, bias, pool)
    }
}

/// ReLU, in place when no gradient goes through the tensor (saves an allocation per block).
fn relu_unless_tracked(mut x: Tensor) -> Tensor {
    if x.requires_grad() {
        x.relu()
    } else {
        x.relu_()
    }
}

/// Linear → batch norm → ReLU.
struct DenseBn {
    linear: nn::Linear,
    bn: nn::BatchNorm,
}

impl DenseBn {
    fn new(root: &nn::Path, linear_name: &str, bn: &str, input: i64, output: i64) -> Self {
        Self {
            linear: linear(&(root / linear_name), input, output),
            bn: batch_norm(&(root / bn), output),
        }
    }

    fn forward(&self, x: &Tensor, bn_train: bool) -> Tensor {
        relu_unless_tracked(x.apply(&self.linear).apply_t(&self.bn, bn_train))
    }

    fn folded(&self) -> (Tensor, Tensor) {
        fold_batch_norm(&self.linear.ws, self.linear.bs.as_ref(), &self.bn)
    }
}

/// A batch-first bidirectional LSTM with PyTorch's parameter names and layout.
///
/// tch's `nn::lstm` fixes train/eval mode (inter-layer dropout) when it is built; this calls the
/// same kernel with the mode of each forward pass.
struct BiLstm {
    /// Per layer, per direction: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`, as `at::lstm` wants.
    flat_weights: Vec<Tensor>,
    hidden: i64,
    layers: i64,
}

/// Dropout between the LSTM layers, as the authors' DanQ.
const LSTM_DROPOUT: f64 = 0.5;

impl BiLstm {
    fn new(path: &nn::Path, input: i64, hidden: i64, layers: i64) -> Self {
        let init = uniform_fan_in(hidden);
        let mut flat_weights = Vec::new();
        for layer in 0..layers {
            let layer_input = if layer == 0 { input } else { 2 * hidden };
            for suffix in ["", "_reverse"] {
                let gates = 4 * hidden;
                let names_dims: [(&str, Vec<i64>); 4] = [
                    ("weight_ih", vec![gates, layer_input]),
                    ("weight_hh", vec![gates, hidden]),
                    ("bias_ih", vec![gates]),
                    ("bias_hh", vec![gates]),
                ];
                for (name, dims) in names_dims {
                    flat_weights.push(path.var(&format!("{name}_l{layer}{suffix}"), &dims, init));
                }
            }
        }
        Self {
            flat_weights,
            hidden,
            layers,
        }
    }

    /// `[batch, steps, input]` → `[batch, steps, 2 × hidden]`.
    fn forward(&self, x: &Tensor, train: bool) -> Tensor {
        let batch = x.size()[0];
        let zeros = Tensor::zeros(
            [2 * self.layers, batch, self.hidden],
            (x.kind(), x.device()),
        );
        let (output, _, _) = x.lstm(
            &[&zeros, &zeros],
            &self.flat_weights.iter().collect::<Vec<_>>(),
            true,
            self.layers,
            LSTM_DROPOUT,
            train,
            true,
            true,
        );
        output
    }
}
