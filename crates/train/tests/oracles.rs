//! Our numbers against the reference implementations: metrics against scikit-learn, logits
//! against the same architectures written in PyTorch (the authors' `models.py` layout).

mod common;

use std::fmt::Write as _;

use tfbind_dataset::Split;
use tfbind_metrics::binary_metrics;
use tfbind_model::{Architecture, Device, ModelSpec};
use tfbind_train::{fit, init_model, predict_rows, TrainOptions};

const SKLEARN: &str = r#"
import sys, numpy as np
from sklearn.metrics import (roc_auc_score, average_precision_score, precision_recall_curve,
                             auc, matthews_corrcoef)
d = np.loadtxt(sys.argv[1], delimiter="\t", ndmin=2)
for case in np.unique(d[:, 0]):
    rows = d[(d[:, 0] == case) & (d[:, 2] >= 0)]
    p, y = rows[:, 1], rows[:, 2].astype(int)
    nan = float("nan")
    roc = roc_auc_score(y, p) if len(set(y)) == 2 else nan
    ap = average_precision_score(y, p) if y.sum() > 0 else nan
    precision, recall, _ = precision_recall_curve(y, p)
    trap = auc(recall, precision) if y.sum() > 0 else nan
    mcc = matthews_corrcoef(y, np.round(p))
    print(int(case), roc, ap, trap, mcc)
"#;

/// A deterministic stream of uniform numbers in [0, 1).
fn uniform(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[test]
fn metrics_equal_scikit_learn() {
    let Some(python) = common::oracle_python() else {
        return;
    };
    // Cases: heavy ties (scores on a 0.05 grid, including exactly 0.5), continuous scores with
    // few positives and NA labels, a single score for everything, and a tiny case.
    let mut cases: Vec<(Vec<f32>, Vec<i8>)> = Vec::new();
    let mut u = uniform(42);
    let n = 3000;
    let labels: Vec<i8> = (0..n)
        .map(|_| match u() {
            x if x < 0.1 => -1,
            x if x < 0.25 => 1,
            _ => 0,
        })
        .collect();
    let tied: Vec<f32> = labels
        .iter()
        .map(|&l| ((u() * 0.7 + f64::from(l.max(0)) * 0.3) * 20.0).round() as f32 / 20.0)
        .collect();
    cases.push((tied, labels.clone()));
    let continuous: Vec<f32> = labels
        .iter()
        .map(|&l| (u() + 0.4 * f64::from(l.max(0))) as f32 / 1.4)
        .collect();
    let rare: Vec<i8> = labels
        .iter()
        .enumerate()
        .map(|(i, &l)| if l == 1 && i % 7 != 0 { 0 } else { l })
        .collect();
    cases.push((continuous, rare));
    cases.push((vec![0.5; 50], labels[..50].to_vec()));
    cases.push((vec![0.2, 0.9, 0.6, 0.6], vec![0, 1, 0, 1]));

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scores.tsv");
    let mut text = String::new();
    for (case, (scores, labels)) in cases.iter().enumerate() {
        for (s, l) in scores.iter().zip(labels) {
            // f64's shortest representation reads back as exactly the f32 value.
            writeln!(text, "{case}\t{}\t{l}", f64::from(*s)).unwrap();
        }
    }
    std::fs::write(&path, text).unwrap();
    let out = common::run_python(&python, SKLEARN, &[&path]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), cases.len(), "{out}");
    for (line, (scores, labels)) in lines.iter().zip(&cases) {
        let v: Vec<f64> = line
            .split(' ')
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        let ours = binary_metrics(scores, labels).unwrap();
        let check = |name: &str, ours: Option<f64>, theirs: f64| match ours {
            Some(x) => assert!(
                (x - theirs).abs() <= 1e-6,
                "{name}: {x} vs sklearn {theirs}"
            ),
            None => assert!(theirs.is_nan(), "{name}: undefined here, sklearn {theirs}"),
        };
        check("auroc", ours.auroc, v[0]);
        check("average precision", ours.average_precision, v[1]);
        check("trapezoid auprc", ours.auprc_trapezoid, v[2]);
        check("mcc", Some(ours.mcc), v[3]);
    }
}

/// The architectures in PyTorch (`crates/model/python/tfbind_models.py`, the authors' module
/// names) load our safetensors with `strict=False`; logits in eval mode are compared.
const PYTORCH: &str = r#"
import sys
weights_path, data_path, models_dir, arch, window, tasks = sys.argv[1:7]
sys.path.insert(0, models_dir)
import torch
from safetensors.torch import load_file
from tfbind_models import build, one_hot

model = build(arch, int(window), int(tasks))
missing, unexpected = model.load_state_dict(load_file(weights_path), strict=False)
assert not unexpected, unexpected
assert all(k.endswith("num_batches_tracked") for k in missing), missing
model.eval()
data = load_file(data_path)
with torch.no_grad():
    logits = model(one_hot(data["codes"]))
diff = (logits - data["logits"]).abs().max().item()
print(diff, logits.abs().max().item())
"#;

#[test]
fn logits_equal_pytorch_on_trained_weights() {
    let Some(python) = common::oracle_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = common::example_dataset(&dir.path().join("data"), &["MAX", "JUND", "CEBPB"], 40);
    tfbind_model::set_threads(2);
    let options = TrainOptions {
        epochs: 1,
        rc_augment: false,
        ..TrainOptions::pretraining()
    };
    // 100 windows that were not trained on.
    let rows: Vec<usize> = data
        .indices(Split::Valid)
        .into_iter()
        .chain(data.indices(Split::Test))
        .take(100)
        .collect();
    assert_eq!(rows.len(), 100);
    let codes: Vec<u8> = rows
        .iter()
        .flat_map(|&r| data.sequence(r).to_vec())
        .collect();
    for architecture in Architecture::ALL {
        let spec = ModelSpec::new(architecture, 200, 3).unwrap();
        let mut model = init_model(&spec, Device::Cpu, 5).unwrap();
        // One epoch of real training, so batch norm statistics and weights are not the initial ones.
        fit(&mut model, &data, &options, None, 500, &mut |_| {}).unwrap();
        let probabilities = predict_rows(&model, &data, &rows, 100, false).unwrap();
        let codes_t = tch::Tensor::from_slice(&codes).view([100, 200]);
        let logits = tch::no_grad(|| model.forward_t(&codes_t, false)).unwrap();
        let sigmoid: Vec<f32> = Vec::try_from(logits.sigmoid().reshape([-1])).unwrap();
        assert!(sigmoid
            .iter()
            .zip(&probabilities)
            .all(|(a, b)| (a - b).abs() < 1e-6));

        let weights = dir.path().join(format!("{architecture}.safetensors"));
        model.save_weights(&weights).unwrap();
        let inputs = dir
            .path()
            .join(format!("{architecture}.inputs.safetensors"));
        tch::Tensor::write_safetensors(&[("codes", &codes_t), ("logits", &logits)], &inputs)
            .unwrap();
        let out = common::run_python(
            &python,
            PYTORCH,
            &[
                weights.as_os_str(),
                inputs.as_os_str(),
                common::repo_root().join("crates/model/python").as_os_str(),
                architecture.name().as_ref(),
                "200".as_ref(),
                "3".as_ref(),
            ],
        );
        let mut fields = out.split_whitespace().map(|x| x.parse::<f64>().unwrap());
        let (diff, scale) = (fields.next().unwrap(), fields.next().unwrap());
        eprintln!("{architecture}: max |logit difference| {diff:.2e} (max |logit| {scale:.2})");
        assert!(diff <= 1e-5, "{architecture}: logits differ by {diff}");
        assert!(
            scale > 0.1,
            "{architecture}: logits are degenerate ({scale})"
        );
    }
}
