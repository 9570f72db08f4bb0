//! The library API on a tiny genome whose windows have chosen GC contents, so the expected
//! choice is known exactly.

mod common;

use std::path::Path;

use common::{fixture, read_windows};
use tfbind_artifact::stage::{run, Outcome};
use tfbind_negatives::{Error, NegativesStage, Params, Report, Strategy};

fn stage(dir: &Path, params: Params) -> NegativesStage {
    let (regions, genome) = fixture(dir);
    NegativesStage::new(regions, genome, &[], params).unwrap()
}

fn run_into(stage: &NegativesStage, out: &Path) -> Result<Outcome<Report>, Error> {
    run(stage, out, false, &())
}

fn single(strategy: Strategy) -> Params {
    Params {
        tf: Some("A".into()),
        strategy,
        ..Params::default()
    }
}

#[test]
fn gc_matched_takes_the_unbound_windows_nearest_the_positives_gc() {
    let tmp = tempfile::tempdir().unwrap();
    let stage = stage(tmp.path(), single(Strategy::GcMatched));
    let out = tmp.path().join("out");
    let outcome = run_into(&stage, &out).unwrap();
    assert!(!outcome.up_to_date);
    let st = outcome.summary.single_task.as_ref().unwrap();
    // The N-rich 80 % window is dropped; 80 % and then 81 % are the nearest.
    assert_eq!(outcome.summary.dropped.n_rich, 1);
    assert_eq!(
        (st.positives, st.negatives, st.negatives_available),
        (2, 2, 8)
    );
    let names: Vec<String> = read_windows(&out)
        .windows
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["w0", "w1", "w8", "w9"]);
    assert_eq!(outcome.summary.gc[0].bins[8].negatives, 2);
    // Both 80 and 81 % fall in bin 8, so nothing was borrowed from another bin.
    assert!(st.borrowed.is_empty());

    let again = run_into(&stage, &out).unwrap();
    assert!(again.up_to_date);
    assert_eq!(again.summary, outcome.summary);
}

#[test]
fn a_bin_without_unbound_windows_borrows_and_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut params = single(Strategy::GcMatched);
    // With 20 bins, 80 % and 81 % are bin 16; a third negative has to come from 60 % (bin 12).
    params.gc_bins = 20;
    params.ratio = 1.5;
    let outcome = run_into(&stage(tmp.path(), params), &tmp.path().join("out")).unwrap();
    let st = outcome.summary.single_task.unwrap();
    assert_eq!(st.negatives, 3);
    assert_eq!(st.borrowed.len(), 1);
    assert_eq!((st.borrowed[0].bin, st.borrowed[0].from_bin), (16, 12));
}

#[test]
fn a_chromosome_missing_from_the_genome_is_a_data_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut stage = stage(tmp.path(), single(Strategy::Random));
    let other = tmp.path().join("other.fa");
    std::fs::write(&other, ">chr2\nACGT\n").unwrap();
    stage.genome = other;
    let out = tmp.path().join("out");
    let err = run_into(&stage, &out).unwrap_err();
    assert!(matches!(err, Error::Genome(_)), "{err}");
    assert!(!err.is_usage());
    assert!(err.to_string().contains("chr1"), "{err}");
    assert!(!out.exists());
}
