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

/// The architectures as PyTorch modules with the authors' attribute names, sized for any window
/// length; loads our safetensors with `strict=False` and compares logits in eval mode.
const PYTORCH: &str = r#"
import sys, torch, torch.nn as nn, torch.nn.functional as F
from safetensors.torch import load_file
weights_path, data_path, arch, window, tasks = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])

def conv_len(n, stages):
    for kind, k in stages:
        n = n - k + 1 if kind == "c" else n // k
    return n

class ConvNetDeep(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.c1, s.bn1 = nn.Conv1d(4, 100, 19), nn.BatchNorm1d(100)
        s.c2, s.bn2 = nn.Conv1d(100, 200, 7), nn.BatchNorm1d(200)
        s.c3, s.bn3 = nn.Conv1d(200, 200, 4), nn.BatchNorm1d(200)
        flat = 200 * conv_len(window, [("c", 19), ("p", 3), ("c", 7), ("p", 3), ("c", 4), ("p", 3)])
        s.d4, s.bn4 = nn.Linear(flat, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True)
        s.d5, s.bn5 = nn.Linear(1000, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True)
        s.d6 = nn.Linear(1000, n)
        s.mp, s.dr = nn.MaxPool1d(3, 3), nn.Dropout(0.3)
    def forward(s, x):
        x = s.mp(F.relu(s.bn1(s.c1(x))))
        x = s.mp(F.relu(s.bn2(s.c2(x))))
        x = s.mp(F.relu(s.bn3(s.c3(x))))
        x = torch.flatten(x, 1)
        x = s.dr(F.relu(s.bn4(s.d4(x))))
        x = s.dr(F.relu(s.bn5(s.d5(x))))
        return s.d6(x)

class ConvNetShallow(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.c1, s.bn1 = nn.Conv1d(4, 100, 19), nn.BatchNorm1d(100)
        s.c2, s.bn2 = nn.Conv1d(100, 200, 5), nn.BatchNorm1d(200)
        flat = 200 * conv_len(window, [("c", 19), ("p", 10), ("c", 5), ("p", 4)])
        s.d3, s.bn3 = nn.Linear(flat, 600), nn.BatchNorm1d(600, 1e-05, 0.1, True)
        s.d4 = nn.Linear(600, n)
    def forward(s, x):
        x = F.max_pool1d(F.relu(s.bn1(s.c1(x))), 10, 10)
        x = F.max_pool1d(F.relu(s.bn2(s.c2(x))), 4, 4)
        x = F.dropout(F.relu(s.bn3(s.d3(torch.flatten(x, 1)))), 0.3, s.training)
        return s.d4(x)

class DanQ(nn.Module):
    def __init__(s, n):
        super().__init__()
        s.steps = conv_len(window, [("c", 26), ("p", 13)])
        s.Conv1 = nn.Conv1d(4, 320, 26)
        s.Maxpool, s.Drop1 = nn.MaxPool1d(13, 13), nn.Dropout(0.2)
        s.BiLSTM = nn.LSTM(320, 320, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)
        s.Linear1, s.Linear2 = nn.Linear(s.steps * 640, 925), nn.Linear(925, n)
    def forward(s, x):
        x = s.Drop1(s.Maxpool(F.relu(s.Conv1(x))))
        x, _ = s.BiLSTM(torch.transpose(x, 1, 2))
        return s.Linear2(F.relu(s.Linear1(x.contiguous().view(-1, s.steps * 640))))

model = {"convnet-deep": ConvNetDeep, "convnet-shallow": ConvNetShallow, "danq": DanQ}[arch](tasks)
missing, unexpected = model.load_state_dict(load_file(weights_path), strict=False)
assert not unexpected, unexpected
assert all(k.endswith("num_batches_tracked") for k in missing), missing
model.eval()
data = load_file(data_path)
codes = data["codes"].long()
x = torch.cat([torch.eye(4), torch.full((1, 4), 0.25)])[codes].permute(0, 2, 1)
with torch.no_grad():
    logits = model(x)
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
