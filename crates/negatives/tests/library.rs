//! The library API on a tiny genome whose windows have chosen GC contents, so the expected
//! choice is known exactly.

mod common;

use std::path::Path;

use common::{read_windows, write_regions};
use tfbind_dataset::{LabelMatrix, Regions, Window};
use tfbind_negatives::{Error, Params, Request, Strategy};

/// GC percent of each 200 bp window of chr1, its label for TF "A", and whether it holds Ns.
const WINDOWS: [(u32, i8, bool); 11] = [
    (80, 1, false),
    (80, 1, false),
    (10, 0, false),
    (20, 0, false),
    (30, 0, false),
    (40, 0, false),
    (50, 0, false),
    (60, 0, false),
    (80, 0, false),
    (81, 0, false),
    (80, 0, true),
];

/// Writes chr1 (plain FASTA, 60 bases a line) and the regions artifact of its windows.
fn fixture(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut seq = Vec::new();
    for &(gc, _, n_rich) in &WINDOWS {
        let gc = 2 * gc as usize;
        seq.extend((0..200).map(|i| match i {
            _ if n_rich && i < 50 => b'N',
            i if i < gc => b"GC"[i % 2],
            i => b"AT"[i % 2],
        }));
    }
    let mut fasta = b">chr1\n".to_vec();
    for line in seq.chunks(60) {
        fasta.extend_from_slice(line);
        fasta.push(b'\n');
    }
    let genome = dir.join("genome.fa");
    std::fs::write(&genome, fasta).unwrap();

    let regions = Regions {
        windows: (0..WINDOWS.len() as u64)
            .map(|i| Window {
                chrom: "chr1".into(),
                start: 200 * i,
                end: 200 * (i + 1),
                name: format!("w{i}"),
            })
            .collect(),
        labels: LabelMatrix::from_values(
            vec!["A".into()],
            WINDOWS.iter().map(|&(_, label, _)| label).collect(),
        )
        .unwrap(),
    };
    let regions_dir = dir.join("regions");
    write_regions(&regions_dir, &regions);
    (regions_dir, genome)
}

fn request(dir: &Path, params: Params) -> Request {
    let (regions, genome) = fixture(dir);
    Request {
        regions,
        genome,
        exclude: vec![],
        out: dir.join("out"),
        force: false,
        params,
    }
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
    let req = request(tmp.path(), single(Strategy::GcMatched));
    let outcome = tfbind_negatives::run(&req, &()).unwrap();
    assert!(!outcome.reused);
    let st = outcome.report.single_task.as_ref().unwrap();
    // The N-rich 80 % window is dropped; 80 % and then 81 % are the nearest.
    assert_eq!(outcome.report.dropped.n_rich, 1);
    assert_eq!(
        (st.positives, st.negatives, st.negatives_available),
        (2, 2, 8)
    );
    let names: Vec<String> = read_windows(&req.out)
        .windows
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["w0", "w1", "w8", "w9"]);
    assert_eq!(outcome.report.gc[0].bins[8].negatives, 2);
    // Both 80 and 81 % fall in bin 8, so nothing was borrowed from another bin.
    assert!(st.borrowed.is_empty());

    let again = tfbind_negatives::run(&req, &()).unwrap();
    assert!(again.reused);
    assert_eq!(again.report, outcome.report);
}

#[test]
fn a_bin_without_unbound_windows_borrows_and_reports_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut params = single(Strategy::GcMatched);
    // With 20 bins, 80 % and 81 % are bin 16; a third negative has to come from 60 % (bin 12).
    params.gc_bins = 20;
    params.ratio = 1.5;
    let outcome = tfbind_negatives::run(&request(tmp.path(), params), &()).unwrap();
    let st = outcome.report.single_task.unwrap();
    assert_eq!(st.negatives, 3);
    assert_eq!(st.borrowed.len(), 1);
    assert_eq!((st.borrowed[0].bin, st.borrowed[0].from_bin), (16, 12));
}

#[test]
fn a_chromosome_missing_from_the_genome_is_a_data_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut req = request(tmp.path(), single(Strategy::Random));
    let other = tmp.path().join("other.fa");
    std::fs::write(&other, ">chr2\nACGT\n").unwrap();
    req.genome = other;
    let err = tfbind_negatives::run(&req, &()).unwrap_err();
    assert!(matches!(err, Error::Genome(_)), "{err}");
    assert!(!err.is_usage());
    assert!(err.to_string().contains("chr1"), "{err}");
    assert!(!req.out.exists());
}
