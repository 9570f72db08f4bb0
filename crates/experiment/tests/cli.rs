//! The binary's contract without data: a config mistake is a usage error (exit status 2) that names
//! the key, and `plan` lists the shared task then one task per target.

use std::path::Path;
use std::process::{Command, Output};

const CONFIG: &str = include_str!("data/minimal.toml");

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-experiment"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn plan_lists_the_shared_task_then_one_per_target() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.toml"), CONFIG).unwrap();
    let out = run(&["plan", "--config", "e.toml", "-q"], dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan = dir.path().join("work/plan.tsv");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        plan.display().to_string()
    );
    assert_eq!(
        std::fs::read_to_string(plan).unwrap(),
        "task\ttarget\n0\t-\n1\tJUND\n2\tMAX\n"
    );
    let out = run(
        &["run", "--config", "e.toml", "--task", "3", "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("task 3 does not exist"));
    // A target task before the shared one is refused, naming what is missing.
    let out = run(
        &["run", "--config", "e.toml", "--task", "1", "-q"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run task 0"));
}

#[test]
fn config_mistakes_are_usage_errors_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.toml"), CONFIG.replace("seeds", "seed")).unwrap();
    let out = run(&["summarise", "--config", "e.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("e.toml:11: unknown key `seed`"), "{stderr}");
    assert!(stderr.contains("did you mean seeds"), "{stderr}");
    let out = run(&["plan", "--config", "missing.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_tables_never_go_over_the_bundle_or_into_an_artifact() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("e.toml"), CONFIG).unwrap();
    let bundle = dir.path().join("bundle");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(bundle.join("genome.fa.gz"), "mine").unwrap();
    let genome = bundle.join("genome.fa.gz");
    let out = run(
        &[
            "summarise",
            "--config",
            "e.toml",
            "--out",
            genome.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&genome).unwrap(), "mine");
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("manifest.toml"), "kind = \"model\"\n").unwrap();
    let out = run(
        &["summarise", "--config", "e.toml", "--out", "model"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is an artifact directory"));
    assert_eq!(std::fs::read_dir(&model).unwrap().count(), 1);
}
