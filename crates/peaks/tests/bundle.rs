//! The shared hg38 chr19–22 bundle: labels built from its peak files over its DHS windows must
//! reproduce its label matrix, and importing the matrix must reproduce its counts.

use std::{
    collections::{BTreeMap, BTreeSet},
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::Command,
};

use tfbind_artifact::testing::{shared_bundle, shared_bundle_dir};
use tfbind_artifact::Artifact;
use tfbind_dataset::{Regions, BOUND, REGIONS};

/// A file of the bundle (each test checks first that the bundle is there).
fn bundle(name: &str) -> PathBuf {
    shared_bundle_dir().join(name)
}

fn run(args: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_tfbind-peaks"))
        .args(args)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `build` over the bundle's DHS windows and peaks; returns the artifact's windows and labels.
fn build(out: &Path, assign: &str) -> Regions {
    let (genome, regions, peaks, out_s) = (
        bundle("genome.fa.gz"),
        bundle("regions.bed.gz"),
        bundle("peaks"),
        out.display().to_string(),
    );
    run(&[
        "build",
        "--genome",
        genome.to_str().unwrap(),
        "--regions",
        regions.to_str().unwrap(),
        peaks.to_str().unwrap(),
        "--assign",
        assign,
        "--out",
        &out_s,
    ]);
    Regions::read(&Artifact::open(out, REGIONS).unwrap()).unwrap()
}

/// The (window name, TF) pairs labelled 1.
fn bound_pairs(r: &Regions) -> BTreeSet<(String, String)> {
    let names = r.labels.names();
    let mut pairs = BTreeSet::new();
    for (row, w) in r.windows.iter().enumerate() {
        for (col, &v) in r.labels.row(row).iter().enumerate() {
            if v == BOUND {
                pairs.insert((w.name.clone(), names[col].clone()));
            }
        }
    }
    pairs
}

/// The 1s of the bundle's labels.tsv.gz, read independently of tfbind-peaks.
fn bundle_bound_pairs() -> BTreeSet<(String, String)> {
    let file = std::fs::File::open(bundle("labels.tsv.gz")).unwrap();
    let mut lines = BufReader::new(flate2::read::MultiGzDecoder::new(file)).lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .unwrap()
        .split('\t')
        .map(str::to_owned)
        .collect();
    let mut pairs = BTreeSet::new();
    for line in lines {
        let line = line.unwrap();
        let mut fields = line.split('\t');
        let region = fields.next().unwrap().to_owned();
        for (col, v) in fields.enumerate() {
            if v == "1" {
                pairs.insert((region.clone(), header[col + 1].clone()));
            }
        }
    }
    pairs
}

#[test]
fn best_assignment_reproduces_the_bundle_labels_and_summits_add_twenty() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let best = build(&tmp.path().join("best"), "best");
    assert_eq!(best.windows.len(), 144_015);
    assert_eq!(best.labels.n_cols(), 162);
    let expected = bundle_bound_pairs();
    assert_eq!(expected.len(), 183_273);
    let got = bound_pairs(&best);
    let missing: Vec<_> = expected.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&expected).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    // Windows keep the bundle's names, coordinates and order (the BED is in genome order).
    let file = std::fs::File::open(bundle("regions.bed.gz")).unwrap();
    let bed = BufReader::new(flate2::read::MultiGzDecoder::new(file));
    for (line, w) in bed.lines().zip(&best.windows) {
        let line = line.unwrap();
        assert_eq!(
            line,
            format!("{}\t{}\t{}\t{}", w.chrom, w.start, w.end, w.name)
        );
    }

    let summit = build(&tmp.path().join("summit"), "summit");
    let with_summits = bound_pairs(&summit);
    assert_eq!(with_summits.len(), 183_293);
    assert!(with_summits.is_superset(&got));
    let extra_tfs: BTreeSet<&str> = with_summits
        .difference(&got)
        .map(|(_, tf)| tf.as_str())
        .collect();
    assert_eq!(extra_tfs.len(), 17, "{extra_tfs:?}");
}

#[test]
fn import_reproduces_the_bundle_counts() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("imported");
    let (windows, labels, genome) = (
        bundle("regions.bed.gz"),
        bundle("labels.tsv.gz"),
        bundle("genome.fa.gz"),
    );
    run(&[
        "import",
        "--windows",
        windows.to_str().unwrap(),
        "--labels",
        labels.to_str().unwrap(),
        "--genome",
        genome.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let r = Regions::read(&Artifact::open(&out, REGIONS).unwrap()).unwrap();
    let mut got: BTreeMap<String, [u64; 3]> = BTreeMap::new();
    for (col, tf) in r.labels.names().iter().enumerate() {
        let mut counts = [0u64; 3];
        for v in r.labels.column(col) {
            counts[match v {
                1 => 0,
                0 => 1,
                _ => 2,
            }] += 1;
        }
        got.insert(tf.clone(), counts);
    }
    let text = std::fs::read_to_string(bundle("counts.tsv")).unwrap();
    let expected: BTreeMap<String, [u64; 3]> = text
        .lines()
        .skip(1)
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let n = |i: usize| f[i].parse::<u64>().unwrap();
            (f[0].to_owned(), [n(1), n(2), n(3)])
        })
        .collect();
    assert_eq!(expected.len(), 162);
    assert_eq!(got, expected);
    // Matrix order is the TSV's: its header is alphabetical.
    assert!(r.labels.names().windows(2).all(|w| w[0] < w[1]));
}
