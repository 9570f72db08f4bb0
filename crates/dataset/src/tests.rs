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

#[test]
fn streamed_safetensors_are_the_bytes_of_serialize() {
    use safetensors::tensor::TensorView;
    let codes = [3u8, 2, 1, 0, 4, 4];
    let rows = tensors::i64_bytes(&[1, -2]);
    let labels = [1u8, 0, 255];
    // Names and dtypes chosen so that safetensors reorders them: wider dtypes first.
    let views = [
        (
            "a_codes",
            TensorView::new(safetensors::Dtype::U8, vec![2, 3], &codes).unwrap(),
        ),
        (
            "b_rows",
            TensorView::new(safetensors::Dtype::I64, vec![2], &rows).unwrap(),
        ),
        (
            "c_labels",
            TensorView::new(safetensors::Dtype::I8, vec![3], &labels).unwrap(),
        ),
    ];
    let mut streamed = Vec::new();
    write_safetensors(&mut streamed, &views).unwrap();
    let whole = safetensors::serialize(views.iter().map(|(n, v)| (*n, v)), None).unwrap();
    assert_eq!(streamed, whole);
    let back = safetensors::SafeTensors::deserialize(&streamed).unwrap();
    assert_eq!(back.tensor("b_rows").unwrap().data(), &rows[..]);
    assert_eq!(back.tensor("a_codes").unwrap().data(), &codes[..]);
}

/// The only test of this crate that changes the process's umask (tests run on threads of one
/// process, so a second one could race with it).
#[test]
fn every_artifact_file_follows_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let labels = LabelMatrix::from_values(vec!["A".into()], vec![1, 0]).unwrap();
    let regions = Regions {
        windows: windows(2),
        labels: labels.clone(),
    };
    let w = Windows {
        windows: windows(2),
        labels: labels.clone(),
        synthetic: Some(Synthetic {
            rows: vec![1],
            codes: vec![3, 2, 1, 0],
            len: 4,
        }),
    };
    let d = Dataset {
        windows: windows(2),
        labels,
        sequences: vec![0; 8],
        seq_len: 4,
        split: vec![Split::Train, Split::Valid],
    };
    for (umask, expected) in [(0o022, 0o644), (0o027, 0o640)] {
        // SAFETY: umask only swaps the process's file creation mask.
        let old = unsafe { libc::umask(umask) };
        let made = [
            commit(REGIONS, |dir| regions.write(dir)),
            commit(WINDOWS, |dir| w.write(dir)),
            commit(DATASET, |dir| d.write(dir)),
        ];
        unsafe { libc::umask(old) };
        for (_tmp, artifact) in &made {
            for entry in std::fs::read_dir(artifact.dir()).unwrap() {
                let entry = entry.unwrap();
                let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
                assert_eq!(
                    mode,
                    expected,
                    "{} under umask {umask:03o}",
                    entry.path().display()
                );
            }
        }
        let names = |i: usize| {
            let mut n: Vec<_> = std::fs::read_dir(made[i].1.dir())
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            n.sort();
            n
        };
        assert!(names(0).contains(&"labels.safetensors".to_string()));
        assert!(names(1).contains(&"synthetic.safetensors".to_string()));
        assert!(names(2).contains(&"dataset.safetensors".to_string()));
    }
}
