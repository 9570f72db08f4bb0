//! Test support shared by the training, pre-training and prediction tests (included by path):
//! small `dataset` artifacts of real sequence from `data/example/`, and the Python oracles.
#![allow(dead_code)] // Each test crate that includes this file uses part of it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use tfbind_artifact::ArtifactBuilder;
use tfbind_dataset::{Dataset, LabelMatrix, Split, Window, DATASET};
use tfbind_genome::{Genome, Interval};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python of the test virtual environment (PyTorch, scikit-learn, safetensors), or `None`
/// with a printed reason to skip; with `TFBIND_REQUIRE_ORACLES=1` a missing venv fails the test.
pub fn oracle_python() -> Option<PathBuf> {
    let python = repo_root().join(".venv/bin/python");
    if python.exists() {
        return Some(python);
    }
    let reason = format!(
        "{} is missing (run scripts/setup.sh --test)",
        python.display()
    );
    if std::env::var("TFBIND_REQUIRE_ORACLES").as_deref() == Ok("1") {
        panic!("TFBIND_REQUIRE_ORACLES=1 but {reason}");
    }
    eprintln!("skipping the oracle comparison: {reason}");
    None
}

/// Runs a Python script with arguments; panics with its stderr unless it succeeds; returns stdout.
pub fn run_python<S: AsRef<std::ffi::OsStr>>(python: &Path, script: &str, args: &[S]) -> String {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn gz_lines(path: &Path) -> impl Iterator<Item = String> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    BufReader::new(flate2::read::MultiGzDecoder::new(file))
        .lines()
        .map(|l| l.expect("readable gzip text"))
}

/// Writes a `dataset` artifact at `out` from `data/example/`: every `every`-th window that has a
/// label for at least one of `tasks`, with real sequence; chr21 windows train, chr22 windows
/// alternate between validation and test. Returns the dataset as written.
pub fn example_dataset(out: &Path, tasks: &[&str], every: usize) -> Dataset {
    let example = repo_root().join("data/example");
    let mut labels_lines = gz_lines(&example.join("labels.tsv.gz"));
    let header: Vec<String> = labels_lines
        .next()
        .expect("a header")
        .split('\t')
        .map(str::to_string)
        .collect();
    let columns: Vec<usize> = tasks
        .iter()
        .map(|t| header.iter().position(|h| h == t).expect("task in labels"))
        .collect();
    let mut windows = Vec::new();
    let mut values = Vec::new();
    let mut split = Vec::new();
    let mut labelled = 0usize;
    for (bed, row) in gz_lines(&example.join("regions.bed.gz")).zip(labels_lines) {
        let fields: Vec<&str> = row.split('\t').collect();
        let labels: Vec<i8> = columns
            .iter()
            .map(|&c| match fields[c] {
                "1" => 1,
                "0" => 0,
                _ => -1,
            })
            .collect();
        if labels.iter().all(|&l| l < 0) {
            continue;
        }
        labelled += 1;
        if !labelled.is_multiple_of(every) {
            continue;
        }
        let b: Vec<&str> = bed.split('\t').collect();
        let window = Window {
            chrom: b[0].to_string(),
            start: b[1].parse().unwrap(),
            end: b[2].parse().unwrap(),
            name: b[3].to_string(),
        };
        split.push(match (window.chrom.as_str(), windows.len() % 2) {
            ("chr21", _) => Split::Train,
            (_, 0) => Split::Valid,
            _ => Split::Test,
        });
        windows.push(window);
        values.extend(labels);
    }
    let genome = Genome::open(example.join("genome.fa.gz")).expect("example genome");
    let intervals: Vec<Interval> = windows
        .iter()
        .map(|w| Interval::new(w.chrom.clone(), w.start, w.end))
        .collect();
    let sequences = genome.fetch_codes(&intervals, 200).expect("sequences");
    let names = tasks.iter().map(|t| t.to_string()).collect();
    let dataset = Dataset {
        windows,
        labels: LabelMatrix::from_values(names, values).expect("a full matrix"),
        sequences,
        seq_len: 200,
        split,
    };
    let builder = ArtifactBuilder::new(out, DATASET, toml::Table::new(), vec![]).unwrap();
    dataset.write(builder.dir()).unwrap();
    builder.commit().unwrap();
    dataset
}
