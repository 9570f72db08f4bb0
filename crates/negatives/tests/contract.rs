//! The stage contract through the binary, on the tiny fixture (no shared data needed): what
//! `--out` may replace, and config errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{fixture, stderr, write_regions};
use tfbind_artifact::Artifact;
use tfbind_dataset::{Regions, REGIONS, WINDOWS};

struct Tiny {
    dir: tempfile::TempDir,
    regions: PathBuf,
    genome: PathBuf,
}

impl Tiny {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (regions, genome) = fixture(dir.path());
        Self {
            dir,
            regions,
            genome,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs single-task TF "A" into `out`.
    fn run(&self, out: &Path, extra: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_tfbind-negatives"))
            .arg("--regions")
            .arg(&self.regions)
            .arg("--genome")
            .arg(&self.genome)
            .arg("--out")
            .arg(out)
            .args(["--tf", "A", "--quiet"])
            .args(extra)
            .output()
            .unwrap()
    }
}

/// Exit 1 or 2, with every needle in the error.
fn refused(output: &Output, needles: &[&str]) {
    let err = stderr(output);
    assert!(matches!(output.status.code(), Some(1 | 2)), "{err}");
    assert!(
        needles.iter().all(|n| err.contains(n)),
        "{needles:?} not all in: {err}"
    );
}

/// The manifest's bytes, once every file of the artifact is verified against it.
fn intact(dir: &Path, kind: tfbind_artifact::Kind) -> Vec<u8> {
    Artifact::open(dir, kind).unwrap();
    std::fs::read(dir.join("manifest.toml")).unwrap()
}

#[test]
fn out_may_not_be_the_input_artifact() {
    let t = Tiny::new();
    let before = intact(&t.regions, REGIONS);
    // Another spelling of the same directory.
    let out = t.path("sub/../regions");
    std::fs::create_dir(t.path("sub")).unwrap();
    let output = t.run(&out, &["--force"]);
    refused(
        &output,
        &[&out.display().to_string(), &t.regions.display().to_string()],
    );
    // Nor a directory inside it, nor the genome.
    refused(&t.run(&t.regions.join("w"), &[]), &["lies inside"]);
    assert_eq!(intact(&t.regions, REGIONS), before);
    let genome = std::fs::read(&t.genome).unwrap();
    refused(
        &t.run(&t.genome, &["--force"]),
        &["genome.fa", "is the input"],
    );
    assert_eq!(std::fs::read(&t.genome).unwrap(), genome);
}

#[test]
fn a_user_directory_with_its_own_manifest_is_never_replaced() {
    let t = Tiny::new();
    let (out, notes) = (t.path("thesis"), "title = \"my thesis\"\n");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("manifest.toml"), notes).unwrap();
    std::fs::write(out.join("chapter1.tex"), "One").unwrap();
    for extra in [&[][..], &["--force"]] {
        refused(&t.run(&out, extra), &["thesis", "not a tfbind artifact"]);
    }
    assert_eq!(
        std::fs::read_to_string(out.join("manifest.toml")).unwrap(),
        notes
    );
    assert_eq!(
        std::fs::read_to_string(out.join("chapter1.tex")).unwrap(),
        "One"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 2);
}

#[test]
fn an_artifact_of_another_kind_is_replaced_only_with_force() {
    let t = Tiny::new();
    let out = t.path("other.regions");
    let regions = Regions::read(&Artifact::open(&t.regions, REGIONS).unwrap()).unwrap();
    write_regions(&out, &regions);
    let before = intact(&out, REGIONS);
    refused(&t.run(&out, &[]), &["'regions'", "--force"]);
    assert_eq!(intact(&out, REGIONS), before);
    let output = t.run(&out, &["--force"]);
    assert!(output.status.success(), "{}", stderr(&output));
    Artifact::open(&out, WINDOWS).unwrap();
}

#[test]
fn a_wrong_typed_config_key_names_file_line_and_key() {
    let t = Tiny::new();
    let config = t.path("pipeline.toml");
    std::fs::write(&config, "[negatives]\nseed = 1\n\nratio = \"two\"\n").unwrap();
    let out = t.path("w");
    let output = t.run(&out, &["--config", config.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}:4:", config.display())) && err.contains("ratio"),
        "{err}"
    );
    assert!(!out.exists());
}
