//! Bad input: each case is a one-line error naming the file (and line), a non-zero exit, and no
//! output directory (nor a temporary one) left behind.

mod common;

use std::path::Path;

use common::{encode, encode_to, example_windows, stderr, write_windows};
use tfbind_dataset::{LabelMatrix, Synthetic, Windows};

/// Runs the binary on `windows` written to a fresh directory, with the example genome and a
/// random split unless `extra` says otherwise, expecting failure with `code`.
fn fails(windows: &Windows, extra: &[&str], code: i32, expected: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_windows(tmp.path(), windows);
    fails_on(tmp.path(), &dir, extra, code, expected);
}

fn fails_on(tmp: &Path, windows: &Path, extra: &[&str], code: i32, expected: &[&str]) {
    let mut args = extra.to_vec();
    if !extra.contains(&"--split") {
        args.extend(["--split", "random"]);
    }
    let run = encode_to(windows, &tmp.join("dataset"), &args);
    let err = stderr(&run);
    assert_eq!(run.status.code(), Some(code), "{err}");
    for e in expected {
        assert!(err.contains(e), "stderr lacks {e:?}: {err}");
    }
    let error_lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(error_lines.len(), 1, "{err}");
    let left: Vec<String> = std::fs::read_dir(tmp)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("dataset"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

fn windows() -> Windows {
    example_windows(1000)
}

#[test]
fn windows_of_different_lengths() {
    let mut w = windows();
    w.windows[2].end += 1;
    fails(&w, &[], 1, &["windows.bed:3:", "201 bp", "same length"]);
}

#[test]
fn chromosome_missing_from_the_genome() {
    let mut w = windows();
    w.windows[4].chrom = "chr1".into();
    fails(
        &w,
        &[],
        1,
        &["windows.bed:5:", "unknown chromosome \"chr1\""],
    );
}

#[test]
fn window_off_the_chromosome_end() {
    let mut w = windows();
    w.windows[1].chrom = "chr21".into();
    w.windows[1].start = 46_709_900;
    w.windows[1].end = 46_710_100;
    fails(&w, &[], 1, &["windows.bed:2:", "runs off the end of chr21"]);
}

#[test]
fn empty_windows() {
    let w = Windows {
        windows: vec![],
        labels: LabelMatrix::from_values(vec!["JUND".into()], vec![]).unwrap(),
        synthetic: None,
    };
    fails(&w, &[], 1, &["windows.bed", "no windows"]);
}

#[test]
fn synthetic_sequences_of_another_length() {
    let mut w = windows();
    w.synthetic = Some(Synthetic {
        rows: vec![0],
        codes: vec![0; 100],
        len: 100,
    });
    fails(&w, &[], 1, &["synthetic.safetensors", "100 bp", "200 bp"]);
}

#[test]
fn corrupted_windows_artifact() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_windows(tmp.path(), &windows());
    let labels = dir.join("labels.safetensors");
    let mut bytes = std::fs::read(&labels).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&labels, bytes).unwrap();
    fails_on(tmp.path(), &dir, &[], 1, &["labels.safetensors", "corrupt"]);
}

#[test]
fn wrong_artifact_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_windows(tmp.path(), &windows());
    let manifest = dir.join("manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("kind = \"windows\"", "kind = \"regions\""),
    )
    .unwrap();
    fails_on(tmp.path(), &dir, &[], 1, &["expected a 'windows' artifact"]);
}

#[test]
fn plain_gzip_genome() {
    let tmp = tempfile::tempdir().unwrap();
    let genome = tmp.path().join("genome.fa.gz");
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(&genome).unwrap(),
        flate2::Compression::fast(),
    );
    std::io::Write::write_all(&mut gz, b">chr21\nACGT\n").unwrap();
    gz.finish().unwrap();
    let dir = write_windows(tmp.path(), &windows());
    fails_on(
        tmp.path(),
        &dir,
        &["--genome", genome.to_str().unwrap()],
        1,
        &["genome.fa.gz", "not bgzip"],
    );
}

#[test]
fn usage_errors_exit_2() {
    for (extra, message) in [
        (&["--split", "bogus"][..], "bogus"),
        (
            &[
                "--split",
                "chromosome",
                "--valid-chroms",
                "chr21",
                "--test-chroms",
                "chr21",
            ],
            "both",
        ),
        (
            &["--valid-fraction", "0.6", "--test-fraction", "0.5"],
            "fraction",
        ),
    ] {
        fails(&windows(), extra, 2, &[message]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = write_windows(tmp.path(), &windows());
    let out = tmp.path().join("dataset");
    let run = encode(&[
        "--windows",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(stderr(&run).contains("no genome"), "{}", stderr(&run));
}

#[test]
fn help_documents_every_option() {
    let run = encode(&["--help"]);
    assert!(run.status.success());
    let help = String::from_utf8(run.stdout).unwrap();
    for flag in [
        "--windows",
        "--genome",
        "--out",
        "--config",
        "--split",
        "--valid-chroms",
        "--test-chroms",
        "--valid-fraction",
        "--test-fraction",
        "--seed",
        "--drop-n",
        "--keep-n",
        "--force",
        "--threads",
        "--json",
        "--quiet",
        "--verbose",
        "dataset.safetensors",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
}

#[test]
fn empty_window() {
    let mut w = windows();
    w.windows[0].end = w.windows[0].start;
    fails(&w, &[], 1, &["windows.bed:1:", "is empty"]);
}

#[test]
fn drop_n_leaving_nothing() {
    // Row 0, then the four windows of the example that hold N.
    let w = example_windows(usize::MAX);
    assert_eq!(w.windows.len(), 5);
    let rows = [1, 2, 3, 4];
    let w = Windows {
        windows: rows.iter().map(|&r| w.windows[r].clone()).collect(),
        labels: w.labels.select(&rows, &[0, 1, 2]),
        synthetic: None,
    };
    fails(&w, &["--drop-n"], 1, &["all 4 windows contain N"]);
}
