//! The tfbind-select binary on a small hand-made `regions` artifact: files, report, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tfbind_artifact::ArtifactBuilder;
use tfbind_dataset::{LabelMatrix, Regions, Window, REGIONS};

/// Six windows × four TFs. Against T (bound in windows 0–2): A is bound exactly where T is
/// (cosine 1), B in two of T's three windows and one other (cosine 2/3), C never with T
/// (cosine 0); NA rows of a TF drop out of its pair only.
fn regions(dir: &Path) -> PathBuf {
    regions_named(dir, ["T", "A", "B", "C"])
}

/// [`regions`] with other names for T, A, B and C.
fn regions_named(dir: &Path, names: [&str; 4]) -> PathBuf {
    let names = names.map(String::from).to_vec();
    #[rustfmt::skip]
    let values = vec![
        1, 1, 1, 0,
        1, 1, 1, 0,
        1, 1, 0, -1,
        0, 0, 1, 1,
        0, 0, 0, 1,
        -1, 1, 1, 1,
    ];
    let windows = (0..6)
        .map(|i| Window {
            chrom: "chr1".into(),
            start: i * 200,
            end: i * 200 + 200,
            name: format!("r{i}"),
        })
        .collect();
    let out = dir.join("regions");
    let builder = ArtifactBuilder::new(&out, REGIONS, toml::Table::new(), vec![]).unwrap();
    Regions {
        windows,
        labels: LabelMatrix::from_values(names, values).unwrap(),
    }
    .write(builder.dir())
    .unwrap();
    builder.commit().unwrap();
    out
}

fn select(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tfbind-select"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_motif_strategy_finds_the_shipped_jaspar_from_any_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions_named(dir.path(), ["CTCF", "JUN", "CTCFL", "FOXA1"]);
    let out = dir.path().join("ctcf.txt");
    let o = Command::new(env!("CARGO_BIN_EXE_tfbind-select"))
        .current_dir(dir.path())
        .env_remove(tfbind_motifs::DATABASE_ENV)
        .args([
            "--regions",
            regions.to_str().unwrap(),
            "-s",
            "motif",
            "--target",
            "CTCF",
        ])
        .args(["-k", "1", "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "CTCFL\n");
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn writes_the_list_and_scores_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    let out = dir.path().join("lists/t.txt");
    let o = select(&[
        "--regions",
        regions.to_str().unwrap(),
        "--target",
        "T",
        "-k",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "A\nB\n");
    let scores = std::fs::read_to_string(dir.path().join("lists/t.txt.scores.tsv")).unwrap();
    let lines: Vec<&str> = scores.lines().collect();
    assert_eq!(
        lines[0],
        "rank\ttf\tcosine\tcobound_windows\tshared_windows"
    );
    assert_eq!(lines[1], "1\tA\t1\t3\t5");
    assert!(lines[2].starts_with("2\tB\t0.666666"), "{scores}");
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("cobinding for T: 2 of 3 candidate TFs"),
        "{stdout}"
    );
    assert!(stdout.contains("1     A"), "{stdout}");
}

#[test]
fn json_report_config_and_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    let config = dir.path().join("pipeline.toml");
    std::fs::write(
        &config,
        "[select]\nstrategy = \"low-cobinding\"\ntarget = \"T\"\nk = 1\n",
    )
    .unwrap();
    let out = dir.path().join("low.txt");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--regions",
            regions.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let o = select(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let json = run(&[]);
    assert_eq!(json["strategy"], "low-cobinding");
    assert_eq!(json["chosen"][0]["tf"], "C");
    assert_eq!(json["chosen"][0]["cosine"], 0.0);
    assert_eq!(json["scores"], format!("{}.scores.tsv", out.display()));

    let json = run(&["-k", "4", "--include-target", "-s", "fewest-na"]);
    let tfs: Vec<&str> = json["chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tf"].as_str().unwrap())
        .collect();
    // NA windows: A 0, T 1, B 0, C 1; ties by name.
    assert_eq!(tfs, ["A", "B", "C", "T"]);
    assert_eq!(json["chosen"][3]["na_windows"], 1);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "A\nB\nC\nT\n");
}

#[test]
fn exit_codes_tell_usage_from_data_errors() {
    let dir = tempfile::tempdir().unwrap();
    let regions = regions(dir.path());
    let regions = regions.to_str().unwrap();
    let out = dir.path().join("x.txt");
    let out = out.to_str().unwrap();

    let o = select(&["--regions", regions, "--target", "t", "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("unknown TF \"t\"") && stderr.contains("did you mean T"),
        "{stderr}"
    );

    let o = select(&["--regions", regions, "--out", out]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("needs a target"));

    let o = select(&["--regions", regions, "-t", "T", "-k", "4", "--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("cobinding can rank only 3 TFs but k is 4"));

    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    let o = select(&[
        "--regions",
        notes.to_str().unwrap(),
        "-t",
        "T",
        "--out",
        out,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("manifest.toml"));

    assert!(!Path::new(out).exists());
}
