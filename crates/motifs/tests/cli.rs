//! The `tfbind-tomtom` binary: output, exit codes and error messages.

use std::{path::PathBuf, process::Command};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tfbind-tomtom"))
}

/// The output of a run that must succeed.
fn succeeded(out: std::process::Output) -> std::process::Output {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn jaspar() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme")
}

/// The first `n` motifs of JASPAR as a MEME file.
fn first_motifs(dir: &tempfile::TempDir, n: usize) -> PathBuf {
    let motifs = tfbind_motifs::read_meme(jaspar()).unwrap();
    let path = dir.path().join("queries.meme");
    tfbind_motifs::write_meme(&path, &motifs[..n]).unwrap();
    path
}

#[test]
fn writes_tomtoms_table_with_each_query_matching_itself_first() {
    let dir = tempfile::tempdir().unwrap();
    let queries = first_motifs(&dir, 3);
    let out = dir.path().join("out.tsv");
    let status = bin()
        .arg(&queries)
        .arg(jaspar())
        .arg("-o")
        .arg(&out)
        .args(["--threads", "2", "-q"])
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Query_ID\tTarget_ID\tOptimal_offset\tp-value\tE-value\tq-value\tOverlap\tQuery_consensus\tTarget_consensus\tOrientation"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split('\t').collect()).collect();
    assert!(rows.iter().all(|r| r.len() == 10));
    for id in ["MA0002.3", "MA0003.5", "MA0004.1"] {
        let first = rows
            .iter()
            .find(|r| r[0] == id)
            .expect("every query has a match");
        assert_eq!((first[1], first[2], first[9]), (id, "0", "+"), "{first:?}");
        assert_eq!(first[7], first[8], "a motif's consensus is its own");
    }
    // The default threshold is q ≤ 0.5.
    assert!(rows.iter().all(|r| r[5].parse::<f64>().unwrap() <= 0.5));
    // Written under a temporary name and renamed: nothing else is left beside it.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["out.tsv", "queries.meme"]);
}

#[test]
fn a_table_that_cannot_be_put_in_place_is_an_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let queries = first_motifs(&dir, 1);
    // A directory stands where the table should go: the rename onto it fails.
    let out = dir.path().join("taken");
    std::fs::create_dir(&out).unwrap();
    let run = bin()
        .arg(&queries)
        .arg(jaspar())
        .arg("-o")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("taken"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary file left"
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}

#[test]
fn evalue_threshold_and_table_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let queries = first_motifs(&dir, 2);
    let out = bin()
        .arg(&queries)
        .arg(jaspar())
        .args([
            "--dist",
            "ed",
            "--evalue",
            "--thresh",
            "0.01",
            "--min-overlap",
            "5",
        ])
        .output()
        .unwrap();
    let out = succeeded(out);
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert!(!rows.is_empty());
    for row in rows {
        let f: Vec<&str> = row.split('\t').collect();
        assert!(f[4].parse::<f64>().unwrap() <= 0.01, "{row}");
        assert!(f[6].parse::<usize>().unwrap() >= 4, "{row}");
    }
}

#[test]
fn bad_data_exits_1_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.meme");
    std::fs::write(
        &bad,
        "MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0 0\n0.5 0.5\n",
    )
    .unwrap();
    let out = bin().arg(&bad).arg(jaspar()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.meme:6:"), "{stderr}");

    let missing = dir.path().join("missing.meme");
    let out = bin().arg(jaspar()).arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.meme"));
}

#[test]
fn bad_usage_exits_2() {
    let j = jaspar();
    for args in [
        vec!["--dist", "kl"],
        vec!["--min-overlap", "0"],
        vec!["--thresh", "-1"],
        vec!["--no-such-flag"],
        vec!["--json"],
    ] {
        let out = bin().arg(&j).arg(&j).args(&args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = bin().output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_describes_every_option() {
    let out = bin().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--output",
        "--dist",
        "--min-overlap",
        "--thresh",
        "--evalue",
        "--norc",
        "--threads",
        "pearson",
        "ed",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn the_table_is_never_written_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let queries = first_motifs(&dir, 2);
    let before = std::fs::read(&queries).unwrap();
    // The same file spelled another way is still the query file.
    let same = dir.path().join(".").join("queries.meme");
    for out in [&queries, &same] {
        let run = bin()
            .arg(&queries)
            .arg(jaspar())
            .arg("-o")
            .arg(out)
            .arg("-q")
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(
            stderr.contains("is the input") && stderr.contains("queries.meme"),
            "{stderr}"
        );
        assert_eq!(
            std::fs::read(&queries).unwrap(),
            before,
            "the query file is untouched"
        );
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "nothing written beside it");
}

#[test]
fn euclidean_is_spelled_as_in_config_files_or_as_tomtom_does() {
    let dir = tempfile::tempdir().unwrap();
    let queries = first_motifs(&dir, 2);
    let table = |dist: &str| {
        let run = bin()
            .arg(&queries)
            .arg(jaspar())
            .args(["--dist", dist])
            .output();
        succeeded(run.unwrap()).stdout
    };
    assert_eq!(table("euclidean"), table("ed"));
    assert_ne!(table("euclidean"), table("pearson"));
    let out = bin()
        .arg(&queries)
        .arg(jaspar())
        .args(["--dist", "kl"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("[possible values: pearson, ed, euclidean]"),
        "{stderr}"
    );
}
