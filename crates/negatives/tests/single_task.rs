//! Single-task datasets on the real chr19–22 bundle, through the binary.

mod common;

use std::collections::HashMap;

use common::*;
use tfbind_artifact::testing::shared_bundle;
use tfbind_artifact::Artifact;
use tfbind_dataset::WINDOWS;
use tfbind_genome::{Genome, Interval};
use tfbind_negatives::gc::{ks_statistic, Composition};

fn codes_of(genome: &Genome, windows: &[tfbind_dataset::Window]) -> Vec<Vec<u8>> {
    let intervals: Vec<Interval> = windows
        .iter()
        .map(|w| Interval::new(w.chrom.clone(), w.start, w.end))
        .collect();
    let codes = genome.fetch_codes(&intervals, 200).unwrap();
    codes.chunks(200).map(<[u8]>::to_vec).collect()
}

/// GC content of the windows labelled 1 and 0, read back from the artifact and the genome.
fn gc_by_label(dir: &std::path::Path) -> (Vec<f64>, Vec<f64>) {
    let w = read_windows(dir);
    let genome = Genome::open(genome()).unwrap();
    let codes = codes_of(&genome, &w.windows);
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    for (row, seq) in codes.iter().enumerate() {
        let gc = Composition::of(seq).gc_fraction();
        match w.labels.get(row, 0) {
            1 => pos.push(gc),
            0 => neg.push(gc),
            other => panic!("label {other} in a single-task dataset"),
        }
    }
    (pos, neg)
}

#[test]
fn gc_matched_negatives_follow_the_positives_gc_where_random_ones_do_not() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for tf in ["NRF1", "SP1"] {
        let matched = tmp.path().join(format!("{tf}-matched"));
        let random = tmp.path().join(format!("{tf}-random"));
        let m = negatives_json(&matched, &["--tf", tf]);
        let r = negatives_json(&random, &["--tf", tf, "--strategy", "random"]);

        // Measured again from the artifact's windows and the genome, not taken from the report.
        let (pos, neg) = gc_by_label(&matched);
        let ks_matched = ks_statistic(&pos, &neg);
        assert_eq!(pos.len(), neg.len(), "{tf}: 1:1 by default");
        assert_eq!(m["gc"][0]["positives"], pos.len());
        assert!((ks_matched - gc_of(&m).0).abs() < 1e-12);
        let (pos_r, neg_r) = gc_by_label(&random);
        let ks_random = ks_statistic(&pos_r, &neg_r);
        assert!((ks_random - gc_of(&r).0).abs() < 1e-12);
        assert!(ks_matched < 0.05, "{tf}: gc-matched KS {ks_matched}");
        assert!(ks_random > 0.2, "{tf}: random KS {ks_random}");

        // Same histogram, bin by bin.
        let (_, hp, hn) = gc_of(&m);
        assert_eq!(
            hp, hn,
            "{tf}: every GC bin holds as many negatives as positives"
        );
        let gc_tsv = std::fs::read_to_string(matched.join("gc.tsv")).unwrap();
        assert_eq!(gc_tsv.lines().count(), 11);
    }
}

#[test]
fn max_positives_subsamples_stratified_by_gc() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let all = negatives_json(&tmp.path().join("all"), &["--tf", "NRF1"]);
    let sub = negatives_json(
        &tmp.path().join("sub"),
        &["--tf", "NRF1", "--max-positives", "200"],
    );
    let (_, full, _) = gc_of(&all);
    let (_, part, neg) = gc_of(&sub);
    let total: u64 = full.iter().sum();
    assert_eq!(part.iter().sum::<u64>(), 200);
    assert_eq!(neg.iter().sum::<u64>(), 200);
    for (f, p) in full.iter().zip(&part) {
        let share = 200.0 * *f as f64 / total as f64;
        assert!(
            (*p as f64 - share).abs() < 1.0,
            "{part:?} is not {full:?} scaled"
        );
    }
    let st = &sub["single_task"];
    assert_eq!(st["positives"], 200);
    assert_eq!(st["positives_available"], all["single_task"]["positives"]);
}

/// Dinucleotide counts of a sequence of codes, counted here independently of the library.
fn pairs(seq: &[u8]) -> HashMap<(u8, u8), usize> {
    let mut counts = HashMap::new();
    for i in 1..seq.len() {
        *counts.entry((seq[i - 1], seq[i])).or_default() += 1;
    }
    counts
}

#[test]
fn shuffled_negatives_keep_each_positives_dinucleotide_counts_exactly() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("shuf");
    let s = negatives_json(
        &out,
        &[
            "--tf",
            "SP1",
            "--strategy",
            "dinucleotide-shuffle",
            "--max-positives",
            "300",
            "--ratio",
            "2",
        ],
    );
    assert_eq!(s["single_task"]["negatives"], 600);
    let w = read_windows(&out);
    let synthetic = w.synthetic.as_ref().expect("shuffles are synthetic rows");
    assert_eq!(synthetic.len, 200);
    assert_eq!(synthetic.rows, (300..900).collect::<Vec<_>>());
    assert!((0..300).all(|r| w.labels.get(r, 0) == 1));
    assert!((300..900).all(|r| w.labels.get(r, 0) == 0));

    let genome = Genome::open(genome()).unwrap();
    let positives = codes_of(&genome, &w.windows[..300]);
    let by_coordinates: HashMap<_, _> = w.windows[..300]
        .iter()
        .map(|x| (x.chrom.clone(), x.start))
        .zip(&positives)
        .collect();
    let mut unchanged = 0;
    for (k, &row) in synthetic.rows.iter().enumerate() {
        let shuffled = &synthetic.codes[k * 200..(k + 1) * 200];
        let window = &w.windows[row];
        assert!(window.name.contains("_shuf"), "{}", window.name);
        let source = by_coordinates[&(window.chrom.clone(), window.start)];
        assert_eq!(pairs(shuffled), pairs(source), "{}", window.name);
        assert_eq!(shuffled[0], source[0]);
        unchanged += usize::from(shuffled == source.as_slice());
    }
    assert!(unchanged < 3, "{unchanged} shuffles equal their source");
    // The GC of a shuffle is its source's, so the distributions match exactly.
    assert_eq!(gc_of(&s).0, 0.0);
}

#[test]
fn same_seed_same_files_on_any_thread_count_and_another_seed_differs() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    for strategy in ["gc-matched", "dinucleotide-shuffle"] {
        let run = |name: &str, seed: &str, threads: &str| {
            let dir = tmp.path().join(format!("{strategy}-{name}"));
            negatives_json(
                &dir,
                &[
                    "--tf",
                    "MAX",
                    "--max-positives",
                    "400",
                    "--strategy",
                    strategy,
                    "--seed",
                    seed,
                    "--threads",
                    threads,
                ],
            );
            dir
        };
        let a = run("a", "1", "1");
        let b = run("b", "1", "2");
        let c = run("c", "2", "2");
        let files = |dir: &std::path::Path| {
            let m = Artifact::open(dir, WINDOWS).unwrap();
            m.manifest()
                .files
                .iter()
                .map(|f| (f.name.clone(), f.sha256.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(files(&a), files(&b), "{strategy}: same seed");
        let names: Vec<_> = files(&a).into_iter().map(|(n, _)| n).collect();
        assert!(
            names.contains(&"gc.tsv".to_string()) && names.contains(&"summary.json".to_string())
        );
        let changed: Vec<_> = files(&a)
            .into_iter()
            .zip(files(&c))
            .filter(|(x, y)| x != y)
            .map(|(x, _)| x.0)
            .collect();
        assert!(
            changed.contains(&"windows.bed".to_string()),
            "{strategy}: {changed:?}"
        );
    }
}

#[test]
fn an_up_to_date_artifact_is_reused_unless_forced_or_changed() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    let args = ["--tf", "NRF1", "--max-positives", "100"];
    let first = negatives_json(&out, &args);
    assert_eq!(first["up_to_date"], false);
    let created = || {
        Artifact::open(&out, WINDOWS)
            .unwrap()
            .manifest()
            .created
            .clone()
    };
    let before = created();
    let second = negatives_json(&out, &args);
    assert_eq!(second["up_to_date"], true);
    assert_eq!(created(), before);
    // The reused report is the stored one.
    assert_eq!(second["gc"], first["gc"]);

    let forced = negatives_json(&out, &[&args[..], &["--force"]].concat());
    assert_eq!(forced["up_to_date"], false);
    let reseeded = negatives_json(&out, &[&args[..], &["--seed", "9"]].concat());
    assert_eq!(reseeded["up_to_date"], false);
}

#[test]
fn a_config_section_sets_parameters_and_flags_override_it() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("pipeline.toml");
    std::fs::write(
        &config,
        "[negatives]\ntf = \"NRF1\"\nmax_positives = 120\nratio = 2.0\nstrategy = \"random\"\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let s = negatives_json(&tmp.path().join("a"), &["--config", config]);
    assert_eq!(s["tasks"], serde_json::json!(["NRF1"]));
    assert_eq!(s["single_task"]["positives"], 120);
    assert_eq!(s["single_task"]["negatives"], 240);
    assert_eq!(s["single_task"]["strategy"], "random");

    let s = negatives_json(
        &tmp.path().join("b"),
        &["--config", config, "--max-positives", "50", "--tf", "MAX"],
    );
    assert_eq!(s["tasks"], serde_json::json!(["MAX"]));
    assert_eq!(s["single_task"]["positives"], 50);
    assert_eq!(s["single_task"]["negatives"], 100);
    let manifest = Artifact::open(tmp.path().join("b"), WINDOWS).unwrap();
    let p = &manifest.manifest().parameters;
    assert_eq!(p["tf"].as_str(), Some("MAX"));
    assert_eq!(p["max_positives"].as_integer(), Some(50));
}
