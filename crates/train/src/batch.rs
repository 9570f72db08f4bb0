//! Examples, batches and the masked loss.

use tch::{Device, Reduction, Tensor};
use tfbind_dataset::{Dataset, BOUND, UNKNOWN};
use tfbind_model::reverse_complement_into;

/// One training or validation example: a dataset row on one strand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Example {
    pub row: usize,
    pub reverse: bool,
}

/// Every row on the forward strand, and with `both_strands` again reverse-complemented.
pub(crate) fn examples(rows: &[usize], both_strands: bool) -> Vec<Example> {
    let strands: &[bool] = if both_strands {
        &[false, true]
    } else {
        &[false]
    };
    strands
        .iter()
        .flat_map(|&reverse| rows.iter().map(move |&row| Example { row, reverse }))
        .collect()
}

/// A batch on the model's device: uint8 codes `[B, L]`, 0/1 targets and the label mask (1 where
/// the label is known) as float `[B, T]`, and the number of known labels.
pub(crate) struct Batch {
    pub codes: Tensor,
    pub targets: Tensor,
    pub mask: Tensor,
    pub labelled: usize,
}

/// Assembles batches from a dataset, reusing its host buffers.
pub(crate) struct BatchBuilder<'a> {
    data: &'a Dataset,
    device: Device,
    codes: Vec<u8>,
    targets: Vec<f32>,
    mask: Vec<f32>,
}

impl<'a> BatchBuilder<'a> {
    pub(crate) fn new(data: &'a Dataset, device: Device) -> Self {
        Self {
            data,
            device,
            codes: Vec::new(),
            targets: Vec::new(),
            mask: Vec::new(),
        }
    }

    pub(crate) fn build(&mut self, examples: &[Example]) -> Batch {
        let (len, tasks) = (self.data.seq_len, self.data.labels.n_cols());
        self.codes.resize(examples.len() * len, 0);
        self.targets.clear();
        self.mask.clear();
        for (e, out) in examples.iter().zip(self.codes.chunks_exact_mut(len)) {
            let window = self.data.sequence(e.row);
            if e.reverse {
                reverse_complement_into(window, out);
            } else {
                out.copy_from_slice(window);
            }
            for &label in self.data.labels.row(e.row) {
                self.targets.push(if label == BOUND { 1.0 } else { 0.0 });
                self.mask.push(if label == UNKNOWN { 0.0 } else { 1.0 });
            }
        }
        let labelled = self.mask.iter().filter(|&&m| m > 0.0).count();
        let b = examples.len() as i64;
        let shape = [b, tasks as i64];
        Batch {
            codes: Tensor::from_slice(&self.codes)
                .view([b, len as i64])
                .to_device(self.device),
            targets: Tensor::from_slice(&self.targets)
                .view(shape)
                .to_device(self.device),
            mask: Tensor::from_slice(&self.mask)
                .view(shape)
                .to_device(self.device),
            labelled,
        }
    }
}

/// Binary cross-entropy with logits summed over the known labels only: an unknown (NA) label
/// contributes neither loss nor gradient, whatever its target value.
pub fn masked_bce_sum(logits: &Tensor, targets: &Tensor, mask: &Tensor) -> Tensor {
    logits.binary_cross_entropy_with_logits(targets, Some(mask), None::<&Tensor>, Reduction::Sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_slice(v).view([2, 2])
    }

    #[test]
    fn unknown_labels_add_no_loss_and_no_gradient() {
        let logits = t(&[0.3, -1.2, 2.0, 0.1]).set_requires_grad(true);
        let mask = t(&[1.0, 0.0, 1.0, 0.0]);
        // Targets under the mask differ between the two; the loss and gradients must not.
        let a = masked_bce_sum(&logits, &t(&[1.0, 0.0, 0.0, 0.0]), &mask);
        let b = masked_bce_sum(&logits, &t(&[1.0, 1.0, 0.0, 1.0]), &mask);
        assert_eq!(f64::try_from(&a).unwrap(), f64::try_from(&b).unwrap());
        // Equal to the plain loss over the two known cells.
        let known = Tensor::from_slice(&[0.3f32, 2.0]);
        let plain = known.binary_cross_entropy_with_logits(
            &Tensor::from_slice(&[1.0f32, 0.0]),
            None::<&Tensor>,
            None::<&Tensor>,
            Reduction::Sum,
        );
        assert!((f64::try_from(&a).unwrap() - f64::try_from(&plain).unwrap()).abs() < 1e-6);
        a.backward();
        let grad: Vec<f32> = Vec::try_from(logits.grad().reshape([-1])).unwrap();
        assert_eq!((grad[1], grad[3]), (0.0, 0.0));
        assert!(grad[0] != 0.0 && grad[2] != 0.0);
        // sigmoid(0.3) - 1 for a bound label.
        let expected = 1.0 / (1.0 + (-0.3f32).exp()) - 1.0;
        assert!((grad[0] - expected).abs() < 1e-6);
        assert_eq!(logits.kind(), Kind::Float);
    }

    #[test]
    fn both_strands_double_the_examples() {
        let e = examples(&[4, 7], true);
        assert_eq!(e.len(), 4);
        assert_eq!(
            e[3],
            Example {
                row: 7,
                reverse: true
            }
        );
        assert_eq!(examples(&[4, 7], false).len(), 2);
    }
}
