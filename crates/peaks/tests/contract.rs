//! The stage contract through the binary: what `--out` may replace, and config errors.

use std::path::Path;
use std::process::{Command, Output};

use tfbind_artifact::{Artifact, ArtifactBuilder};
use tfbind_dataset::{REGIONS, WINDOWS};

/// A genome of chr1 (1,000 bp), a peak file and an import matrix in a scratch directory.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("genome.fa", &format!(">chr1\n{}\n", "ACGT".repeat(250)));
    write("A.bed", "chr1\t100\t200\n");
    write("w.bed", "chr1\t0\t200\tw1\n");
    write("labels.tsv", "region\tA\nw1\t1\n");
    dir
}

fn peaks(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-peaks"))
        .args(args)
        .arg("-q")
        .current_dir(dir)
        .output()
        .unwrap()
}

fn build(dir: &Path, out: &str, extra: &[&str]) -> Output {
    let args = [
        &["build", "--genome", "genome.fa", "A.bed", "--out", out],
        extra,
    ]
    .concat();
    peaks(dir, &args)
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Exit 1 or 2, with every needle in the error line.
fn refused(output: &Output, needles: &[&str]) {
    let err = stderr(output);
    assert!(
        output.status.code() == Some(1) || output.status.code() == Some(2),
        "{err}"
    );
    let missing: Vec<_> = needles.iter().filter(|n| !err.contains(*n)).collect();
    assert!(missing.is_empty(), "{missing:?} not in: {err}");
}

/// The bytes of the scratch directory's input files.
fn inputs(dir: &Path) -> Vec<Vec<u8>> {
    ["A.bed", "genome.fa", "genome.fa.fai", "w.bed", "labels.tsv"]
        .map(|name| std::fs::read(dir.join(name)).unwrap())
        .to_vec()
}

#[test]
fn out_may_not_be_an_input() {
    let s = scratch();
    // A run that builds the genome's .fai first, so that only a refused run could change a file.
    assert!(build(s.path(), "ok", &[]).status.success());
    let before = inputs(s.path());
    for (out, input) in [
        ("A.bed", "A.bed"),
        ("./genome.fa", "genome.fa"),
        ("A.bed/x", "A.bed"),
        (".", "A.bed"),
    ] {
        refused(&build(s.path(), out, &["--force"]), &[out, input]);
    }
    let import: Vec<&str> = "import --windows w.bed --labels labels.tsv --out labels.tsv"
        .split(' ')
        .collect();
    let output = peaks(s.path(), &import);
    refused(&output, &["labels.tsv", "the output is the input"]);
    assert_eq!(inputs(s.path()), before);
}

#[test]
fn a_user_directory_with_its_own_manifest_is_never_replaced() {
    let s = scratch();
    let thesis = s.path().join("thesis");
    std::fs::create_dir(&thesis).unwrap();
    let files = [
        ("manifest.toml", "[book]\ntitle = \"thesis\"\n"),
        ("notes.md", "# Notes\n"),
    ];
    for (name, text) in files {
        std::fs::write(thesis.join(name), text).unwrap();
    }
    for force in [false, true] {
        let extra: &[&str] = if force { &["--force"] } else { &[] };
        refused(
            &build(s.path(), "thesis", extra),
            &["thesis", "not a tfbind artifact"],
        );
    }
    for (name, text) in files {
        assert_eq!(std::fs::read_to_string(thesis.join(name)).unwrap(), text);
    }
    assert_eq!(std::fs::read_dir(&thesis).unwrap().count(), 2);
}

#[test]
fn an_artifact_of_another_kind_is_replaced_only_with_force() {
    let s = scratch();
    let out = s.path().join("w.windows");
    let builder = ArtifactBuilder::new(&out, WINDOWS, toml::Table::new(), vec![]).unwrap();
    std::fs::write(builder.path("windows.bed"), "chr1\t0\t200\tw1\n").unwrap();
    let before = builder.commit().unwrap().manifest_sha256().to_string();
    refused(
        &build(s.path(), "w.windows", &[]),
        &["'windows'", "--force"],
    );
    assert_eq!(
        Artifact::open(&out, WINDOWS).unwrap().manifest_sha256(),
        before
    );
    let output = build(s.path(), "w.windows", &["--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    Artifact::open(&out, REGIONS).unwrap();
}

#[test]
fn a_wrong_typed_config_key_names_file_line_and_key() {
    let s = scratch();
    std::fs::write(
        s.path().join("p.toml"),
        "[peaks]\nassign = \"best\"\nwidth = \"wide\"\n",
    )
    .unwrap();
    let output = build(s.path(), "out", &["--config", "p.toml"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(err.contains("p.toml:3:") && err.contains("width"), "{err}");
    assert!(!s.path().join("out").exists());
}
