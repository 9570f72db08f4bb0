//! Building, running, saving and loading the networks (no Python needed; the PyTorch oracle that
//! checks the logits themselves lives in tfbind-train's tests).

use tfbind_model::{
    read_weights, Architecture, Device, Layer, Model, ModelError, ModelSpec, Tensor, HEAD,
};

/// Runs `draw` right after seeding libtorch's global generator, with no other test drawing from it
/// in between (tests run in parallel threads and share it), so what it draws is the same every run.
fn seeded<T>(seed: i64, draw: impl FnOnce() -> T) -> T {
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _seeded = SEEDED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    tch::manual_seed(seed);
    draw()
}

fn model(architecture: Architecture, window_len: usize, n_tasks: usize, seed: i64) -> Model {
    let spec = ModelSpec::new(architecture, window_len, n_tasks).unwrap();
    seeded(seed, || Model::new(&spec, Device::Cpu).unwrap())
}

fn random_codes(windows: usize, len: usize, seed: u64) -> Vec<u8> {
    // A small LCG is plenty to make varied sequence, and keeps rand out of the dependencies.
    let mut state = seed;
    (0..windows * len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % 5) as u8
        })
        .collect()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn every_architecture_runs_at_several_window_lengths() {
    for architecture in Architecture::ALL {
        for len in [200, 333] {
            let m = model(architecture, len, 5, 1);
            let codes = Tensor::from_slice(&random_codes(3, len, 2)).view([3, len as i64]);
            // Dropout draws from the shared generator too.
            let train = seeded(1, || m.forward_t(&codes, true).unwrap());
            let eval = m.forward_t(&codes, false).unwrap();
            assert_eq!(train.size(), [3, 5], "{architecture} at {len}");
            assert_eq!(eval.size(), [3, 5], "{architecture} at {len}");
            let p = m.predict(&random_codes(4, len, 3), false).unwrap();
            assert_eq!(p.len(), 20);
            assert!(p.iter().all(|&x| (0.0..=1.0).contains(&x)));
        }
    }
}

#[test]
fn tensor_names_are_stable() {
    let names = |a| {
        model(a, 200, 2, 1)
            .tensors()
            .into_keys()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let bn =
        |n: &str| ["weight", "bias", "running_mean", "running_var"].map(|p| format!("{n}.{p}"));
    let mut deep: Vec<String> = ["c1", "c2", "c3", "d4", "d5", "d6"]
        .iter()
        .flat_map(|m| [format!("{m}.weight"), format!("{m}.bias")])
        .collect();
    for n in ["bn1", "bn2", "bn3", "bn4", "bn5"] {
        deep.extend(bn(n));
    }
    deep.sort();
    assert_eq!(names(Architecture::ConvNetDeep), deep.join(" "));
    let danq = names(Architecture::DanQ);
    assert!(danq.contains("BiLSTM.weight_ih_l1_reverse"), "{danq}");
    assert!(danq.contains("Conv1.weight"), "{danq}");
    assert_eq!(danq.split(' ').count(), 3 * 2 + 16);
}

#[test]
fn batch_norm_starts_as_pytorch_does_and_conv_weights_are_bounded() {
    let m = model(Architecture::ConvNetDeep, 200, 2, 1);
    let t = m.tensors();
    assert_eq!(f64::try_from(t["bn1.weight"].min()).unwrap(), 1.0);
    assert_eq!(f64::try_from(t["bn1.bias"].abs().max()).unwrap(), 0.0);
    // PyTorch's default: uniform in ±1/sqrt(fan_in), fan_in = 4 × 19.
    let bound = 1.0 / (76f64).sqrt();
    let max = f64::try_from(t["c1.weight"].abs().max()).unwrap();
    assert!(max <= bound && max > 0.9 * bound, "{max} vs {bound}");
}

#[test]
fn weights_round_trip_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    let codes = random_codes(10, 200, 5);
    for architecture in Architecture::ALL {
        let a = model(architecture, 200, 3, 1);
        a.save_weights(&path).unwrap();
        let mut b = model(architecture, 200, 3, 2);
        assert!(
            max_abs_diff(
                &a.predict(&codes, false).unwrap(),
                &b.predict(&codes, false).unwrap()
            ) > 0.0
        );
        b.load_weights(&path).unwrap();
        assert_eq!(
            a.predict(&codes, true).unwrap(),
            b.predict(&codes, true).unwrap(),
            "{architecture}"
        );
    }
}

#[test]
fn loading_checks_names_and_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.safetensors");
    model(Architecture::ConvNetDeep, 200, 3, 1)
        .save_weights(&path)
        .unwrap();
    let err = model(Architecture::ConvNetDeep, 200, 4, 1)
        .load_weights(&path)
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::WeightShape { name, .. } if name == "d6.bias" || name == "d6.weight"),
        "{err}"
    );
    let err = model(Architecture::ConvNetDeep, 300, 3, 1)
        .load_weights(&path)
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::WeightShape { name, .. } if name == "d4.weight"),
        "{err}"
    );
    let err = model(Architecture::ConvNetShallow, 200, 3, 1)
        .load_weights(&path)
        .unwrap_err();
    assert!(matches!(err, ModelError::UnexpectedWeight { .. }), "{err}");

    let mut weights = read_weights(&path).unwrap();
    weights.remove("bn2.running_var");
    let partial = dir.path().join("partial.safetensors");
    tfbind_model::write_weights(&weights, &partial).unwrap();
    let err = model(Architecture::ConvNetDeep, 200, 3, 1)
        .load_weights(&partial)
        .unwrap_err();
    assert!(
        matches!(&err, ModelError::MissingWeight { name, .. } if name == "bn2.running_var"),
        "{err}"
    );
}

#[test]
fn fine_tuning_loads_all_but_the_head_and_freezes_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parent.safetensors");
    let parent = model(Architecture::ConvNetDeep, 200, 50, 1);
    parent.save_weights(&path).unwrap();

    let mut child = model(Architecture::ConvNetDeep, 200, 1, 2);
    let head_before = child.tensors()["d6.weight"].copy();
    let report = child.load_weights_except(&path, &[HEAD]).unwrap();
    assert_eq!(report.kept, ["d6.bias", "d6.weight"]);
    assert_eq!(report.loaded.len(), 6 * 2 + 5 * 4 - 2);
    let (p, c) = (parent.tensors(), child.tensors());
    assert!(p["c1.weight"].equal(&c["c1.weight"]));
    assert!(p["bn5.running_mean"].equal(&c["bn5.running_mean"]));
    assert!(head_before.equal(&c["d6.weight"]));

    child.freeze(&["conv1", "fc2"]).unwrap();
    assert_eq!(child.frozen_blocks(), ["conv1", "fc2"]);
    let trainable: Vec<String> = child.trainable_parameters().into_keys().collect();
    assert!(!trainable
        .iter()
        .any(|n| n.starts_with("c1.") || n.starts_with("bn1.") || n.starts_with("d5.")));
    assert!(trainable.contains(&"c2.weight".to_string()));
    // A training-mode pass updates batch statistics of trainable blocks only.
    let before = child.snapshot();
    let codes = Tensor::from_slice(&random_codes(8, 200, 9)).view([8, 200]);
    let _ = seeded(1, || child.forward_t(&codes, true).unwrap());
    let after = child.tensors();
    assert!(before["bn1.running_mean"].equal(&after["bn1.running_mean"]));
    assert!(before["bn5.running_var"].equal(&after["bn5.running_var"]));
    assert!(!before["bn2.running_mean"].equal(&after["bn2.running_mean"]));

    let err = child.freeze(&["lstm"]).unwrap_err();
    assert!(matches!(err, ModelError::UnknownBlock { .. }), "{err}");
}

#[test]
fn reverse_complement_averaging_is_strand_symmetric() {
    let m = model(Architecture::ConvNetDeep, 200, 4, 3);
    let codes = random_codes(6, 200, 11);
    let mut rc = vec![0u8; codes.len()];
    for (w, o) in codes.chunks(200).zip(rc.chunks_mut(200)) {
        tfbind_model::reverse_complement_into(w, o);
    }
    let forward = m.predict(&codes, true).unwrap();
    let reverse = m.predict(&rc, true).unwrap();
    assert!(max_abs_diff(&forward, &reverse) < 1e-6);
    assert!(
        max_abs_diff(
            &m.predict(&codes, false).unwrap(),
            &m.predict(&rc, false).unwrap()
        ) > 1e-4
    );
}

#[test]
fn bad_inputs_are_errors() {
    let m = model(Architecture::ConvNetShallow, 200, 2, 1);
    assert!(matches!(
        m.predict(&[0u8; 199], false),
        Err(ModelError::RaggedInput { .. })
    ));
    let mut codes = vec![0u8; 200];
    codes[17] = 9;
    assert!(matches!(
        m.predict(&codes, false),
        Err(ModelError::BadCode {
            index: 17,
            value: 9
        })
    ));
    let wrong_len = Tensor::zeros([2, 100], (tch::Kind::Uint8, Device::Cpu));
    assert!(matches!(
        m.forward_t(&wrong_len, false),
        Err(ModelError::InputShape { .. })
    ));
}

/// Fresh batch norm is the identity; gives every one a scale (of both signs, which max pooling
/// does not commute with), a shift and running statistics away from 0 and 1.
fn perturb_batch_norm(m: &Model, seed: i64) {
    seeded(seed, || {
        tch::no_grad(|| {
            for (name, mut t) in m.tensors() {
                let fill = if name.ends_with("running_var") {
                    Tensor::rand_like(&t) + 0.5
                } else if name.starts_with("bn") {
                    Tensor::rand_like(&t) * 3.0 - 1.5
                } else {
                    continue;
                };
                t.copy_(&fill);
            }
        })
    });
}

#[test]
fn layers_run_the_evaluation_network_with_relu_before_pooling() {
    let codes = random_codes(8, 200, 21);
    for architecture in Architecture::ALL {
        let m = model(architecture, 200, 3, 6);
        perturb_batch_norm(&m, 1);
        let Some(layers) = m.layers() else {
            assert_eq!(architecture, Architecture::DanQ);
            continue;
        };
        let kinds: Vec<&str> = layers
            .iter()
            .map(|l| match l {
                Layer::Conv1d { .. } => "conv",
                Layer::Linear { .. } => "linear",
                Layer::Relu => "relu",
                Layer::MaxPool1d(_) => "pool",
                Layer::Flatten => "flatten",
            })
            .collect();
        let convs = if architecture == Architecture::ConvNetDeep {
            3
        } else {
            2
        };
        assert_eq!(kinds[..3], ["conv", "relu", "pool"], "{architecture}");
        assert_eq!(kinds.iter().filter(|&&k| k == "pool").count(), convs);
        assert_eq!(kinds.last(), Some(&"linear"));
        let logits = tch::no_grad(|| {
            let mut x = tfbind_model::one_hot(&codes, 200, Device::Cpu).unwrap();
            for layer in &layers {
                x = layer.forward(&x);
            }
            x
        });
        let batch = Tensor::from_slice(&codes).view([8, 200]);
        let expected = tch::no_grad(|| m.forward_t(&batch, false).unwrap());
        assert_eq!(logits.size(), [8, 3]);
        let diff = (&logits - &expected).abs().max().double_value(&[]);
        let scale = expected.abs().max().double_value(&[]);
        assert!(diff < 1e-5 * scale.max(1.0), "{architecture}: {diff}");
        assert!(scale > 0.1, "{architecture}: degenerate logits");
    }
}

#[test]
fn prediction_with_folded_batch_norm_matches_the_evaluation_forward_pass() {
    let codes = random_codes(16, 200, 13);
    for architecture in Architecture::ALL {
        let m = model(architecture, 200, 6, 4);
        perturb_batch_norm(&m, 1);
        let batch = Tensor::from_slice(&codes).view([16, 200]);
        let unfolded: Vec<f32> = tch::no_grad(|| {
            Vec::try_from(m.forward_t(&batch, false).unwrap().sigmoid().reshape([-1])).unwrap()
        });
        let folded = m.predictor().predict(&codes, false).unwrap();
        let diff = max_abs_diff(&unfolded, &folded);
        assert!(diff < 1e-5, "{architecture}: {diff}");
        // The probabilities are not saturated, so the comparison can see a difference.
        assert!(
            folded.iter().any(|&p| p > 0.01 && p < 0.99),
            "{architecture}"
        );
    }
}

#[test]
fn weights_are_the_bytes_torch_writes_and_a_failed_write_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let m = model(Architecture::ConvNetDeep, 200, 3, 1);
    let ours = dir.path().join("ours.safetensors");
    tfbind_model::write_weights(&m.tensors(), &ours).unwrap();
    // What the model artifacts held before tfbind wrote its own safetensors.
    let torch = dir.path().join("torch.safetensors");
    let host: Vec<(String, Tensor)> = m
        .tensors()
        .into_iter()
        .map(|(name, t)| (name, t.detach().to_kind(tch::Kind::Float).contiguous()))
        .collect();
    Tensor::write_safetensors(&host, &torch).unwrap();
    assert_eq!(
        std::fs::read(&ours).unwrap(),
        std::fs::read(&torch).unwrap()
    );
    let back = read_weights(&ours).unwrap();
    assert_eq!(back.len(), host.len());
    assert!(back["d4.weight"].equal(&m.tensors()["d4.weight"]));

    // A regular file where the directory should be.
    std::fs::write(dir.path().join("file"), "").unwrap();
    let target = dir.path().join("file/w.safetensors");
    let e = tfbind_model::write_weights(&m.tensors(), &target)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&dir.path().join("file").display().to_string()),
        "{e}"
    );
    assert!(
        !e.contains("Os {") && !e.contains("kind:"),
        "Debug-formatted: {e}"
    );
}

#[test]
fn substituted_windows_predict_as_the_full_forward_pass() {
    let n = 6;
    let codes = random_codes(n, 200, 31);
    // Bases A C G T N in turn, so some equal the reference base.
    let bases: Vec<u8> = (0..n as u8).map(|i| i % 5).collect();
    // Pooling drops trailing outputs: the first conv's 182 outputs pool to 60 (Deep) or 18
    // (Shallow), so bases 198 and 199 reach only dropped ones; Shallow's second conv then drops
    // 2 of its 14, which leaves bases 178..200 no effect at all.
    let positions = [0, 1, 17, 99, 100, 101, 178, 179, 180, 185, 198, 199];
    for architecture in Architecture::ALL {
        let m = model(architecture, 200, 4, 8);
        perturb_batch_norm(&m, 1);
        let predictor = m.predictor();
        for rc_average in [false, true] {
            let full_reference = predictor.predict(&codes, rc_average).unwrap();
            for at in positions {
                let mut substituted = codes.clone();
                for (window, &base) in substituted.chunks_exact_mut(200).zip(&bases) {
                    window[at] = base;
                }
                let full = predictor.predict(&substituted, rc_average).unwrap();
                let (reference, alternate) = predictor
                    .predict_substituted(&codes, at, &bases, rc_average)
                    .unwrap();
                let what = format!("{architecture} at {at}, rc {rc_average}");
                assert!(max_abs_diff(&reference, &full_reference) < 1e-5, "{what}");
                assert!(max_abs_diff(&alternate, &full) < 1e-5, "{what}");
                assert_eq!(alternate.len(), n * 4, "{what}");
                if at == 100 {
                    // The substitution shows, so the comparison can see one done wrong.
                    assert!(max_abs_diff(&full, &full_reference) > 5e-5, "{what}");
                }
            }
        }
    }
}

/// The ALT alleles of one site share its reference window, which runs once: the probabilities
/// are those of the same windows all distinct, in the same order.
#[test]
fn repeated_reference_windows_predict_as_distinct_ones() {
    let distinct = random_codes(3, 200, 47);
    let window = |i: usize| &distinct[i * 200..(i + 1) * 200];
    // Windows 0 0 1 0 2 2, each with its own base at the centre.
    let order = [0, 0, 1, 0, 2, 2];
    let codes: Vec<u8> = order.iter().flat_map(|&i| window(i)).copied().collect();
    let bases = [1, 2, 3, 0, 4, 1];
    for architecture in Architecture::ALL {
        let m = model(architecture, 200, 3, 8);
        perturb_batch_norm(&m, 1);
        let predictor = m.predictor();
        for rc_average in [false, true] {
            let what = format!("{architecture}, rc {rc_average}");
            let (reference, alternate) = predictor
                .predict_substituted(&codes, 100, &bases, rc_average)
                .unwrap();
            assert_eq!((reference.len(), alternate.len()), (18, 18), "{what}");
            let full_reference = predictor.predict(&codes, rc_average).unwrap();
            let mut substituted = codes.clone();
            for (window, &base) in substituted.chunks_exact_mut(200).zip(&bases) {
                window[100] = base;
            }
            let full = predictor.predict(&substituted, rc_average).unwrap();
            assert!(max_abs_diff(&reference, &full_reference) < 1e-5, "{what}");
            assert!(max_abs_diff(&alternate, &full) < 1e-5, "{what}");
            // Windows 0, 1 and 3 are the same reference with three different bases.
            assert_eq!(reference[0..3], reference[3..6], "{what}");
            assert_eq!(reference[0..3], reference[9..12], "{what}");
            assert!(
                max_abs_diff(&alternate[0..3], &alternate[3..6]) > 1e-6,
                "{what}"
            );
        }
    }
}

#[test]
fn substitutions_must_fit_the_windows() {
    let m = model(Architecture::ConvNetShallow, 200, 1, 1);
    let predictor = m.predictor();
    let codes = random_codes(2, 200, 1);
    for (at, bases) in [(200, vec![0, 1]), (5, vec![0]), (5, vec![0, 1, 2])] {
        assert!(matches!(
            predictor.predict_substituted(&codes, at, &bases, true),
            Err(ModelError::Substitution { .. })
        ));
    }
    assert!(matches!(
        predictor.predict_substituted(&codes, 5, &[0, 7], true),
        Err(ModelError::BadCode { .. })
    ));
}
