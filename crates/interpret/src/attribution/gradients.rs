//! Gradient-based attributions through tch autograd: gradient × input and integrated gradients.

use rand_chacha::ChaCha8Rng;
use tch::{Kind, Tensor};
use tfbind_genome::shuffle::dinucleotide_shuffle;
use tfbind_model::{one_hot, Model};

use crate::error::{InterpretError, Result};

/// d logit[task] / d x for one-hot inputs `x` `[batch, 4, len]`, in evaluation mode.
pub(super) fn input_gradients(model: &Model, x: &Tensor, task: i64) -> Result<Tensor> {
    let x = x.detach().set_requires_grad(true);
    let out = model
        .forward_one_hot_t(&x, false)
        .select(1, task)
        .sum(Kind::Float);
    // Gradients with respect to the input only: the model's weights stay untouched.
    let mut grads = Tensor::f_run_backward(&[out], &[&x], false, false)
        .map_err(InterpretError::torch("computing input gradients"))?;
    Ok(grads.remove(0))
}

/// Gradient × input as hypothetical contributions `[batch, 4, len]`: the gradient minus its mean
/// over the four letters at each position.
///
/// Only differences between letters matter to a one-hot model (a change of all four channels
/// together is off the input simplex), so centring removes a component no sequence can probe
/// (Majdandzic et al. 2023); it also makes the values comparable with centred ISM.
/// Contribution of the observed letter = hypothetical × one-hot.
pub(super) fn gradient_x_input(model: &Model, x: &Tensor, task: i64) -> Result<Tensor> {
    let g = input_gradients(model, x, task)?;
    Ok(&g - g.mean_dim(1, true, Kind::Float))
}

/// Integrated gradients (Sundararajan et al. 2017) of one window `codes` as hypothetical
/// contributions `[4, len]`, averaged over `references` dinucleotide-shuffled copies of it.
///
/// For each reference r, the gradient averaged over `steps` points of the straight path from r
/// to the input (midpoint rule) gives, for letter b at position i, `ḡ_b,i − Σ_c r_c,i ḡ_c,i`:
/// the integrated gradient the position would have if it held b. For the observed letters these
/// sum to f(input) − f(r) (completeness), up to the quadrature error.
pub(super) fn integrated_gradients(
    model: &Model,
    codes: &[u8],
    task: i64,
    steps: usize,
    references: usize,
    batch_size: usize,
    rng: &mut ChaCha8Rng,
) -> Result<Tensor> {
    let len = codes.len();
    let device = model.device();
    let x = one_hot(codes, len, device)?;
    let mut sum = Tensor::zeros([4, len as i64], (Kind::Float, device));
    let alphas: Vec<f32> = (0..steps)
        .map(|k| (k as f32 + 0.5) / steps as f32)
        .collect();
    for _ in 0..references {
        let r = one_hot(&dinucleotide_shuffle(codes, rng), len, device)?;
        let mut grad_sum = Tensor::zeros([4, len as i64], (Kind::Float, device));
        for chunk in alphas.chunks(batch_size) {
            let a = Tensor::from_slice(chunk).to_device(device).view([-1, 1, 1]);
            let path = &r + &a * (&x - &r);
            grad_sum += input_gradients(model, &path, task)?.sum_dim_intlist(0, false, Kind::Float);
        }
        let g = grad_sum / steps as f64;
        let at_reference = (&g * &r).sum_dim_intlist(1, true, Kind::Float);
        sum += (&g - at_reference).squeeze_dim(0);
    }
    Ok(sum / references as f64)
}
