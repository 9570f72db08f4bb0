//! `tfbind-artifact verify` applies exactly the checks the readers apply: for every artifact,
//! hostile or not, it says ok if and only if a reader of the artifact's kind accepts it.

use std::path::Path;
use std::process::{Command, Output};

use tfbind_artifact::{kinds, Artifact, ArtifactBuilder, Kind, MANIFEST_FILE};

fn tfbind_artifact(args: &[&str], dirs: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-artifact"))
        .args(args)
        .args(dirs)
        .output()
        .unwrap()
}

fn build(dir: &Path, kind: Kind) {
    let b = ArtifactBuilder::new(dir, kind, Default::default(), vec![]).unwrap();
    std::fs::write(b.path("data.txt"), "hello").unwrap();
    std::fs::create_dir(b.path("sub")).unwrap();
    std::fs::write(b.path("sub/more.bin"), [1u8, 2]).unwrap();
    b.commit().unwrap();
}

fn replace_in_manifest(dir: &Path, from: &str, to: &str) {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{text}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Hostile artifacts (name, how to spoil a fresh `regions` artifact, what the error says).
type Spoil = fn(&Path);
const CASES: &[(&str, Spoil, &str)] = &[
    ("intact", |_| {}, ""),
    (
        "unknown-kind",
        |d| replace_in_manifest(d, "kind = \"regions\"", "kind = \"genome\""),
        // A reader expecting `regions` says so; verify, which expects any known kind, lists them.
        "'genome'",
    ),
    (
        "schema-999",
        |d| replace_in_manifest(d, "schema_version = 1", "schema_version = 999"),
        "schema version 999",
    ),
    (
        "unlisted-file",
        |d| std::fs::write(d.join("sub/stray.txt"), "x").unwrap(),
        "'sub/stray.txt' is not listed",
    ),
    (
        "file-missing-from-the-list",
        |d| replace_in_manifest(d, "name = \"data.txt\"", "name = \"sub/more.bin\""),
        "'data.txt' is not listed",
    ),
    (
        "listed-file-missing",
        |d| std::fs::remove_file(d.join("sub/more.bin")).unwrap(),
        "'sub/more.bin' listed in the manifest is missing",
    ),
    (
        "corrupt-file",
        |d| std::fs::write(d.join("data.txt"), "hellO").unwrap(),
        "sha256",
    ),
    (
        "entry-leaving-the-directory",
        |d| {
            std::fs::write(d.join("../outside.txt"), "hello").unwrap();
            replace_in_manifest(d, "name = \"data.txt\"", "name = \"../outside.txt\"");
            std::fs::remove_file(d.join("data.txt")).unwrap();
        },
        "'../outside.txt' has a '..' component",
    ),
    (
        "symlink-leaving-the-directory",
        |d| {
            std::fs::write(d.join("../outside.txt"), "hello").unwrap();
            std::fs::remove_file(d.join("data.txt")).unwrap();
            std::os::unix::fs::symlink(d.join("../outside.txt"), d.join("data.txt")).unwrap();
        },
        "symbolic link",
    ),
    (
        "no-manifest",
        |d| std::fs::remove_file(d.join(MANIFEST_FILE)).unwrap(),
        "no manifest.toml",
    ),
];

#[test]
fn verify_says_ok_exactly_when_the_reader_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    for &(name, spoil, needle) in CASES {
        let parent = tmp.path().join(name);
        let dir = parent.join("artifact");
        build(&dir, kinds::REGIONS);
        spoil(&dir);
        let reader = Artifact::open(&dir, kinds::REGIONS);
        let verify = tfbind_artifact(&["verify"], &[&dir]);
        let stderr = String::from_utf8_lossy(&verify.stderr);
        assert_eq!(
            verify.status.success(),
            reader.is_ok(),
            "{name}: verify {} but the reader says {:?}",
            stderr,
            reader.as_ref().err().map(ToString::to_string)
        );
        if needle.is_empty() {
            assert!(reader.is_ok(), "{name}");
            let stdout = String::from_utf8_lossy(&verify.stdout);
            assert!(stdout.starts_with("ok\t"), "{stdout}");
            assert!(stdout.contains("regions v1\t2 files"), "{stdout}");
        } else {
            assert_eq!(verify.status.code(), Some(1), "{name}: {stderr}");
            assert!(stderr.contains(needle), "{name}: {stderr}");
            let e = reader.err().unwrap().to_string();
            assert!(e.contains(needle), "{name}: the reader says {e}");
        }
        if name == "unknown-kind" {
            assert!(stderr.contains("unknown artifact kind 'genome'; this tfbind knows regions"));
        }
    }
}

#[test]
fn kinds_are_checked_and_many_artifacts_are_reported_together() {
    let tmp = tempfile::tempdir().unwrap();
    let regions = tmp.path().join("regions");
    let model = tmp.path().join("model");
    build(&regions, kinds::REGIONS);
    build(&model, kinds::MODEL);

    let out = tfbind_artifact(&["verify", "-q"], &[&regions, &model]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "-q prints only errors");

    let out = tfbind_artifact(&["verify", "--kind", "model"], &[&regions, &model]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("expected a 'model' artifact, found 'regions'"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 2 artifacts failed"), "{stderr}");

    let out = tfbind_artifact(
        &["verify", "--json"],
        &[&regions, &tmp.path().join("absent")],
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report[0]["ok"], true);
    assert_eq!(report[0]["kind"], "regions");
    assert_eq!(report[1]["ok"], false);
    assert!(report[1]["error"].as_str().unwrap().contains("absent"));

    // A kind this tfbind does not know is a usage error.
    let out = tfbind_artifact(&["verify", "--kind", "genome"], &[&regions]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("regions, windows, dataset, model, motifs"),
        "{stderr}"
    );
}

#[test]
fn show_prints_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a");
    build(&dir, kinds::DATASET);
    let out = tfbind_artifact(&["show"], &[&dir]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap()
    );
    let out = tfbind_artifact(&["show", "--json"], &[&dir]);
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(manifest["kind"], "dataset");
    assert_eq!(manifest["files"][0]["name"], "data.txt");
    let out = tfbind_artifact(&["show"], &[&tmp.path().join("absent")]);
    assert_eq!(out.status.code(), Some(1));
}
