//! Fixed test windows: a training dataset's own test split replaced by another dataset's, so that
//! models trained on different subsets of a TF's data (the transfer experiment's 50 … 1,000
//! positives, several seeds) are all measured on the same windows.

use std::collections::HashSet;

use tfbind_dataset::{Dataset, LabelMatrix, Split};

/// Why a dataset's test windows cannot replace another's.
#[derive(Debug, thiserror::Error)]
pub enum TestWindowsError {
    #[error("the test dataset's tasks ({test}) differ from the training dataset's ({train})")]
    Tasks { test: String, train: String },
    #[error("the test dataset has {test} bp windows, the training dataset {train} bp")]
    WindowLength { test: usize, train: usize },
    #[error("the test dataset has no windows in its test split")]
    NoTestWindows,
    #[error(
        "{shared} of the test dataset's {windows} test windows are train or validation windows \
         of the training dataset"
    )]
    Shared { shared: usize, windows: usize },
}

/// `data`'s train and validation windows followed by `test`'s test windows (as the test split).
/// Both must have the same tasks and window length, and no test window may be a train or
/// validation window of `data` (same coordinates): that would be measuring on training data.
pub fn replace_test_split(data: Dataset, test: &Dataset) -> Result<Dataset, TestWindowsError> {
    if test.labels.names() != data.labels.names() {
        return Err(TestWindowsError::Tasks {
            test: test.labels.names().join(", "),
            train: data.labels.names().join(", "),
        });
    }
    if test.seq_len != data.seq_len {
        return Err(TestWindowsError::WindowLength {
            test: test.seq_len,
            train: data.seq_len,
        });
    }
    let test_rows = test.indices(Split::Test);
    if test_rows.is_empty() {
        return Err(TestWindowsError::NoTestWindows);
    }
    let kept: Vec<usize> = (0..data.len())
        .filter(|&r| data.split[r] != Split::Test)
        .collect();
    let seen: HashSet<_> = kept
        .iter()
        .map(|&r| {
            let w = &data.windows[r];
            (&w.chrom, w.start, w.end)
        })
        .collect();
    let shared = test_rows
        .iter()
        .filter(|&&r| {
            let w = &test.windows[r];
            seen.contains(&(&w.chrom, w.start, w.end))
        })
        .count();
    if shared > 0 {
        return Err(TestWindowsError::Shared {
            shared,
            windows: test_rows.len(),
        });
    }

    let n_tasks = data.labels.n_cols();
    let rows = kept.len() + test_rows.len();
    let mut windows = Vec::with_capacity(rows);
    let mut sequences = Vec::with_capacity(rows * data.seq_len);
    let mut labels = Vec::with_capacity(rows * n_tasks);
    let mut split = Vec::with_capacity(rows);
    for (source, picked) in [(&data, &kept), (test, &test_rows)] {
        for &r in picked {
            windows.push(source.windows[r].clone());
            sequences.extend_from_slice(source.sequence(r));
            labels.extend_from_slice(source.labels.row(r));
            split.push(source.split[r]);
        }
    }
    Ok(Dataset {
        windows,
        labels: LabelMatrix::from_values(data.labels.names().to_vec(), labels)
            .expect("whole rows of the same tasks"),
        sequences,
        seq_len: data.seq_len,
        split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::Window;

    fn dataset(task: &str, chrom: &str, splits: &[Split], len: usize) -> Dataset {
        let n = splits.len();
        Dataset {
            windows: (0..n as u64)
                .map(|i| Window {
                    chrom: chrom.into(),
                    start: i * 10,
                    end: i * 10 + len as u64,
                    name: format!("{chrom}-{i}"),
                })
                .collect(),
            labels: LabelMatrix::from_values(
                vec![task.into()],
                (0..n).map(|i| (i % 2) as i8).collect(),
            )
            .unwrap(),
            sequences: (0..n * len).map(|i| (i % 4) as u8).collect(),
            seq_len: len,
            split: splits.to_vec(),
        }
    }

    #[test]
    fn keeps_train_and_valid_and_takes_the_other_test_split() {
        use Split::*;
        let data = dataset("T", "chr1", &[Train, Valid, Test, Train], 4);
        let test = dataset("T", "chr2", &[Train, Test, Test], 4);
        let merged = replace_test_split(data, &test).unwrap();
        let names: Vec<_> = merged.windows.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names, ["chr1-0", "chr1-1", "chr1-3", "chr2-1", "chr2-2"]);
        assert_eq!(merged.split, [Train, Valid, Train, Test, Test]);
        assert_eq!(merged.labels.values(), [0, 1, 1, 1, 0]);
        assert_eq!(merged.sequence(3), test.sequence(1));
        assert_eq!(merged.sequence(2), [0, 1, 2, 3]);
    }

    #[test]
    fn refuses_other_tasks_lengths_shared_windows_and_no_test_windows() {
        use Split::*;
        let data = || dataset("T", "chr1", &[Train, Valid], 4);
        let err = |r: Result<Dataset, TestWindowsError>| r.unwrap_err().to_string();
        let e = err(replace_test_split(
            data(),
            &dataset("U", "chr2", &[Test], 4),
        ));
        assert!(e.contains("tasks (U)"), "{e}");
        let e = err(replace_test_split(
            data(),
            &dataset("T", "chr2", &[Test], 5),
        ));
        assert!(e.contains("5 bp"), "{e}");
        let e = err(replace_test_split(
            data(),
            &dataset("T", "chr2", &[Train], 4),
        ));
        assert!(e.contains("no windows in its test split"), "{e}");
        let e = err(replace_test_split(
            data(),
            &dataset("T", "chr1", &[Valid, Test], 4),
        ));
        assert!(
            e.starts_with("1 of the test dataset's 1 test windows"),
            "{e}"
        );
    }
}
