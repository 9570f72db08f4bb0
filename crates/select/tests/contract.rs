//! What --out may be: never an input or a directory, so a run cannot replace what it reads or a
//! user's files; and config errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfbind_artifact::{Artifact, ArtifactBuilder};
use tfbind_dataset::{LabelMatrix, Regions, Window, REGIONS, WINDOWS};

/// A `regions` artifact of two windows × three TFs in `dir`.
fn regions(dir: &Path) -> PathBuf {
    let out = dir.join("regions");
    let builder = ArtifactBuilder::new(&out, REGIONS, toml::Table::new(), vec![]).unwrap();
    let names = ["T", "A", "B"].map(String::from).to_vec();
    Regions {
        windows: (0..2)
            .map(|i| Window {
                chrom: "chr1".into(),
                start: i * 200,
                end: i * 200 + 200,
                name: format!("r{i}"),
            })
            .collect(),
        labels: LabelMatrix::from_values(names, vec![1, 1, 0, 0, 1, 1]).unwrap(),
    }
    .write(builder.dir())
    .unwrap();
    builder.commit().unwrap();
    out
}

fn select(regions: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-select"))
        .arg("--regions")
        .arg(regions)
        .arg("--out")
        .arg(out)
        .args(["--target", "T", "-k", "1"])
        .args(extra)
        .output()
        .unwrap()
}

/// The error of a run that must fail with exit 1 or 2.
fn error(output: &Output) -> String {
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(matches!(output.status.code(), Some(1) | Some(2)), "{err}");
    err
}

/// The manifest checksum of an artifact whose every file is verified.
fn intact(dir: &Path, kind: tfbind_artifact::Kind) -> String {
    Artifact::open(dir, kind)
        .unwrap()
        .manifest_sha256()
        .to_string()
}

#[test]
fn out_may_not_be_the_input_artifact_or_one_of_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    let before = intact(&regions, REGIONS);
    std::fs::create_dir(dir.path().join("x")).unwrap();
    let spellings = [regions.clone(), dir.path().join("x/../regions")];
    for out in spellings.iter().chain([&regions.join("tfs.txt")]) {
        let err = error(&select(&regions, out, &[]));
        assert!(err.contains(&*out.to_string_lossy()), "{err}");
        assert!(err.contains(&*regions.to_string_lossy()), "{err}");
        assert_eq!(intact(&regions, REGIONS), before);
    }
    // Nor the config file, the motif file, or the list's own scores.
    let (config, motifs) = (dir.path().join("p.toml"), dir.path().join("m.meme"));
    std::fs::write(&config, "[select]\nk = 1\n").unwrap();
    std::fs::write(&motifs, "MEME version 4\n").unwrap();
    let runs = [
        (&config, vec!["--config", config.to_str().unwrap()]),
        (
            &motifs,
            vec!["-s", "motif", "--motifs", motifs.to_str().unwrap()],
        ),
    ];
    for (input, extra) in runs {
        let text = std::fs::read(input).unwrap();
        let err = error(&select(&regions, input, &extra));
        assert!(err.contains("the output is the input"), "{err}");
        assert_eq!(std::fs::read(input).unwrap(), text);
    }
    let scores_of = dir.path().join("a.txt.scores.tsv");
    let err = error(&select(&scores_of, &dir.path().join("a.txt"), &[]));
    assert!(
        err.contains("a.txt.scores.tsv: the output is the input"),
        "{err}"
    );
}

#[test]
fn a_directory_is_never_replaced_by_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    // A user's directory with a manifest.toml of its own, and an artifact of another kind.
    let thesis = dir.path().join("thesis");
    std::fs::create_dir(&thesis).unwrap();
    std::fs::write(thesis.join("manifest.toml"), "title = \"my thesis\"\n").unwrap();
    std::fs::write(thesis.join("chapter1.tex"), "One").unwrap();
    let other = dir.path().join("w.windows");
    let builder = ArtifactBuilder::new(&other, WINDOWS, toml::Table::new(), vec![]).unwrap();
    std::fs::write(builder.path("windows.bed"), "chr1\t0\t200\tr0\n").unwrap();
    let before = builder.commit().unwrap().manifest_sha256().to_string();
    for out in [&thesis, &other] {
        let err = error(&select(&regions, out, &[]));
        assert!(
            err.contains(&format!("{}: is a directory", out.display())),
            "{err}"
        );
    }
    let manifest = std::fs::read_to_string(thesis.join("manifest.toml")).unwrap();
    assert_eq!(manifest, "title = \"my thesis\"\n");
    assert_eq!(
        std::fs::read_to_string(thesis.join("chapter1.tex")).unwrap(),
        "One"
    );
    assert_eq!(std::fs::read_dir(&thesis).unwrap().count(), 2);
    assert_eq!(intact(&other, WINDOWS), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no scores written"
    );
}

#[test]
fn a_wrong_typed_config_key_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    let config = dir.path().join("p.toml");
    std::fs::write(&config, "[select]\nseed = 1\nmin_bound = \"five\"\n").unwrap();
    let out = dir.path().join("tfs.txt");
    let output = select(&regions, &out, &["--config", config.to_str().unwrap()]);
    let err = error(&output);
    assert_eq!(output.status.code(), Some(2), "{err}");
    let at = format!("{}:3: [select] key `min_bound`", config.display());
    assert!(err.contains(&at), "{err}");
    assert!(!out.exists());
}
