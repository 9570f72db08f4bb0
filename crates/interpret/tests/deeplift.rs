//! DeepLIFT/SHAP against tangermeme's `deep_lift_shap` (the oracle), on models trained for an
//! epoch on `data/example/`, with the same references handed to both.
//!
//! tfbind's PyTorch definitions (`crates/model/python/tfbind_models.py`) call ReLU and max
//! pooling as functions, and tangermeme attaches its DeepLIFT rules to modules: on those
//! networks it would silently take the gradient through both. The oracle therefore rebuilds each
//! network as an `nn.Sequential` of the same loaded modules with `nn.ReLU` and `nn.MaxPool1d`
//! modules in their places (checked to compute the same logits), which is how a tangermeme user
//! writes a model for it.

#[path = "../../train/tests/common/mod.rs"]
mod common;
mod tangermeme;

use std::path::{Path, PathBuf};

use tch::{Device, Tensor};
use tfbind_dataset::Split;
use tfbind_interpret::attribution::{shuffled_references, Attributions};
use tfbind_interpret::{InterpretParams, Method};
use tfbind_model::{one_hot, Architecture, ModelSpec};
use tfbind_train::{fit, init_model, TrainOptions};

const TANGERMEME: &str = r#"
import sys, warnings
weights_path, data_path, models_dir, arch, window, tasks, task = sys.argv[1:8]  # 8: TYPICAL
sys.path.insert(0, models_dir)
import torch
from safetensors.torch import load_file
from tangermeme.deep_lift_shap import deep_lift_shap
from tfbind_models import build, sequential

torch.set_num_threads(2)
model = build(arch, int(window), int(tasks))
model.load_state_dict(load_file(weights_path), strict=False)
model.eval()
net = sequential(model, arch)
data = load_file(data_path)
x, refs, ours = data["x"], data["references"], data["ours"]
with torch.no_grad():
    assert torch.allclose(net(x), model(x), atol=1e-5), "the sequential network differs"
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    theirs = deep_lift_shap(net, x, target=int(task), references=refs, hypothetical=True,
                            batch_size=100, device="cpu")
with torch.no_grad():
    y = net(torch.cat([x, refs.flatten(0, 1)]))[:, int(task)]
n = refs.shape[1]
change = y[:len(x)] - y[len(x):].view(len(x), n).mean(1)
their_delta = (theirs * x).sum((1, 2)) - change
diff = (theirs - ours).abs()
contrib_diff = ((theirs - ours) * x).abs()
print(diff.max().item(), theirs.abs().max().item(), contrib_diff.max().item(),
      (theirs * x).abs().max().item(), their_delta.abs().max().item(), change.abs().max().item(),
      (diff > float(sys.argv[8]) * theirs.abs().max()).float().mean().item())
"#;

/// Hypothetical contributions may differ from tangermeme's by this fraction of their largest
/// magnitude, and by more than [`TYPICAL`] of it at no more than [`OUTLIERS`] of the values. The
/// two differ by float32 rounding only (batch norm folded into the layer before it here, applied
/// after it there; sums in another order), which the rules amplify at a few positions: a ReLU
/// input change near the 1e-6 threshold takes the secant on one side and the gradient on the
/// other, and a secant of two tiny changes carries their rounding. Measured against tangermeme
/// run in float64 on the demo's ConvNetDeep (300 windows × 10 references), tfbind's float32
/// values are off by at most 7.2e-4 of the largest value (mean 1.1e-7) and tangermeme's own
/// float32 values by 1.2e-3 (mean 2.7e-7): tfbind is as close to the exact values as
/// tangermeme itself.
const TOLERANCE: f64 = 5e-3;
const TYPICAL: f64 = 1e-3;
const OUTLIERS: f64 = 5e-4;

#[test]
fn deeplift_shap_equals_tangermeme() {
    let Some(python) = tangermeme::tangermeme_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tasks = ["MAX", "JUND", "CEBPB"];
    let data = common::example_dataset(&dir.path().join("data"), &tasks, 20);
    tfbind_model::set_threads(2);
    // 300 windows not trained on, without N (tangermeme takes one-hot input only).
    let rows: Vec<usize> = data
        .indices(Split::Valid)
        .into_iter()
        .chain(data.indices(Split::Test))
        .filter(|&r| data.sequence(r).iter().all(|&c| c < 4))
        .take(300)
        .collect();
    assert_eq!(rows.len(), 300);
    let n = 10;
    let params = InterpretParams {
        methods: vec![Method::DeepLiftShap],
        deeplift_references: n,
        seed: 7,
        ..InterpretParams::default()
    };
    let codes: Vec<u8> = rows
        .iter()
        .flat_map(|&r| data.sequence(r).to_vec())
        .collect();
    let references: Vec<u8> = rows
        .iter()
        .flat_map(|&r| shuffled_references(data.sequence(r), n, params.seed, r))
        .collect();
    let x = one_hot(&codes, 200, Device::Cpu).unwrap();
    let r = one_hot(&references, 200, Device::Cpu)
        .unwrap()
        .view([300, n as i64, 4, 200]);
    let options = TrainOptions {
        epochs: 1,
        rc_augment: false,
        ..TrainOptions::pretraining()
    };
    for architecture in [Architecture::ConvNetDeep, Architecture::ConvNetShallow] {
        let spec = ModelSpec::new(architecture, 200, tasks.len()).unwrap();
        let mut model = init_model(&spec, Device::Cpu, 5).unwrap();
        fit(&mut model, &data, &options, None, 500, &mut |_| {}).unwrap();
        model.freeze(&architecture.block_names()).unwrap();
        let task = 1;
        let a = Attributions::compute(&model, &data, &rows, task, &params, &|_| {}).unwrap();
        let ours = Tensor::from_slice(&a.scores[0].1).view([300, 4, 200]);
        let convergence = a.convergence.as_ref().unwrap();
        assert_eq!(convergence.deltas.len(), 300);
        assert_eq!(convergence.exceeding(), 0, "{architecture}");

        let weights = dir.path().join(format!("{architecture}.safetensors"));
        model.save_weights(&weights).unwrap();
        let inputs = dir
            .path()
            .join(format!("{architecture}.inputs.safetensors"));
        Tensor::write_safetensors(&[("x", &x), ("references", &r), ("ours", &ours)], &inputs)
            .unwrap();
        let out = common::run_python(
            &python,
            TANGERMEME,
            &[
                weights.as_os_str(),
                inputs.as_os_str(),
                models_dir().as_os_str(),
                architecture.name().as_ref(),
                "200".as_ref(),
                tasks.len().to_string().as_ref(),
                task.to_string().as_ref(),
                TYPICAL.to_string().as_ref(),
            ],
        );
        let v: Vec<f64> = out.split_whitespace().map(|x| x.parse().unwrap()).collect();
        let [diff, scale, contrib_diff, contrib_scale, their_delta, change, over] = v[..] else {
            panic!("unexpected oracle output: {out}");
        };
        eprintln!(
            "{architecture}: hypothetical max |diff| {diff:.2e} of max {scale:.3} ({over:.1e} of \
             the values over {TYPICAL:.0e} of it); contributions max |diff| {contrib_diff:.2e} of max \
             {contrib_scale:.3}; convergence: ours max |delta| {:.2e}, tangermeme's {their_delta:.2e} \
             (max |output change| {change:.3})",
            convergence.max_abs_delta()
        );
        // Not a degenerate model: the outputs move and the attributions are not all zero.
        assert!(
            change > 0.1 && scale > 1e-3,
            "{architecture}: degenerate model"
        );
        assert!(
            diff <= TOLERANCE * scale,
            "{architecture}: hypothetical contributions differ by {diff} (max {scale})"
        );
        assert!(
            over <= OUTLIERS,
            "{architecture}: {over} of the values differ by more"
        );
        assert!(
            contrib_diff <= TOLERANCE * contrib_scale,
            "{architecture}: contributions differ by {contrib_diff} (max {contrib_scale})"
        );
        assert!(f64::from(convergence.max_abs_delta()) <= 1e-3 * change.max(1.0));
        // The deltas' scale is tangermeme's too, so neither side hides a broken rule.
        assert!(their_delta <= 1e-3 * change.max(1.0), "{their_delta}");
    }
}

fn models_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../model/python")
}
