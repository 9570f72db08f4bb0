//! The first convolutional layer of a model: its filters' activations and weights, and
//! switching one filter off.
//!
//! The layer's tensors are found among those of the architecture's first block (`conv1`): the
//! module with a 3-D `weight` is the convolution, a module with `running_mean` its batch norm.
//! The tensors share storage with the model, which is what lets [`FirstLayer::with_filter_off`]
//! change the model's own output.

use tch::{Kind, Tensor};
use tfbind_model::Model;

use crate::error::{InterpretError, Result};

/// Convolution (+ batch norm) + ReLU: the first block of every architecture, before pooling.
pub struct FirstLayer<'m> {
    model: &'m Model,
    weight: Tensor,
    bias: Tensor,
    /// The batch norm's scale and shift, where the block has one.
    norm: Option<(Tensor, Tensor)>,
}

impl<'m> FirstLayer<'m> {
    /// Finds the first block's tensors in `model`.
    pub fn of(model: &'m Model) -> Result<Self> {
        let architecture = model.spec().architecture;
        let block = &architecture.blocks()[0];
        let tensors = model.tensors();
        let get = |module: &str, name: &str| tensors.get(&format!("{module}.{name}"));
        let missing = |what: &str| {
            InterpretError::FirstLayer(format!(
                "{architecture}: the first block `{}` has no {what}",
                block.name
            ))
        };
        let conv = block
            .modules
            .iter()
            .find(|m| get(m, "weight").is_some_and(|w| w.dim() == 3))
            .ok_or_else(|| missing("convolution (a 3-D `weight`)"))?;
        let weight = get(conv, "weight").expect("found above").shallow_clone();
        let bias = get(conv, "bias")
            .ok_or_else(|| missing("convolution bias"))?
            .shallow_clone();
        if weight.size()[1] != 4 {
            return Err(InterpretError::FirstLayer(format!(
                "{architecture}: the first convolution has {} input channels, not 4 (A C G T)",
                weight.size()[1]
            )));
        }
        let norm = match block
            .modules
            .iter()
            .find(|m| get(m, "running_mean").is_some())
        {
            None => None,
            Some(bn) => {
                let part = |name: &str| {
                    get(bn, name)
                        .map(Tensor::shallow_clone)
                        .ok_or_else(|| missing(&format!("batch norm `{name}`")))
                };
                Some((part("weight")?, part("bias")?))
            }
        };
        Ok(Self {
            model,
            weight,
            bias,
            norm,
        })
    }

    /// Number of filters.
    pub fn n_filters(&self) -> usize {
        self.weight.size()[0] as usize
    }

    /// Filter width (bp).
    pub fn width(&self) -> usize {
        self.weight.size()[2] as usize
    }

    /// `[filters, 4, width]` and the filter count and width, e.g. `100×4×19`.
    pub fn shape_name(&self) -> String {
        format!("{}×4×{}", self.n_filters(), self.width())
    }

    /// The filters' weights on the host, `[filters][4 × width]` (channel-major, as stored).
    pub fn weights(&self) -> Result<Vec<Vec<f32>>> {
        let flat: Vec<f32> = Vec::try_from(
            self.weight
                .detach()
                .to_device(tch::Device::Cpu)
                .to_kind(Kind::Float)
                .reshape([-1]),
        )
        .map_err(InterpretError::torch("copying the first layer's weights"))?;
        Ok(flat
            .chunks_exact(4 * self.width())
            .map(<[f32]>::to_vec)
            .collect())
    }

    /// Activations (after ReLU, before pooling) of one-hot input `[batch, 4, len]` (on the
    /// model's device): `[batch, filters, len − width + 1]`, position `p` covering bases
    /// `p..p + width`.
    pub fn activations(&self, x: &Tensor) -> Tensor {
        self.model.first_layer(x)
    }

    /// Runs `body` with filter `filter`'s output zeroed in the model the layer was read from,
    /// then restores it.
    ///
    /// The output is zeroed through the weights: the batch norm's scale and shift set to 0 make
    /// its output 0 for every input (the convolution's weights and bias, for a layer without
    /// batch norm), and ReLU keeps 0. That is exactly the network with that filter's activation
    /// map replaced by zeros, at the cost of an ordinary forward pass.
    pub fn with_filter_off<T>(&self, filter: usize, body: impl FnOnce() -> T) -> T {
        let (a, b) = match &self.norm {
            Some((weight, bias)) => (weight, bias),
            None => (&self.weight, &self.bias),
        };
        let f = filter as i64;
        let saved = tch::no_grad(|| (a.get(f).copy(), b.get(f).copy()));
        tch::no_grad(|| {
            let _ = a.get(f).fill_(0.0);
            let _ = b.get(f).fill_(0.0);
        });
        let out = body();
        tch::no_grad(|| {
            a.get(f).copy_(&saved.0);
            b.get(f).copy_(&saved.1);
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_model::{one_hot, Architecture, ModelSpec};

    /// The epsilon of every batch norm of the models (PyTorch's and tch's default).
    const BATCH_NORM_EPS: f64 = 1e-5;

    fn model(architecture: Architecture) -> Model {
        let spec = ModelSpec::new(architecture, 200, 2).unwrap();
        crate::seeded(3, || Model::new(&spec, tch::Device::Cpu).unwrap())
    }

    #[test]
    fn finds_the_first_convolution_of_every_architecture() {
        for (architecture, filters, width) in [
            (Architecture::ConvNetDeep, 100, 19),
            (Architecture::ConvNetShallow, 100, 19),
            (Architecture::DanQ, 320, 26),
        ] {
            let m = model(architecture);
            let layer = FirstLayer::of(&m).unwrap();
            assert_eq!((layer.n_filters(), layer.width()), (filters, width));
            assert_eq!(layer.norm.is_some(), architecture != Architecture::DanQ);
        }
    }

    /// A filter that is the one-hot of ACGT scores 4 exactly where ACGT is, and the convolution
    /// reads channels A C G T in that order.
    #[test]
    fn activations_scan_the_forward_strand() {
        let m = model(Architecture::ConvNetShallow);
        let layer = FirstLayer::of(&m).unwrap();
        tch::no_grad(|| {
            let _ = layer.weight.shallow_clone().zero_();
            let _ = layer.bias.shallow_clone().zero_();
            for (pos, base) in [0i64, 1, 2, 3].into_iter().enumerate() {
                let _ = layer.weight.get(7).get(base).get(pos as i64).fill_(1.0);
            }
            let tensors = m.tensors();
            let _ = tensors["bn1.running_mean"].shallow_clone().zero_();
            let _ = tensors["bn1.running_var"]
                .shallow_clone()
                .fill_(1.0 - BATCH_NORM_EPS);
        });
        let mut codes = vec![3u8; 200];
        codes[50..54].copy_from_slice(&[0, 1, 2, 3]);
        let a = layer.activations(&one_hot(&codes, 200, tch::Device::Cpu).unwrap());
        assert_eq!(a.size(), [1, 100, 182]);
        let row: Vec<f32> = Vec::try_from(a.get(0).get(7)).unwrap();
        assert!((row[50] - 4.0).abs() < 1e-5, "{}", row[50]);
        // T matches the filter's last column only.
        assert!(row
            .iter()
            .enumerate()
            .all(|(p, &v)| p == 50 || v <= 1.0 + 1e-5));
    }

    #[test]
    fn a_filter_off_changes_predictions_and_comes_back() {
        for architecture in [Architecture::ConvNetDeep, Architecture::DanQ] {
            let m = model(architecture);
            let layer = FirstLayer::of(&m).unwrap();
            let codes: Vec<u8> = (0..400).map(|i| ((i * 7 + i / 3) % 4) as u8).collect();
            let before = m.predict(&codes, false).unwrap();
            let during = layer.with_filter_off(5, || {
                let x = one_hot(&codes, 200, tch::Device::Cpu).unwrap();
                let a = layer.activations(&x);
                assert_eq!(
                    a.get(0).get(5).abs().sum(Kind::Float).double_value(&[]),
                    0.0
                );
                m.predict(&codes, false).unwrap()
            });
            assert_ne!(before, during, "{architecture}");
            assert_eq!(m.predict(&codes, false).unwrap(), before, "{architecture}");
        }
    }
}
