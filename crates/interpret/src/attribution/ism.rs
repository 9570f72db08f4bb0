//! In-silico mutagenesis: the model's output for every single-base change of a window.

use tch::{Kind, Tensor};
use tfbind_model::Model;

use crate::error::{InterpretError, Result};

/// ISM of one window `codes` as hypothetical contributions `[4 × len]` (letter-major): the
/// logit of `task` with letter b at position i (the window's own logit for its own letter),
/// minus the mean of the four at that position. The observed letter's value is then how much
/// better the window scores with it than with an average letter there.
pub(super) fn ism(model: &Model, codes: &[u8], task: i64, batch_size: usize) -> Result<Vec<f32>> {
    let len = codes.len();
    // Every (position, letter) other than the window itself; an N position takes all four.
    let variants: Vec<(usize, u8)> = (0..len)
        .flat_map(|i| {
            (0..4u8)
                .filter(move |&b| b != codes[i])
                .map(move |b| (i, b))
        })
        .collect();
    let logits = |batch: &[Vec<u8>]| -> Result<Vec<f32>> {
        let flat: Vec<u8> = batch.concat();
        let t = Tensor::from_slice(&flat).view([batch.len() as i64, len as i64]);
        let out = model.forward_t(&t, false)?.select(1, task);
        Vec::<f32>::try_from(out.to_device(tch::Device::Cpu).to_kind(Kind::Float))
            .map_err(InterpretError::torch("copying ISM logits to the host"))
    };
    let _no_grad = tch::no_grad_guard();
    let reference = logits(&[codes.to_vec()])?[0];
    let mut values = vec![reference; 4 * len];
    for chunk in variants.chunks(batch_size) {
        let batch: Vec<Vec<u8>> = chunk
            .iter()
            .map(|&(i, b)| {
                let mut v = codes.to_vec();
                v[i] = b;
                v
            })
            .collect();
        for (&(i, b), value) in chunk.iter().zip(logits(&batch)?) {
            values[usize::from(b) * len + i] = value;
        }
    }
    for i in 0..len {
        let mean = (0..4).map(|b| values[b * len + i]).sum::<f32>() / 4.0;
        for b in 0..4 {
            values[b * len + i] -= mean;
        }
    }
    Ok(values)
}
