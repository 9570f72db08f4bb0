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

/// A tiny experiment on the shipped example data (a hashed split: it holds chr21 and chr22 only)
/// whose two models are interpreted: the tables name what they measure, scratch has no parent,
/// the pre-trained condition is compared with its parent, and a rerun reuses both artifacts.
#[test]
fn interpret_measures_the_models_of_a_tiny_experiment_and_reuses_them() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/example");
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[bundle]\ndir = {example:?}\n\n[split]\nmethod = \"hashed\"\nvalid_fraction = 0.1\n\
         test_fraction = 0.2\n\n[experiment]\ntargets = [\"JUND\"]\nsizes = [100]\nseeds = [1]\n\
         thin = 8\npretrain_epochs = 1\nfinetune_epochs = 1\nwork = \"work\"\n\n\
         [[condition]]\nname = \"scratch\"\nkind = \"scratch\"\n\n\
         [[condition]]\nname = \"ap1\"\nkind = \"tfs\"\ntfs = [\"JUN\", \"FOS\", \"ATF3\"]\n"
    );
    std::fs::write(dir.path().join("e.toml"), config).unwrap();
    let ok = |out: &Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    ok(&run(&["run", "--config", "e.toml", "-q"], dir.path()));
    let interpret = || {
        let args = [
            "interpret",
            "--config",
            "e.toml",
            "--windows",
            "20",
            "--json",
        ];
        let out = run(&args, dir.path());
        ok(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let first = interpret();
    assert_eq!(
        (first["models"].as_u64(), first["built"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(first["size"].as_u64(), Some(100));
    let again = interpret();
    assert_eq!(
        (again["built"].as_u64(), again["up_to_date"].as_u64()),
        (Some(0), Some(2))
    );

    let results = dir.path().join("work/results");
    let tsv = std::fs::read_to_string(results.join("interpretation.tsv")).unwrap();
    let mut lines = tsv.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    let cell =
        |row: &[&str], name: &str| row[header.iter().position(|h| *h == name).unwrap()].to_string();
    let keys: Vec<(String, String)> = rows
        .iter()
        .map(|r| (cell(r, "target"), cell(r, "condition")))
        .collect();
    let key = |t: &str, c: &str| (t.to_string(), c.to_string());
    assert_eq!(
        keys,
        [
            key("JUND", "scratch"),
            key("JUND", "ap1"),
            key("all", "scratch"),
            key("all", "ap1")
        ]
    );
    assert_eq!(
        cell(&rows[0], "filters_matching_before"),
        "NA",
        "scratch has no parent"
    );
    for row in &rows[..2] {
        let share = |name| cell(row, name).parse::<f64>().unwrap();
        let (family, other) = (share("family_seqlet_share"), share("other_seqlet_share"));
        assert!((0.0..=1.0).contains(&(family + other)), "{row:?}");
        assert!(share("seqlets") > 0.0, "{row:?}");
    }
    let before: f64 = cell(&rows[1], "filters_matching_before").parse().unwrap();
    assert!(before >= 0.0);
    let md = std::fs::read_to_string(results.join("interpretation.md")).unwrap();
    for heading in ["## 1. Refinement", "## 2. Features beyond the target motif"] {
        assert!(md.contains(heading), "{md}");
    }
    assert!(
        md.contains("FOS::JUN"),
        "JUND's family holds the AP-1 dimers: {md}"
    );
    // The pre-trained condition was compared with the model it was fine-tuned from.
    let manifest = dir
        .path()
        .join("work/interpret/JUND/100-1/ap1/manifest.toml");
    let manifest = std::fs::read_to_string(manifest).unwrap();
    assert!(manifest.contains("work/pretrain/ap1/model"), "{manifest}");

    let out = run(
        &["interpret", "--config", "e.toml", "--size", "7"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--size 7 is not among"));
}
