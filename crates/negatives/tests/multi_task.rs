//! Multi-task datasets and window exclusion on the real chr19–22 bundle, through the binary.

mod common;

use std::collections::HashSet;
use std::path::Path;

use common::*;
use tfbind_artifact::testing::shared_bundle;
use tfbind_artifact::ArtifactBuilder;
use tfbind_dataset::{Dataset, LabelMatrix, Split, DATASET};

fn coords(w: &tfbind_dataset::Window) -> (String, u64, u64) {
    (w.chrom.clone(), w.start, w.end)
}

/// The windows of the bundle carrying some N, with their N count (found with a Python scan of
/// genome.fa.gz; the bundle's README says 5 windows hold N).
const N_WINDOWS: [(&str, u32); 5] = [
    ("r798693", 9),
    ("r1001509", 2),
    ("r1019249", 1),
    ("r1024510", 1),
    ("r1024511", 1),
];

#[test]
fn multi_task_keeps_na_as_a_mask_and_drops_only_all_na_windows() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("multi");
    let tfs = ["NRF1", "MAX", "SP1"];
    let s = negatives_json(&out, &["--tfs", &tfs.join(",")]);

    let regions = bundle();
    let cols: Vec<usize> = tfs
        .iter()
        .map(|t| regions.labels.column_index(t).unwrap())
        .collect();
    let known: Vec<usize> = (0..regions.windows.len())
        .filter(|&r| cols.iter().any(|&c| regions.labels.get(r, c) != -1))
        .collect();
    assert_eq!(s["dropped"]["all_na"], regions.windows.len() - known.len());
    assert_eq!(s["dropped"]["n_rich"], 0);

    let w = read_windows(&out);
    assert_eq!(w.labels.names(), tfs);
    assert!(w.synthetic.is_none());
    let expected_windows: Vec<_> = known.iter().map(|&r| regions.windows[r].clone()).collect();
    assert_eq!(w.windows, expected_windows);
    assert_eq!(w.labels, regions.labels.select(&known, &cols));
    let na = w.labels.values().iter().filter(|&&v| v == -1).count();
    assert!(na > 10_000, "NA must be kept: {na}");

    for (t, tf) in tfs.iter().enumerate() {
        let g = &s["gc"][t];
        assert_eq!(g["task"], *tf);
        let count = |v: i8| w.labels.column(t).filter(|&x| x == v).count();
        assert_eq!(g["positives"], count(1));
        assert_eq!(g["negatives"], count(0));
        assert_eq!(g["unknown"], count(-1));
    }
}

#[test]
fn fewest_na_picks_the_most_completely_labelled_tfs() {
    if shared_bundle().is_none() {
        return;
    }
    // counts.tsv: tf, bound, unbound, unknown.
    let counts = std::fs::read_to_string(bundle_file("counts.tsv")).unwrap();
    let mut by_na: Vec<(u64, String)> = counts
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[3].parse().unwrap(), f[0].to_string())
        })
        .collect();
    by_na.sort();
    let expected: Vec<String> = by_na.into_iter().take(5).map(|(_, tf)| tf).collect();

    let tmp = tempfile::tempdir().unwrap();
    let s = negatives_json(&tmp.path().join("w"), &["--fewest-na", "5"]);
    assert_eq!(s["tasks"], serde_json::json!(expected));
    assert_eq!(read_windows(&tmp.path().join("w")).labels.names(), expected);
    assert_eq!(s["mode"], "multi-task");
}

#[test]
fn n_rich_windows_are_dropped_above_the_threshold_and_reported() {
    if shared_bundle().is_none() {
        return;
    }
    let regions = bundle();
    let tmp = tempfile::tempdir().unwrap();
    // Every TF with at least one positive: each N window has a known label for some of them.
    let tfs: Vec<&str> = regions
        .labels
        .names()
        .iter()
        .enumerate()
        .filter(|&(c, _)| regions.labels.column(c).any(|v| v == 1))
        .map(|(_, n)| n.as_str())
        .collect();
    let tfs = tfs.join(",");
    let row_of = |name: &str| regions.windows.iter().position(|w| w.name == name).unwrap();
    let known = |name: &&(&str, u32)| regions.labels.row(row_of(name.0)).iter().any(|&v| v != -1);
    let n_known: Vec<_> = N_WINDOWS.iter().filter(known).collect();
    assert!(!n_known.is_empty());

    for (fraction, min_n) in [("0", 1), ("0.02", 5), ("0.1", 21)] {
        let out = tmp.path().join(format!("n{fraction}"));
        let s = negatives_json(&out, &["--tfs", &tfs, "--max-n-fraction", fraction]);
        let dropped: HashSet<&str> = n_known
            .iter()
            .filter(|(_, n)| *n >= min_n)
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(
            s["dropped"]["n_rich"],
            dropped.len(),
            "max N fraction {fraction}"
        );
        let names: HashSet<String> = read_windows(&out)
            .windows
            .into_iter()
            .map(|w| w.name)
            .collect();
        for (name, _) in &n_known {
            assert_eq!(
                !names.contains(*name),
                dropped.contains(name),
                "{name} at {fraction}"
            );
        }
    }
}

/// A `dataset` artifact over the bundle's chr21 windows, splits cycling train, valid, test.
fn chr21_dataset(dir: &Path) -> Dataset {
    let regions = bundle();
    let windows: Vec<_> = regions
        .windows
        .iter()
        .filter(|w| w.chrom == "chr21")
        .cloned()
        .collect();
    let n = windows.len();
    let dataset = Dataset {
        labels: LabelMatrix::unknown(n, vec!["X".into()]),
        sequences: vec![4; n * 200],
        seq_len: 200,
        split: (0..n).map(|i| Split::ALL[i % 3]).collect(),
        windows,
    };
    let builder = ArtifactBuilder::new(dir, DATASET, Default::default(), vec![]).unwrap();
    dataset.write(builder.dir()).unwrap();
    builder.commit().unwrap();
    dataset
}

#[test]
fn exclude_removes_exactly_the_windows_of_the_chosen_splits() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dataset_dir = tmp.path().join("pretrain.dataset");
    let dataset = chr21_dataset(&dataset_dir);
    let in_splits = |splits: &[Split]| -> HashSet<_> {
        dataset
            .windows
            .iter()
            .zip(&dataset.split)
            .filter(|(_, s)| splits.contains(s))
            .map(|(w, _)| coords(w))
            .collect()
    };
    let exclude = dataset_dir.to_str().unwrap();

    let full_dir = tmp.path().join("full");
    negatives_json(&full_dir, &["--tfs", "MAX,JUND"]);
    let full = read_windows(&full_dir);
    for (splits, flag) in [
        (vec![Split::Train, Split::Valid], None),
        (vec![Split::Test], Some("test")),
    ] {
        let out = tmp.path().join(format!("excl-{}", splits.len()));
        let mut args = vec!["--tfs", "MAX,JUND", "--exclude", exclude];
        if let Some(flag) = flag {
            args.extend(["--exclude-splits", flag]);
        }
        let s = negatives_json(&out, &args);
        let gone = in_splits(&splits);
        let expected: Vec<_> = full
            .windows
            .iter()
            .filter(|w| !gone.contains(&coords(w)))
            .cloned()
            .collect();
        let got = read_windows(&out);
        assert_eq!(got.windows, expected, "{splits:?}");
        assert_eq!(
            s["dropped"]["excluded"],
            full.windows.len() - expected.len(),
            "{splits:?}"
        );
        assert!(full.windows.len() > expected.len());
    }

    // Single-task: every positive that is not excluded is kept, and none that is.
    let single = |dir: &str, extra: &[&str]| {
        let out = tmp.path().join(dir);
        negatives_json(&out, &[&["--tf", "MAX"], extra].concat());
        let w = read_windows(&out);
        (0..w.windows.len())
            .filter(|&r| w.labels.get(r, 0) == 1)
            .map(|r| coords(&w.windows[r]))
            .collect::<HashSet<_>>()
    };
    let all = single("max-all", &[]);
    let kept = single("max-excl", &["--exclude", exclude]);
    let gone = in_splits(&[Split::Train, Split::Valid]);
    let expected: HashSet<_> = all.difference(&gone).cloned().collect();
    assert_eq!(kept, expected);
    assert!(kept.len() < all.len());
}

#[test]
fn excluding_windows_and_regions_artifacts_removes_all_their_windows() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let nrf1 = tmp.path().join("nrf1");
    negatives_json(&nrf1, &["--tf", "NRF1", "--max-positives", "100"]);
    let taken: HashSet<_> = read_windows(&nrf1).windows.iter().map(coords).collect();

    let out = tmp.path().join("multi");
    let s = negatives_json(
        &out,
        &["--tfs", "NRF1,MAX", "--exclude", nrf1.to_str().unwrap()],
    );
    let left = read_windows(&out);
    assert!(left.windows.iter().all(|w| !taken.contains(&coords(w))));
    assert_eq!(s["dropped"]["excluded"], taken.len());

    // Excluding the regions artifact itself leaves no positive: a data error naming the TF.
    let output = negatives(
        &tmp.path().join("none"),
        &["--tf", "NRF1", "--exclude", regions().to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("NRF1") && err.contains("excluded"), "{err}");
    assert!(!tmp.path().join("none").exists());
}
