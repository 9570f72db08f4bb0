//! Adam, as PyTorch's `torch.optim.Adam` (no weight decay, no AMSGrad), with its state exposed
//! by name so a checkpoint can save and restore it exactly. tch's optimisers keep their state
//! inside libtorch, where it cannot be saved, so a resumed run would restart the moments.

use tch::Tensor;
use tfbind_model::Weights;

use crate::error::{Result, TrainError};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-8;

pub(crate) struct Adam {
    learning_rate: f64,
    /// Completed steps (PyTorch's `state['step']`, equal for every parameter here).
    step: u64,
    /// Parameter name, parameter, first moment, second moment; sorted by name.
    params: Vec<(String, Tensor, Tensor, Tensor)>,
}

impl Adam {
    pub(crate) fn new(params: Weights, learning_rate: f64) -> Self {
        let params = params
            .into_iter()
            .map(|(name, p)| {
                let m = p.zeros_like();
                let v = p.zeros_like();
                (name, p, m, v)
            })
            .collect();
        Self {
            learning_rate,
            step: 0,
            params,
        }
    }

    pub(crate) fn zero_grad(&mut self) {
        for (_, p, _, _) in &mut self.params {
            p.zero_grad();
        }
    }

    /// One update from the gradients accumulated by `backward`.
    pub(crate) fn step(&mut self) {
        self.step += 1;
        let t = self.step as i32;
        let bias_correction1 = 1.0 - BETA1.powi(t);
        let bias_correction2_sqrt = (1.0 - BETA2.powi(t)).sqrt();
        let step_size = self.learning_rate / bias_correction1;
        tch::no_grad(|| {
            for (_, p, m, v) in &mut self.params {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                // The same sequence of in-place operations as PyTorch's single-tensor Adam.
                let _ = m.lerp_(&g, 1.0 - BETA1);
                let _ = v.g_mul_scalar_(BETA2);
                let _ = v.addcmul_(&(&g * (1.0 - BETA2)), &g);
                let mut denom = v.sqrt();
                let _ = denom.divide_scalar_(bias_correction2_sqrt);
                let _ = denom.g_add_scalar_(EPS);
                let _ = p.addcdiv_(&(&*m * -step_size), &denom);
            }
        });
    }

    pub(crate) fn steps(&self) -> u64 {
        self.step
    }

    /// The moments by name: `exp_avg.<param>` and `exp_avg_sq.<param>`, sharing storage.
    pub(crate) fn state(&self) -> Weights {
        self.params
            .iter()
            .flat_map(|(name, _, m, v)| {
                [
                    (format!("exp_avg.{name}"), m.shallow_clone()),
                    (format!("exp_avg_sq.{name}"), v.shallow_clone()),
                ]
            })
            .collect()
    }

    /// Restores moments saved by [`state`](Self::state) and the step count; every parameter's
    /// moments must be present with its shape.
    pub(crate) fn restore(
        &mut self,
        state: &Weights,
        steps: u64,
        source: &std::path::Path,
    ) -> Result<()> {
        for (name, p, m, v) in &mut self.params {
            for (prefix, dst) in [("exp_avg", m), ("exp_avg_sq", v)] {
                let key = format!("{prefix}.{name}");
                let src = state
                    .get(&key)
                    .filter(|s| s.size() == p.size())
                    .ok_or_else(|| TrainError::Checkpoint {
                        path: source.to_path_buf(),
                        message: format!("optimizer state '{key}' is missing or has another shape"),
                    })?;
                tch::no_grad(|| dst.f_copy_(src))
                    .map_err(TrainError::torch(format!("restoring '{key}'")))?;
            }
        }
        self.step = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_steps_match_the_closed_form() {
        // On f(p) = sum(p * c) the gradient is c, so after t steps m and v are known exactly and
        // the first update is -lr * sign(c) (bias correction makes m̂ = c, v̂ = c²).
        let p = Tensor::from_slice(&[1.0f32, -2.0, 0.5]).set_requires_grad(true);
        let c = Tensor::from_slice(&[0.3f32, -4.0, 2.0]);
        let mut weights = Weights::new();
        weights.insert("p".to_string(), p.shallow_clone());
        let mut adam = Adam::new(weights, 0.01);
        adam.zero_grad();
        (&p * &c).sum(tch::Kind::Float).backward();
        adam.step();
        let after: Vec<f32> = Vec::try_from(&p.detach()).unwrap();
        let expected = [1.0 - 0.01, -2.0 + 0.01, 0.5 - 0.01];
        for (a, e) in after.iter().zip(expected) {
            assert!((a - e).abs() < 1e-6, "{after:?}");
        }
        let state = adam.state();
        let m: Vec<f32> = Vec::try_from(&state["exp_avg.p"]).unwrap();
        assert!((m[1] - (-0.4)).abs() < 1e-6, "{m:?}");
        assert_eq!(adam.steps(), 1);
    }

    #[test]
    fn steps_equal_pytorch_adam() {
        let Some(python) = crate::test_support::oracle_python() else {
            return;
        };
        tch::manual_seed(3);
        // Gradients of very different scales, as real layers have.
        let p0 = Tensor::randn([4, 50], (tch::Kind::Float, tch::Device::Cpu));
        let grads: Vec<Tensor> = (0..5)
            .map(|i| {
                Tensor::randn([4, 50], (tch::Kind::Float, tch::Device::Cpu)) * 10f64.powi(i - 3)
            })
            .collect();
        let p = p0.copy().set_requires_grad(true);
        let mut weights = Weights::new();
        weights.insert("p".to_string(), p.shallow_clone());
        let mut adam = Adam::new(weights, 0.003);
        for g in &grads {
            adam.zero_grad();
            (&p * g).sum(tch::Kind::Float).backward();
            adam.step();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("adam.safetensors");
        let mut named = vec![("p0", p0.shallow_clone()), ("ours", p.detach())];
        let names = ["g0", "g1", "g2", "g3", "g4"];
        named.extend(
            names
                .iter()
                .zip(&grads)
                .map(|(n, g)| (*n, g.shallow_clone())),
        );
        Tensor::write_safetensors(&named, &path).unwrap();
        let script = r#"
import sys, torch
from safetensors.torch import load_file
t = load_file(sys.argv[1])
p = t["p0"].clone().requires_grad_(True)
opt = torch.optim.Adam([p], lr=0.003)
for i in range(5):
    opt.zero_grad()
    p.grad = t[f"g{i}"].clone()
    opt.step()
print((p.detach() - t["ours"]).abs().max().item())
"#;
        let out = crate::test_support::run_python(&python, script, &[&path]);
        let diff: f64 = out.trim().parse().unwrap();
        assert!(
            diff < 1e-7,
            "parameters differ from PyTorch's Adam by {diff}"
        );
    }
}
