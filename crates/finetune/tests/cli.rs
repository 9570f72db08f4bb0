//! The `tfbind-finetune` binary on small synthetic data: a 3-task parent model trained here with
//! tfbind-train, and single-task target datasets whose bound windows carry a planted motif.
//! Windows are 100 bp so that every run takes a second or two on 2 cores.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use tfbind_artifact::{input_artifact, Artifact, ArtifactBuilder};
use tfbind_dataset::{Dataset, LabelMatrix, Split, Window, DATASET};
use tfbind_model::{read_weights, Architecture, ModelArtifact, ModelSpec, Weights};
use tfbind_train::{init_model, train_and_write, RunSpec, TrainOptions};

const LEN: usize = 100;
const PARENT_TASKS: [&str; 3] = ["ALPHA", "BETA", "GAMMA"];

/// A motif per task name (codes A C G T = 0 1 2 3), planted in its bound windows.
fn motif(task: &str) -> &'static [u8] {
    match task {
        "ALPHA" => &[2, 0, 1, 3, 1, 0, 2, 3],
        "BETA" => &[1, 0, 1, 2, 3, 2],
        "GAMMA" => &[3, 3, 2, 1, 0, 0, 3],
        // The target shares half of ALPHA's motif, so the parent's filters are of some use.
        _ => &[2, 0, 1, 3, 3, 3, 2, 2],
    }
}

/// A dataset artifact of `n` windows of `len` bp on chromosome `chr<seed>`: each task bound in
/// about half of them (its motif planted at a random place), the rest unbound; 70 % train,
/// 15 % valid, 15 % test.
fn write_dataset(dir: &Path, tasks: &[&str], n: usize, len: usize, seed: u64) -> PathBuf {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut sequences = Vec::with_capacity(n * len);
    let mut labels = Vec::with_capacity(n * tasks.len());
    let mut windows = Vec::with_capacity(n);
    let mut split = Vec::with_capacity(n);
    for i in 0..n {
        let mut seq: Vec<u8> = (0..len).map(|_| rng.gen_range(0..4)).collect();
        for task in tasks {
            let bound = rng.gen_bool(0.5);
            if bound {
                let m = motif(task);
                let at = rng.gen_range(0..=len - m.len());
                seq[at..at + m.len()].copy_from_slice(m);
            }
            labels.push(i8::from(bound));
        }
        sequences.extend(seq);
        windows.push(Window {
            chrom: format!("chr{seed}"),
            start: (i * len) as u64,
            end: ((i + 1) * len) as u64,
            name: format!("w{i}"),
        });
        split.push(match i % 20 {
            0..=13 => Split::Train,
            14..=16 => Split::Valid,
            _ => Split::Test,
        });
    }
    let names = tasks.iter().map(|t| t.to_string()).collect();
    let data = Dataset {
        windows,
        labels: LabelMatrix::from_values(names, labels).unwrap(),
        sequences,
        seq_len: len,
        split,
    };
    let mut parameters = toml::Table::new();
    parameters.insert("seed".into(), toml::Value::Integer(seed as i64));
    let builder = ArtifactBuilder::new(dir, DATASET, parameters, vec![]).unwrap();
    data.write(builder.dir()).unwrap();
    builder.commit().unwrap();
    dir.to_path_buf()
}

/// A pre-trained 3-task convnet-deep model (2 epochs, so batch norm statistics and every
/// weight differ from a fresh network's).
fn write_parent(dir: &Path) -> PathBuf {
    let data_dir = write_dataset(&dir.join("parent-data"), &PARENT_TASKS, 400, LEN, 11);
    let artifact = Artifact::open(&data_dir, DATASET).unwrap();
    let data = Dataset::read(&artifact).unwrap();
    let options = TrainOptions {
        epochs: 2,
        ..TrainOptions::pretraining()
    };
    let spec = ModelSpec::new(Architecture::ConvNetDeep, LEN, PARENT_TASKS.len()).unwrap();
    let mut model = init_model(&spec, tch::Device::Cpu, 5).unwrap();
    let out = dir.join("parent");
    let parameters = tfbind_artifact::to_table(&options).unwrap();
    let inputs = vec![input_artifact(&artifact)];
    let run = RunSpec {
        parameters: parameters.clone(),
        section: "pretrain",
        inputs: inputs.clone(),
        restart: false,
        eval_batch_size: 1000,
        parent: None,
    };
    let builder =
        ArtifactBuilder::new(&out, tfbind_model::artifact::KIND, parameters, inputs).unwrap();
    train_and_write(&mut model, &data, &options, run, &builder, &()).unwrap();
    builder.commit().unwrap();
    out
}

struct Setup {
    tmp: tempfile::TempDir,
    parent: PathBuf,
    target: PathBuf,
}

impl Setup {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let parent = write_parent(tmp.path());
        let target = write_dataset(&tmp.path().join("target-data"), &["TARGET"], 300, LEN, 12);
        Self {
            tmp,
            parent,
            target,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The arguments of a fine-tune of the target into `out`, before any extra ones.
    fn args(&self, out: &Path) -> Vec<String> {
        [
            "--pretrained",
            self.parent.to_str().unwrap(),
            "--dataset",
            self.target.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--device",
            "cpu",
            "--threads",
            "2",
            "--epochs",
            "2",
            "--json",
        ]
        .map(String::from)
        .to_vec()
    }
}

fn command(args: &[String]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tfbind-finetune"));
    c.args(args).env_remove("RUST_LOG");
    c
}

fn run(args: &[String]) -> Output {
    command(args).output().unwrap()
}

fn with(mut args: Vec<String>, extra: &[&str]) -> Vec<String> {
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// Runs to success and returns the JSON report.
fn run_ok(args: &[String]) -> Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "tfbind-finetune {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs to failure; returns the exit code and stderr.
fn run_err(args: &[String]) -> (i32, String) {
    let out = run(args);
    assert!(!out.status.success(), "tfbind-finetune {args:?} succeeded");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn weights(model_dir: &Path) -> Weights {
    read_weights(&model_dir.join("model.safetensors")).unwrap()
}

fn block_tensors(architecture: Architecture, block: &str, w: &Weights) -> Vec<String> {
    let b = architecture.block(block).unwrap();
    w.keys().filter(|n| b.contains(n)).cloned().collect()
}

fn same(a: &tch::Tensor, b: &tch::Tensor) -> bool {
    a.size() == b.size() && a.equal(b)
}

#[test]
fn loads_every_weight_but_the_head_and_records_the_parent() {
    let s = Setup::new();
    let out = s.path("ft");
    let all_but_head = "conv1,conv2,conv3,fc1,fc2";
    let t = run_ok(&with(s.args(&out), &["--freeze", all_but_head]));
    let parent_w = weights(&s.parent);
    let ours = weights(&out);

    // The same names, every one outside the head copied bit for bit (frozen, so untouched).
    let head = Architecture::ConvNetDeep.block("head").unwrap();
    assert_eq!(
        parent_w.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    let mut compared = 0;
    for (name, theirs) in &parent_w {
        if !head.contains(name) {
            assert!(same(theirs, &ours[name]), "{name} differs from the parent");
            compared += 1;
        }
    }
    assert_eq!(t["loaded_tensors"], compared);
    assert_eq!(compared, parent_w.len() - 2);

    // The head is new, with one output.
    assert_eq!(parent_w["d6.weight"].size(), [3, 1000]);
    assert_eq!(ours["d6.weight"].size(), [1, 1000]);
    assert_eq!(ours["d6.bias"].size(), [1]);
    let model = ModelArtifact::open(&out).unwrap();
    assert_eq!(model.spec().n_tasks, 1);
    assert_eq!(model.tasks(), ["TARGET"]);

    // The parent: as an input of the manifest, and in parent.toml.
    let parent_artifact = Artifact::open(&s.parent, tfbind_model::artifact::KIND).unwrap();
    let inputs = &model.artifact().manifest().inputs;
    assert_eq!(inputs.len(), 2);
    assert_eq!(inputs[0].kind, "dataset");
    assert_eq!(inputs[1].kind, "model");
    assert_eq!(inputs[1].sha256, parent_artifact.content_sha256());
    let recorded = model.parent().expect("parent.toml");
    assert_eq!(recorded.path, s.parent.display().to_string());
    assert_eq!(recorded.manifest_sha256, parent_artifact.manifest_sha256());
    assert_eq!(recorded.tasks, PARENT_TASKS);
    assert_eq!(recorded.reinitialized, ["head"]);
    assert_eq!(recorded.frozen, all_but_head.split(',').collect::<Vec<_>>());
    assert_eq!(t["parent"], s.parent.display().to_string());
    assert_eq!(t["target_in_pretraining"], false);
    assert_eq!(t["learning_rate"], 0.0003);

    // The resolved parameters, and a config.toml that reproduces them.
    let params = &model.artifact().manifest().parameters;
    assert_eq!(params["init"].as_str(), Some("pretrained"));
    assert_eq!(params["architecture"].as_str(), Some("convnet-deep"));
    let again = run_ok(
        &[
            "--pretrained",
            s.parent.to_str().unwrap(),
            "--dataset",
            s.target.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--config",
            out.join("config.toml").to_str().unwrap(),
            "--json",
        ]
        .map(String::from),
    );
    assert_eq!(again["up_to_date"], true);
}

#[test]
fn freeze_keeps_named_blocks_bit_identical_and_the_rest_trains() {
    let s = Setup::new();
    let out = s.path("ft");
    run_ok(&with(s.args(&out), &["--freeze", "fc1,conv1"]));
    let (parent_w, ours) = (weights(&s.parent), weights(&out));
    let deep = Architecture::ConvNetDeep;
    for block in ["conv1", "fc1"] {
        let names = block_tensors(deep, block, &parent_w);
        // Weights, biases and batch norm running statistics.
        assert_eq!(names.len(), 6);
        for name in names {
            assert!(
                same(&parent_w[&name], &ours[&name]),
                "frozen {name} changed"
            );
        }
    }
    for block in ["conv2", "conv3", "fc2"] {
        for name in block_tensors(deep, block, &parent_w) {
            assert!(
                !same(&parent_w[&name], &ours[&name]),
                "{name} did not train"
            );
        }
    }
    let recorded = ModelArtifact::open(&out).unwrap().parent().unwrap().clone();
    assert_eq!(recorded.frozen, ["conv1", "fc1"]);

    // Unknown blocks and the head are usage errors.
    let (code, err) = run_err(&with(s.args(&s.path("bad")), &["--freeze", "conv9"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("conv1, conv2, conv3, fc1, fc2, head"), "{err}");
    let (code, err) = run_err(&with(s.args(&s.path("bad")), &["--freeze", "head"]));
    assert_eq!(code, 2, "{err}");
    assert!(!s.path("bad").exists());
}

#[test]
fn scratch_differs_from_transfer_at_epoch_0() {
    let s = Setup::new();
    // conv1 frozen keeps its starting weights: the parent's, or fresh random ones.
    let transfer = s.path("transfer");
    let scratch = s.path("scratch");
    run_ok(&with(s.args(&transfer), &["--freeze", "conv1"]));
    let report = run_ok(&with(
        s.args(&scratch),
        &["--freeze", "conv1", "--init", "scratch"],
    ));
    let (parent_w, t_w, s_w) = (weights(&s.parent), weights(&transfer), weights(&scratch));
    for name in [
        "c1.weight",
        "c1.bias",
        "bn1.running_mean",
        "bn1.running_var",
    ] {
        assert!(same(&parent_w[name], &t_w[name]), "{name}");
    }
    for name in ["c1.weight", "c1.bias"] {
        let diff = f64::try_from((&parent_w[name] - &s_w[name]).abs().min()).unwrap();
        assert!(diff > 0.0, "scratch {name} shares values with the parent");
    }
    // Fresh batch norm statistics, never updated because the block is frozen.
    assert!(s_w["bn1.running_mean"].equal(&tch::Tensor::zeros_like(&s_w["bn1.running_mean"])));

    let t = &report;
    assert_eq!(t["init"], "scratch");
    assert_eq!(t["loaded_tensors"], 0);
    assert_eq!(t["parent"], Value::Null);
    assert_eq!(t["learning_rate"], 0.003);
    let model = ModelArtifact::open(&scratch).unwrap();
    assert!(model.parent().is_none());
    assert_eq!(model.artifact().manifest().inputs.len(), 1);
    assert_eq!(model.spec().architecture, Architecture::ConvNetDeep);

    // Without a pre-trained model, scratch needs nothing else; with neither, it is a usage error.
    let alone = s.path("alone");
    run_ok(
        &[
            "--init",
            "scratch",
            "--architecture",
            "convnet-shallow",
            "--dataset",
            s.target.to_str().unwrap(),
            "--out",
            alone.to_str().unwrap(),
            "--epochs",
            "1",
            "--json",
        ]
        .map(String::from),
    );
    assert_eq!(
        ModelArtifact::open(&alone).unwrap().spec().architecture,
        Architecture::ConvNetShallow
    );
    let (code, err) = run_err(
        &[
            "--dataset",
            s.target.to_str().unwrap(),
            "--out",
            s.path("none").to_str().unwrap(),
        ]
        .map(String::from),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--pretrained"), "{err}");
}

#[test]
fn resume_after_kill_9_gives_identical_weights() {
    let s = Setup::new();
    let base = |out: &Path| {
        let mut a = s.args(out);
        // More epochs than the other tests, so there is an epoch boundary to kill after.
        let epochs = a.iter().position(|x| x == "--epochs").unwrap();
        a[epochs + 1] = "4".into();
        a
    };
    let whole = s.path("whole");
    run_ok(&base(&whole));

    let killed = s.path("killed");
    let checkpoints = s.path(".killed.checkpoints");
    let mut child = command(&base(&killed))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !checkpoints.join("epoch-0001").exists() {
        assert!(Instant::now() < deadline, "no checkpoint after 60 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before a kill"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!killed.exists());

    let report = run_ok(&base(&killed));
    let resumed = report["resumed_after"].as_u64().unwrap();
    assert!((1..4).contains(&resumed), "{report}");
    assert!(!checkpoints.exists(), "checkpoints are removed once done");
    let (a, b) = (weights(&whole), weights(&killed));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, t) in &a {
        assert!(same(t, &b[name]), "{name} differs after resuming");
    }
    let epochs = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("epochs.tsv"))
            .unwrap()
            .lines()
            .map(|l| {
                // Everything but the timings.
                let f: Vec<_> = l.split('\t').collect();
                format!("{} {} {} {}", f[0], f[1], f[2], f[5])
            })
            .collect()
    };
    assert_eq!(epochs(&whole), epochs(&killed));

    // With nothing frozen, every block trained away from the parent.
    let parent_w = weights(&s.parent);
    for block in ["conv1", "conv2", "conv3", "fc1", "fc2"] {
        for name in block_tensors(Architecture::ConvNetDeep, block, &parent_w) {
            assert!(!same(&parent_w[&name], &a[&name]), "{name} did not train");
        }
    }
}

#[test]
fn rerun_with_the_same_inputs_is_a_no_op() {
    let s = Setup::new();
    let out = s.path("ft");
    let first = run_ok(&s.args(&out));
    assert_eq!(first["up_to_date"], false);
    let manifest = out.join("manifest.toml");
    let (text, mtime) = (
        std::fs::read_to_string(&manifest).unwrap(),
        std::fs::metadata(&manifest).unwrap().modified().unwrap(),
    );
    let again = run_ok(&s.args(&out));
    assert_eq!(again["up_to_date"], true);
    assert_eq!(without_up_to_date(&again), without_up_to_date(&first));
    assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
    assert_eq!(
        std::fs::metadata(&manifest).unwrap().modified().unwrap(),
        mtime
    );
    // Another parameter, or --force, trains again.
    let other = run_ok(&with(s.args(&out), &["--seed", "2"]));
    assert_eq!(other["up_to_date"], false);
    let forced = run_ok(&with(s.args(&out), &["--seed", "2", "--force"]));
    assert_eq!(forced["up_to_date"], false);
}

#[test]
fn a_mismatched_parent_is_a_clear_error() {
    let s = Setup::new();
    let bad = s.path("bad");

    // Another window length.
    let long = write_dataset(&s.path("long-data"), &["TARGET"], 60, 120, 3);
    let mut args = s.args(&bad);
    let at = args.iter().position(|x| x == "--dataset").unwrap();
    args[at + 1] = long.display().to_string();
    let (code, err) = run_err(&args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("120 bp") && err.contains("takes 100 bp"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // Another architecture than the parent's.
    let (code, err) = run_err(&with(s.args(&bad), &["--architecture", "danq"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("danq") && err.contains("convnet-deep"),
        "{err}"
    );

    // Not a model artifact.
    let mut args = s.args(&bad);
    let at = args.iter().position(|x| x == "--pretrained").unwrap();
    args[at + 1] = s.target.display().to_string();
    let (code, err) = run_err(&args);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("pre-trained model") && err.contains("model"),
        "{err}"
    );

    // A multi-task dataset.
    let multi = write_dataset(&s.path("multi"), &["ALPHA", "TARGET"], 40, LEN, 4);
    let mut args = s.args(&bad);
    let at = args.iter().position(|x| x == "--dataset").unwrap();
    args[at + 1] = multi.display().to_string();
    let (code, err) = run_err(&args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("single-task"), "{err}");

    // Weights that do not fit the parent's own architecture.toml (a corrupt parent).
    let forged = s.path("forged");
    let parent = ModelArtifact::open(&s.parent).unwrap();
    let spec = ModelSpec::new(Architecture::ConvNetShallow, LEN, 3).unwrap();
    let model = init_model(&spec, tch::Device::Cpu, 1).unwrap();
    let builder = ArtifactBuilder::new(
        &forged,
        tfbind_model::artifact::KIND,
        toml::Table::new(),
        vec![],
    )
    .unwrap();
    tfbind_model::artifact::write_model_files(builder.dir(), &model, parent.tasks(), None).unwrap();
    std::fs::write(
        builder.path("architecture.toml"),
        toml::to_string(parent.spec()).unwrap(),
    )
    .unwrap();
    builder.commit().unwrap();
    let mut args = s.args(&bad);
    let at = args.iter().position(|x| x == "--pretrained").unwrap();
    args[at + 1] = forged.display().to_string();
    let (code, err) = run_err(&args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot load the pre-trained weights"), "{err}");
    assert!(!bad.exists());
}

#[test]
fn a_target_among_the_pretraining_tfs_is_warned_about() {
    let s = Setup::new();
    let seen = write_dataset(&s.path("beta-data"), &["BETA"], 120, LEN, 5);
    let out = s.path("ft");
    let mut args = s.args(&out);
    let at = args.iter().position(|x| x == "--dataset").unwrap();
    args[at + 1] = seen.display().to_string();
    let output = run(&args);
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("WARN") && stderr.contains("among the pre-training TFs"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["target_in_pretraining"], true);
}

#[test]
fn test_windows_can_come_from_another_dataset() {
    let s = Setup::new();
    let fixed = write_dataset(&s.path("fixed"), &["TARGET"], 200, LEN, 21);
    let fixed_data = Dataset::read(&Artifact::open(&fixed, DATASET).unwrap()).unwrap();
    let test_rows = fixed_data.indices(Split::Test);
    let positives = test_rows
        .iter()
        .filter(|&&r| fixed_data.labels.get(r, 0) == 1)
        .count();

    let out = s.path("ft");
    let report = run_ok(&with(
        s.args(&out),
        &["--test-dataset", fixed.to_str().unwrap()],
    ));
    let test = &report["test"];
    assert_eq!(test["positives"], positives);
    assert_eq!(test["negatives"], test_rows.len() - positives);
    assert_eq!(report["test_dataset"], fixed.display().to_string());
    let model = ModelArtifact::open(&out).unwrap();
    let inputs = &model.artifact().manifest().inputs;
    let kinds: Vec<_> = inputs.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, ["dataset", "model", "dataset"]);
    assert_eq!(inputs[2].path, fixed.display().to_string());
    let metrics = std::fs::read_to_string(out.join("test_metrics.tsv")).unwrap();
    let row: Vec<_> = metrics.lines().nth(1).unwrap().split('\t').collect();
    assert_eq!(
        row[..3],
        [
            "TARGET",
            &positives.to_string(),
            &(test_rows.len() - positives).to_string()
        ]
    );

    // Another TF's windows are refused.
    let parent_data = s.path("parent-data");
    let (code, err) = run_err(&with(
        s.args(&s.path("bad")),
        &["--test-dataset", parent_data.to_str().unwrap()],
    ));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("tasks (ALPHA, BETA, GAMMA)"), "{err}");
}

/// The JSON summary without its `up_to_date` field.
fn without_up_to_date(report: &Value) -> Value {
    let mut report = report.clone();
    report.as_object_mut().unwrap().remove("up_to_date");
    report
}

/// Every file below `dir` with its bytes.
fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(contents(&path));
        } else {
            files.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

#[test]
fn help_lists_every_architectures_blocks() {
    let help = run(&["--help".to_string()]);
    let help = String::from_utf8(help.stdout).unwrap();
    for a in Architecture::ALL {
        let line = format!("{}  ", a.name());
        let listed = help
            .lines()
            .find(|l| l.trim_start().starts_with(&line))
            .unwrap_or_else(|| panic!("no Blocks line for {a}:\n{help}"));
        let names: Vec<_> = listed.split_whitespace().skip(1).collect();
        assert_eq!(names, a.block_names(), "{listed}");
    }
}

#[test]
fn out_is_never_an_input_nor_a_users_directory() {
    let s = Setup::new();
    let (dataset, parent) = (contents(&s.target), contents(&s.parent));
    for (out, input) in [(&s.target, &s.target), (&s.parent, &s.parent)] {
        for force in [&[][..], &["--force"]] {
            let (code, err) = run_err(&with(s.args(out), force));
            assert_eq!(code, 1, "{err}");
            let refusal = format!("the output is the input {}", input.display());
            assert!(err.contains(&refusal), "{err}");
        }
    }
    assert!(contents(&s.target) == dataset && contents(&s.parent) == parent);

    // A directory of the user's with a manifest.toml that tfbind did not write.
    let thesis = s.path("thesis");
    std::fs::create_dir(&thesis).unwrap();
    std::fs::write(thesis.join("manifest.toml"), "title = \"my thesis\"\n").unwrap();
    std::fs::write(thesis.join("chapter1.tex"), "\\chapter{One}\n").unwrap();
    let before = contents(&thesis);
    for force in [&[][..], &["--force"]] {
        let (code, err) = run_err(&with(s.args(&thesis), force));
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("is not a tfbind artifact"), "{err}");
    }
    assert!(contents(&thesis) == before);
    assert!(!s.path(".thesis.checkpoints").exists());
}

#[test]
fn a_wrong_typed_config_key_names_file_line_and_key() {
    let s = Setup::new();
    let config = s.path("pipeline.toml");
    let out = s.path("ft");
    for (line, key, text) in [
        (
            4,
            "batch_size",
            "[finetune]\ninit = \"pretrained\"\n\nbatch_size = \"ten\"\n",
        ),
        (2, "freeze", "[finetune]\nfreeze = \"conv1\"\n"),
        (3, "init", "[finetune]\nseed = 3\ninit = \"random\"\n"),
    ] {
        std::fs::write(&config, text).unwrap();
        let args = with(s.args(&out), &["--config", config.to_str().unwrap()]);
        let (code, err) = run_err(&args);
        assert_eq!(code, 2, "{err}");
        let at = format!("{}:{line}: [finetune] key `{key}`: ", config.display());
        assert!(err.contains(&at), "{at} in {err}");
        assert!(
            err.contains("invalid") || err.contains("unknown variant"),
            "{err}"
        );
    }
    assert!(!out.exists());
}
