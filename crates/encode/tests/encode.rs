//! tfbind-encode end to end on the shipped example data (hg38 chr21 + chr22).

mod common;

use std::path::Path;

use common::{encode, encode_to, example_windows, genome, stderr, with_synthetic, write_windows};
use tfbind_artifact::Artifact;
use tfbind_dataset::{Dataset, Split, DATASET};
use tfbind_encode::Summary;
use tfbind_genome::{Genome, Interval};

fn read_dataset(dir: &Path) -> Dataset {
    Dataset::read(&Artifact::open(dir, DATASET).unwrap()).unwrap()
}

#[test]
fn encodes_windows_labels_split_and_synthetic_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let input = with_synthetic(example_windows(50));
    let windows = write_windows(tmp.path(), &input);
    let out = tmp.path().join("dataset");
    let args = ["--valid-chroms", "chr21", "--test-chroms", "", "--json"];
    let run = encode_to(&windows, &out, &args);
    assert!(run.status.success(), "{}", stderr(&run));
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["up_to_date"], false);

    let d = read_dataset(&out);
    let n = input.windows.len();
    assert_eq!(d.len(), n);
    assert_eq!(d.seq_len, 200);
    assert_eq!(d.windows, input.windows);
    assert_eq!(d.labels, input.labels);
    for (w, s) in d.windows.iter().zip(&d.split) {
        let expected = if w.chrom == "chr21" {
            Split::Valid
        } else {
            Split::Train
        };
        assert_eq!(*s, expected, "{w:?}");
    }
    // Fetched rows hold the genome's codes, in input order; synthetic rows their given codes.
    let genome = Genome::open(genome()).unwrap();
    let syn = input.synthetic.as_ref().unwrap();
    for (i, w) in d.windows.iter().enumerate() {
        let expected = match syn.rows.iter().position(|&r| r == i) {
            Some(k) => syn.codes[k * 200..(k + 1) * 200].to_vec(),
            None => genome
                .fetch(&Interval::new(w.chrom.clone(), w.start, w.end))
                .unwrap(),
        };
        assert_eq!(d.sequence(i), expected, "row {i} {w:?}");
    }
    // Synthetic row 3 holds N, as do four genome windows.
    let summary: Summary =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary.windows, n);
    assert_eq!(summary.with_n, 5);
    assert_eq!(summary.synthetic, 2);
    assert_eq!(summary.dropped_n, 0);
    assert_eq!(summary.valid + summary.train, n);
    assert_eq!(report["windows"], n);
}

#[test]
fn drop_n_leaves_out_and_counts_windows_with_n() {
    let tmp = tempfile::tempdir().unwrap();
    let input = example_windows(100);
    let windows = write_windows(tmp.path(), &input);
    let out = tmp.path().join("dataset");
    let run = encode_to(&windows, &out, &["--split", "random", "--drop-n", "--json"]);
    assert!(run.status.success(), "{}", stderr(&run));
    let d = read_dataset(&out);
    assert_eq!(d.len(), input.windows.len() - 4);
    assert!(!d.sequences.contains(&4));
    let dropped = [9_246_085, 41_830_235, 16_320_375, 16_326_775];
    assert!(d.windows.iter().all(|w| !dropped.contains(&w.start)));
    // Labels stay with their windows.
    for (i, w) in d.windows.iter().enumerate() {
        let j = input.windows.iter().position(|x| x == w).unwrap();
        assert_eq!(d.labels.row(i), input.labels.row(j));
    }
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(report["dropped_n"], 4);
}

#[test]
fn random_split_is_seeded_80_10_10_on_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let windows = write_windows(tmp.path(), &example_windows(20));
    let run = |name: &str, seed: &str, threads: &str| {
        let out = tmp.path().join(name);
        let args = [
            "--split",
            "random",
            "--seed",
            seed,
            "--threads",
            threads,
            "-q",
        ];
        let run = encode_to(&windows, &out, &args);
        assert!(run.status.success(), "{}", stderr(&run));
        out
    };
    let a = read_dataset(&run("a", "1", "2")).split;
    let n = a.len() as f64;
    let count = |s: Split| a.iter().filter(|&&x| x == s).count() as f64;
    assert_eq!(count(Split::Valid), (n * 0.1).round());
    assert_eq!(count(Split::Test), (n * 0.1).round());
    assert_ne!(read_dataset(&run("c", "2", "2")).split, a);
    // Same seed, one thread: the same file, byte for byte.
    let tensors = |name: &str| std::fs::read(tmp.path().join(name).join("dataset.safetensors"));
    run("b", "1", "1");
    assert_eq!(tensors("b").unwrap(), tensors("a").unwrap());
}

#[test]
fn rerun_does_no_work_unless_forced_or_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let windows = write_windows(tmp.path(), &example_windows(200));
    let out = tmp.path().join("dataset");
    let manifest = || std::fs::read_to_string(out.join("manifest.toml")).unwrap();
    let run = |extra: &[&str]| {
        let args: Vec<&str> = ["--split", "random"].iter().chain(extra).copied().collect();
        let run = encode_to(&windows, &out, &args);
        assert!(run.status.success(), "{}", stderr(&run));
        String::from_utf8(run.stdout).unwrap()
    };
    run(&[]);
    let first = manifest();
    assert!(run(&[]).contains("up to date"));
    assert_eq!(manifest(), first);
    // Parameters the random split ignores do not make it stale.
    assert!(run(&["--valid-chroms", "chr22"]).contains("up to date"));
    assert!(!run(&["--force"]).contains("up to date"));
    assert_ne!(manifest(), first);
    assert!(!run(&["--seed", "9"]).contains("up to date"));
    assert!(manifest().contains("seed = 9"));
}

#[test]
fn config_section_sets_parameters_and_flags_override_it() {
    let tmp = tempfile::tempdir().unwrap();
    let windows = write_windows(tmp.path(), &example_windows(200));
    let out = tmp.path().join("dataset");
    let config = tmp.path().join("pipeline.toml");
    // No --genome: the config's is used.
    let with_config = |extra: &[&str]| {
        let mut args = vec![
            "--windows",
            windows.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ];
        args.extend(extra);
        encode(&args)
    };
    std::fs::write(
        &config,
        format!(
            "[encode]\ngenome = {:?}\nsplit = \"chromosome\"\nvalid_chroms = [\"chr22\"]\n\
             test_chroms = [\"chr21\"]\n",
            genome().to_str().unwrap()
        ),
    )
    .unwrap();
    // chr21 and chr22 both held out leave no training window.
    let run = with_config(&[]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("no training window"),
        "{}",
        stderr(&run)
    );
    assert!(!out.exists());

    let run = with_config(&["--test-chroms", ""]);
    assert!(run.status.success(), "{}", stderr(&run));
    let d = read_dataset(&out);
    for (w, s) in d.windows.iter().zip(&d.split) {
        let expected = if w.chrom == "chr22" {
            Split::Valid
        } else {
            Split::Train
        };
        assert_eq!(*s, expected);
    }

    std::fs::write(&config, "[encode]\nspilt = \"random\"\n").unwrap();
    let run = with_config(&[]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("spilt"), "{}", stderr(&run));
}
