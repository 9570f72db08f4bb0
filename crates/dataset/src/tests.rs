use super::*;
use tfbind_artifact::ArtifactBuilder;

fn windows(n: usize) -> Vec<Window> {
    (0..n)
        .map(|i| Window {
            chrom: format!("chr{}", 1 + i % 2),
            start: 100 * i as u64,
            end: 100 * i as u64 + 4,
            name: format!("w{i}"),
        })
        .collect()
}

fn commit(kind: Kind, write: impl FnOnce(&Path) -> Result<()>) -> (tempfile::TempDir, Artifact) {
    let tmp = tempfile::tempdir().unwrap();
    let b = ArtifactBuilder::new(tmp.path().join("a"), kind, Default::default(), vec![]).unwrap();
    write(b.dir()).unwrap();
    let a = b.commit().unwrap();
    (tmp, a)
}

#[test]
fn regions_round_trip() {
    let labels =
        LabelMatrix::from_values(vec!["JUND".into(), "MAX".into()], vec![1, 0, -1, 1, 0, 0])
            .unwrap();
    let regions = Regions {
        windows: windows(3),
        labels,
    };
    let (_tmp, a) = commit(REGIONS, |d| regions.write(d));
    let back = Regions::read(&a).unwrap();
    assert_eq!(back, regions);
    assert_eq!(back.labels.column(1).collect::<Vec<_>>(), [0, 1, 0]);
    assert_eq!(back.labels.get(1, 0), UNKNOWN);
}

#[test]
fn windows_with_synthetic_rows_round_trip() {
    let w = Windows {
        windows: windows(2),
        labels: LabelMatrix::from_values(vec!["CEBPB".into()], vec![1, 0]).unwrap(),
        synthetic: Some(Synthetic {
            rows: vec![1],
            codes: vec![3, 2, 1, 0],
            len: 4,
        }),
    };
    let (_tmp, a) = commit(WINDOWS, |d| w.write(d));
    assert_eq!(Windows::read(&a).unwrap(), w);
}

#[test]
fn dataset_round_trip_and_accessors() {
    let d = Dataset {
        windows: windows(3),
        labels: LabelMatrix::from_values(vec!["A".into()], vec![1, 0, -1]).unwrap(),
        sequences: vec![0, 1, 2, 3, 4, 4, 3, 2, 0, 0, 0, 0],
        seq_len: 4,
        split: vec![Split::Train, Split::Test, Split::Train],
    };
    let (_tmp, a) = commit(DATASET, |dir| d.write(dir));
    let back = Dataset::read(&a).unwrap();
    assert_eq!(back, d);
    assert_eq!(back.sequence(1), &[4, 4, 3, 2]);
    assert_eq!(back.indices(Split::Train), [0, 2]);
}

#[test]
fn reading_the_wrong_kind_is_refused() {
    let w = Windows {
        windows: windows(1),
        labels: LabelMatrix::from_values(vec!["A".into()], vec![1]).unwrap(),
        synthetic: None,
    };
    let (_tmp, a) = commit(WINDOWS, |d| w.write(d));
    let e = Dataset::read(&a).unwrap_err();
    assert!(
        e.to_string().contains("expected a 'dataset' artifact"),
        "{e}"
    );
}

#[test]
fn corrupt_bed_line_is_reported_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("w.bed");
    for (text, message) in [
        (
            "chr1\t0\t10\tw0\nchr1\t20\tx\tw1\n",
            "w.bed:2: end \"x\" is not a non-negative integer",
        ),
        (
            "chr1\t0\t10\tw0\nchr1\t20\t30\tw1\textra\n",
            "w.bed:2: expected 4 tab-separated fields: chrom start end name",
        ),
        ("chr1\t0\t10\n", "w.bed:1: expected 4 tab-separated fields"),
    ] {
        std::fs::write(&path, text).unwrap();
        let e = read_windows(&path).unwrap_err();
        assert!(e.to_string().contains(message), "{e}");
    }
}

#[test]
fn mismatched_rows_are_refused() {
    let regions = Regions {
        windows: windows(3),
        labels: LabelMatrix::from_values(vec!["A".into()], vec![1, 0]).unwrap(),
    };
    let tmp = tempfile::tempdir().unwrap();
    let e = regions.write(tmp.path()).unwrap_err();
    assert!(e.to_string().contains("2 label rows for 3 windows"), "{e}");
}

#[test]
fn select_picks_rows_and_columns_in_order() {
    let m = LabelMatrix::from_values(
        vec!["a".into(), "b".into(), "c".into()],
        vec![1, 0, -1, 0, 1, 1],
    )
    .unwrap();
    let s = m.select(&[1, 0], &[2, 0]);
    assert_eq!(s.names(), ["c", "a"]);
    assert_eq!(s.values(), [1, 0, -1, 1]);
}
