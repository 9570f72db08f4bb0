//! Seqlet calling against tangermeme's `recursive_seqlets` (the oracle), on the DeepLIFT/SHAP
//! attributions of 300 `data/example/` windows from a model trained for an epoch.

#[path = "../../train/tests/common/mod.rs"]
mod common;
mod tangermeme;

use tch::{Device, Tensor};
use tfbind_dataset::Split;
use tfbind_interpret::attribution::Attributions;
use tfbind_interpret::seqlets::{recursive_seqlets, RecursiveParams, Seqlet};
use tfbind_interpret::{InterpretParams, Method};
use tfbind_model::{Architecture, ModelSpec};
use tfbind_train::{fit, init_model, TrainOptions};

const RECURSIVE_SEQLETS: &str = r#"
import sys
import numpy
from safetensors.numpy import load_file
from tangermeme.seqlet import recursive_seqlets
x = load_file(sys.argv[1])["x"]
# One call per parameter set (threshold, min and max length, flanks, bins) in one process:
# numba compiles the caller once.
for params in sys.argv[2:]:
    threshold, min_len, max_len, flanks, n_bins = params.split(",")
    s = recursive_seqlets(x, threshold=float(threshold), min_seqlet_len=int(min_len),
                          max_seqlet_len=int(max_len), additional_flanks=int(flanks),
                          n_bins=int(n_bins))
    for row in s.itertuples(index=False):
        print(int(row[0]), int(row[1]), int(row[2]), repr(float(row[3])), repr(float(row[4])))
    print("end")
"#;

/// Windows attributed (a few hundred, as the issue asks) and the window length.
const WINDOWS: usize = 300;
const LEN: usize = 200;

/// Seqlet bounds must be identical; attribution sums and p-values equal within this relative
/// difference. Both sides sum the same float64 values in the same order, so in practice they are
/// bit for bit equal; the margin only allows another libm's rounding of a sum.
const TOLERANCE: f64 = 1e-12;

#[test]
fn recursive_seqlets_equal_tangermeme() {
    let Some(python) = tangermeme::tangermeme_python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tasks = ["MAX", "JUND", "CEBPB"];
    let data = common::example_dataset(&dir.path().join("data"), &tasks, 20);
    tfbind_model::set_threads(2);
    let rows: Vec<usize> = data
        .indices(Split::Valid)
        .into_iter()
        .chain(data.indices(Split::Test))
        .take(WINDOWS)
        .collect();
    assert_eq!(rows.len(), WINDOWS);
    let spec = ModelSpec::new(Architecture::ConvNetShallow, LEN, tasks.len()).unwrap();
    let mut model = init_model(&spec, Device::Cpu, 5).unwrap();
    let options = TrainOptions {
        epochs: 1,
        rc_augment: false,
        ..TrainOptions::pretraining()
    };
    fit(&mut model, &data, &options, None, 500, &mut |_| {}).unwrap();
    model
        .freeze(&Architecture::ConvNetShallow.block_names())
        .unwrap();
    let params = InterpretParams {
        methods: vec![Method::DeepLiftShap],
        deeplift_references: 5,
        ..InterpretParams::default()
    };
    let a = Attributions::compute(&model, &data, &rows, 1, &params, &|_| {}).unwrap();
    let x: Vec<f32> = (0..WINDOWS).flat_map(|k| a.contributions(0, k)).collect();
    let path = dir.path().join("x.safetensors");
    Tensor::write_safetensors(
        &[(
            "x",
            Tensor::from_slice(&x).view([WINDOWS as i64, LEN as i64]),
        )],
        &path,
    )
    .unwrap();

    let other = RecursiveParams {
        threshold: 0.05,
        min_seqlet_len: 6,
        max_seqlet_len: 20,
        additional_flanks: 3,
        n_bins: 500,
    };
    let sets = [RecursiveParams::default(), other];
    let mut args = vec![path.to_str().unwrap().to_string()];
    args.extend(sets.iter().map(|p| {
        format!(
            "{},{},{},{},{}",
            p.threshold, p.min_seqlet_len, p.max_seqlet_len, p.additional_flanks, p.n_bins
        )
    }));
    let out = common::run_python(&python, RECURSIVE_SEQLETS, &args);
    let mut blocks = out.split("end\n");
    for p in &sets {
        let mut ours = recursive_seqlets(&x, LEN, p);
        let mut theirs: Vec<Seqlet> = blocks
            .next()
            .expect("one block of seqlets per parameter set")
            .lines()
            .map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                Seqlet {
                    example: f[0].parse().unwrap(),
                    start: f[1].parse().unwrap(),
                    end: f[2].parse().unwrap(),
                    attribution: f[3].parse().unwrap(),
                    p_value: f[4].parse().unwrap(),
                }
            })
            .collect();
        // Both rank by p-value; pandas breaks ties in no set order, so compare by place.
        let by_place = |s: &Seqlet| (s.example, s.start);
        ours.sort_by_key(by_place);
        theirs.sort_by_key(by_place);
        let windows = theirs
            .iter()
            .map(|s| s.example)
            .collect::<std::collections::BTreeSet<_>>();
        eprintln!(
            "{p:?}: tangermeme {} seqlets in {} windows, tfbind {}",
            theirs.len(),
            windows.len(),
            ours.len()
        );
        // Enough seqlets, in many windows, for the comparison to mean something.
        assert!(
            theirs.len() >= WINDOWS / 2 && windows.len() >= WINDOWS / 3,
            "{p:?}"
        );
        assert_eq!(ours.len(), theirs.len(), "{p:?}");
        let relative = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(f64::MIN_POSITIVE);
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(
                (o.example, o.start, o.end),
                (t.example, t.start, t.end),
                "{p:?}"
            );
            assert!(
                relative(o.attribution, t.attribution) <= TOLERANCE,
                "{o:?} {t:?}"
            );
            assert!(relative(o.p_value, t.p_value) <= TOLERANCE, "{o:?} {t:?}");
        }
    }
}
