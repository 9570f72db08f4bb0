//! Bad input and bad calls: one clear line, the right exit status, and no output left behind.

mod common;

use std::process::Command;

use common::*;
use tfbind_artifact::testing::shared_bundle;
use tfbind_dataset::{LabelMatrix, Regions, Window};

fn fails(output: &std::process::Output, code: i32, needles: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(code), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn unknown_tf_is_a_usage_error_listing_close_names() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    fails(
        &negatives(&out, &["--tf", "NRF"]),
        2,
        &["unknown TF \"NRF\"", "NRF1"],
    );
    fails(
        &negatives(&out, &["--tfs", "MAX,klf4"]),
        2,
        &["\"klf4\"", "KLF4"],
    );
    fails(&negatives(&out, &["--tfs", "MAX,MAX"]), 2, &["twice"]);
    assert!(!out.exists());
}

#[test]
fn a_tf_without_positives_is_a_data_error() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    fails(
        &negatives(&out, &["--tf", "SMAD3"]),
        1,
        &["SMAD3", "no window is labelled bound"],
    );
    fails(
        &negatives(&out, &["--tfs", "MAX,SMAD3"]),
        1,
        &["SMAD3", "no positives"],
    );
    assert!(!out.exists());
}

#[test]
fn too_few_negatives_fail_unless_fewer_are_allowed() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    // NRF1: 1,309 bound and 57,056 unbound windows.
    fails(
        &negatives(&out, &["--tf", "NRF1", "--ratio", "50"]),
        1,
        &["NRF1", "negatives needed", "--allow-fewer"],
    );
    assert!(!out.exists());
    let s = negatives_json(&out, &["--tf", "NRF1", "--ratio", "50", "--allow-fewer"]);
    let st = &s["single_task"];
    assert_eq!(st["negatives"], st["negatives_available"]);
    assert!(st["negatives_requested"].as_u64() > st["negatives"].as_u64());
}

#[test]
fn the_task_must_be_given_once_and_options_must_fit_it() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");
    fails(&negatives(&out, &[]), 2, &["--tf"]);
    let both = negatives(&out, &["--tf", "MAX", "--fewest-na", "3"]);
    assert_eq!(both.status.code(), Some(2));
    fails(
        &negatives(&out, &["--fewest-na", "3", "--max-positives", "10"]),
        2,
        &["max_positives", "single-task"],
    );
    fails(
        &negatives(&out, &["--tf", "MAX", "--max-n-fraction", "2"]),
        2,
        &["max_n_fraction"],
    );
    let bad_strategy = negatives(&out, &["--tf", "MAX", "--strategy", "gc"]);
    assert_eq!(bad_strategy.status.code(), Some(2));
    assert!(stderr(&bad_strategy).contains("gc-matched"));
    fails(&negatives(&out, &["--fewest-na", "500"]), 1, &["500"]);
    assert!(!out.exists());
}

#[test]
fn a_config_with_an_unknown_key_names_it() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(&config, "[negatives]\ntf = \"MAX\"\nratoi = 2\n").unwrap();
    fails(
        &negatives(
            &tmp.path().join("w"),
            &["--config", config.to_str().unwrap()],
        ),
        2,
        &["ratoi", "c.toml"],
    );
}

#[test]
fn corrupt_or_mismatched_artifacts_are_refused() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("w");

    // A regions artifact whose labels file was altered after it was written.
    let small = Regions {
        windows: bundle().windows[..50].to_vec(),
        labels: bundle()
            .labels
            .select(&(0..50).collect::<Vec<_>>(), &[0, 1]),
    };
    let regions_dir = tmp.path().join("small.regions");
    write_regions(&regions_dir, &small);
    let labels = regions_dir.join("labels.safetensors");
    let mut bytes = std::fs::read(&labels).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&labels, bytes).unwrap();
    let first_tf = small.labels.names()[0].clone();
    fails(
        &negatives_on(&regions_dir, &out, &["--tf", &first_tf]),
        1,
        &["labels.safetensors", "corrupt"],
    );

    // A directory that is not an artifact, and an artifact of another kind.
    let notes = tmp.path().join("notes");
    std::fs::create_dir(&notes).unwrap();
    fails(
        &negatives_on(&notes, &out, &["--tf", "MAX"]),
        1,
        &["no manifest.toml"],
    );
    let windows_dir = tmp.path().join("max.windows");
    negatives_json(&windows_dir, &["--tf", "MAX", "--max-positives", "50"]);
    fails(
        &negatives_on(&windows_dir, &out, &["--tf", "MAX"]),
        1,
        &["expected a 'regions' artifact, found 'windows'"],
    );
    assert!(!out.exists());
}

#[test]
fn windows_of_different_widths_are_refused_with_their_line() {
    if shared_bundle().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut windows: Vec<Window> = bundle().windows[..10].to_vec();
    windows[6].end += 1;
    let regions = Regions {
        labels: LabelMatrix::from_values(vec!["A".into()], vec![1, 0, 1, 0, 1, 0, 1, 0, 1, 0])
            .unwrap(),
        windows,
    };
    let dir = tmp.path().join("mixed.regions");
    write_regions(&dir, &regions);
    fails(
        &negatives_on(&dir, &tmp.path().join("w"), &["--tf", "A"]),
        1,
        &["windows.bed:7", "201 bp"],
    );
}

#[test]
fn help_documents_every_option() {
    let output = Command::new(env!("CARGO_BIN_EXE_tfbind-negatives"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for flag in [
        "--regions",
        "--genome",
        "--out",
        "--config",
        "--force",
        "--tf ",
        "--tfs",
        "--fewest-na",
        "--strategy",
        "--ratio",
        "--max-positives",
        "--allow-fewer",
        "--gc-bins",
        "--max-n-fraction",
        "--exclude ",
        "--exclude-splits",
        "--seed",
        "--threads",
        "--json",
        "--verbose",
        "dinucleotide-shuffle",
        "[default: train,valid]",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}
