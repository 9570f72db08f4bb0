//! tfbind-pretrain end to end on a small real dataset: the artifact, the up-to-date rerun, and
//! `kill -9` at different moments followed by a rerun that resumes and ends with the same weights
//! as an uninterrupted run.

#[path = "../../train/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use tfbind_model::ModelArtifact;

const TASKS: [&str; 4] = ["MAX", "JUND", "CEBPB", "NRF1"];

fn command(dataset: &Path, out: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tfbind-pretrain"));
    c.args([
        "--epochs",
        "4",
        "--threads",
        "2",
        "--device",
        "cpu",
        "--json",
        "-q",
    ])
    .arg("--dataset")
    .arg(dataset)
    .arg("--out")
    .arg(out);
    c
}

fn run(dataset: &Path, out: &Path) -> serde_json::Value {
    let output: Output = command(dataset, out).output().unwrap();
    assert!(
        output.status.success(),
        "tfbind-pretrain failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON report")
}

fn checkpoint_epoch(out: &Path, epoch: usize) -> PathBuf {
    let name = out.file_name().unwrap().to_string_lossy();
    out.with_file_name(format!(".{name}.checkpoints"))
        .join(format!("epoch-{epoch:04}"))
}

/// Starts a run and kills it (SIGKILL) once `ready` holds, then `delay` later.
fn kill_when(dataset: &Path, out: &Path, ready: impl Fn() -> bool, delay: Duration) {
    let mut child: Child = command(dataset, out).spawn().unwrap();
    let started = Instant::now();
    while !ready() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(started.elapsed() < Duration::from_secs(600), "timed out");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// epochs.tsv without its timing columns.
fn losses(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("epochs.tsv"))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            format!("{} {} {} {}", f[0], f[1], f[2], f[5])
        })
        .collect()
}

#[test]
fn killed_runs_resume_to_the_same_weights() {
    let tmp = tempfile::tempdir().unwrap();
    let dataset = tmp.path().join("data");
    common::example_dataset(&dataset, &TASKS, 60);

    let reference = tmp.path().join("reference");
    let report = run(&dataset, &reference);
    assert_eq!(report["up_to_date"], false);
    assert_eq!(report["epochs_trained"], 4);
    assert!(report["resumed_after"].is_null());
    let artifact = ModelArtifact::open(&reference).unwrap();
    assert_eq!(artifact.tasks(), TASKS);
    assert_eq!(artifact.spec().n_tasks, 4);
    for file in ["config.toml", "epochs.tsv", "test_metrics.tsv"] {
        assert!(artifact.artifact().has_file(file), "{file}");
    }
    let metrics = std::fs::read_to_string(reference.join("test_metrics.tsv")).unwrap();
    assert_eq!(metrics.lines().count(), 1 + TASKS.len());
    assert!(!checkpoint_epoch(&reference, 4).parent().unwrap().exists());
    let weights = std::fs::read(reference.join("model.safetensors")).unwrap();

    // The same command again has nothing to do.
    let again = run(&dataset, &reference);
    assert_eq!(again["up_to_date"], true);

    // Killed right after the checkpoint of epoch 2 is complete.
    let resumed = tmp.path().join("resumed");
    let ckpt = checkpoint_epoch(&resumed, 2);
    kill_when(&dataset, &resumed, || ckpt.exists(), Duration::ZERO);
    assert!(!resumed.exists());
    let report = run(&dataset, &resumed);
    assert_eq!(report["resumed_after"], 2);
    assert_eq!(losses(&resumed), losses(&reference));
    assert!(std::fs::read(resumed.join("model.safetensors")).unwrap() == weights);

    // Killed at moments that fall inside epochs and checkpoint writes, twice in a row.
    let interrupted = tmp.path().join("interrupted");
    let first = checkpoint_epoch(&interrupted, 1);
    kill_when(
        &dataset,
        &interrupted,
        || first.exists(),
        Duration::from_millis(150),
    );
    let second = checkpoint_epoch(&interrupted, 3);
    kill_when(
        &dataset,
        &interrupted,
        || second.exists(),
        Duration::from_millis(1),
    );
    let report = run(&dataset, &interrupted);
    assert!(report["resumed_after"].as_u64().unwrap() >= 3);
    assert_eq!(losses(&interrupted), losses(&reference));
    assert!(std::fs::read(interrupted.join("model.safetensors")).unwrap() == weights);
}
