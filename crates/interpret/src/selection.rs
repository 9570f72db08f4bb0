//! Which windows each analysis looks at, and the model's predictions for them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tfbind_dataset::Dataset;
use tfbind_genome::{
    bed::{self, ChromCheck, UnknownChroms},
    ChromSizes, Interval,
};
use tfbind_model::Model;

use crate::error::Result;
use crate::params::{SplitChoice, WindowSet};

/// Predicted probabilities for a set of dataset rows, all tasks.
pub struct Predictions {
    n_tasks: usize,
    index: HashMap<usize, usize>,
    values: Vec<f32>,
}

impl Predictions {
    /// Predicts `rows` in evaluation mode, forward strand (as the model's test metrics), batches
    /// of `batch_size`; `advance` is told how many rows each step finished.
    pub fn compute(
        model: &Model,
        data: &Dataset,
        rows: &[usize],
        batch_size: usize,
        advance: &dyn Fn(usize),
    ) -> Result<Self> {
        let n_tasks = model.spec().n_tasks;
        let mut values = Vec::with_capacity(rows.len() * n_tasks);
        // Steps of several batches: progress often enough, without a call per batch.
        for chunk in rows.chunks(batch_size * 16) {
            values.extend(tfbind_train::predict_rows(
                model, data, chunk, batch_size, false,
            )?);
            advance(chunk.len());
        }
        let index = rows.iter().enumerate().map(|(i, &r)| (r, i)).collect();
        Ok(Self {
            n_tasks,
            index,
            values,
        })
    }

    /// The probability of `task` for dataset row `row`, which must be among the predicted rows.
    pub fn get(&self, row: usize, task: usize) -> f32 {
        self.values[self.index[&row] * self.n_tasks + task]
    }
}

/// Rows of `data` in the chosen split, in file order.
pub fn split_rows(data: &Dataset, split: SplitChoice) -> Vec<usize> {
    (0..data.len())
        .filter(|&i| split.contains(data.split[i]))
        .collect()
}

/// The windows whose activations make filter motifs and influence, and for each the tasks it
/// counts for (bound and, with `correct-positives`, predicted bound).
#[derive(Debug, Clone, PartialEq)]
pub struct FilterWindows {
    pub rows: Vec<usize>,
    pub n_tasks: usize,
    /// `[rows × tasks]`: whether the window counts for the task.
    pub counts_for: Vec<bool>,
}

impl FilterWindows {
    /// The windows of `split` that count for at least one task under `set`.
    pub fn select(
        data: &Dataset,
        predictions: &Predictions,
        split: SplitChoice,
        set: WindowSet,
    ) -> Self {
        let n_tasks = data.labels.n_cols();
        let mut rows = Vec::new();
        let mut counts_for = Vec::new();
        for row in split_rows(data, split) {
            let flags: Vec<bool> = (0..n_tasks)
                .map(|t| set.includes(data.labels.get(row, t), predictions.get(row, t)))
                .collect();
            if flags.iter().any(|&f| f) {
                rows.push(row);
                counts_for.extend(flags);
            }
        }
        Self {
            rows,
            n_tasks,
            counts_for,
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether the `i`-th window counts for `task`.
    pub fn counts(&self, i: usize, task: usize) -> bool {
        self.counts_for[i * self.n_tasks + task]
    }

    /// At most `n` of the windows, a uniform random subset drawn with `seed`, in their order.
    pub fn subset(&self, n: usize, seed: u64) -> Self {
        if self.len() <= n {
            return self.clone();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut keep = sample(&mut rng, self.len(), n).into_vec();
        keep.sort_unstable();
        Self {
            rows: keep.iter().map(|&i| self.rows[i]).collect(),
            n_tasks: self.n_tasks,
            counts_for: keep
                .iter()
                .flat_map(|&i| self.counts_for[i * self.n_tasks..(i + 1) * self.n_tasks].to_vec())
                .collect(),
        }
    }
}

/// The bound windows of `split` for `task`, highest predicted probability first, at most `n`.
pub fn strongest_positives(
    data: &Dataset,
    predictions: &Predictions,
    split: SplitChoice,
    task: usize,
    n: usize,
) -> Vec<usize> {
    let mut rows: Vec<usize> = split_rows(data, split)
        .into_iter()
        .filter(|&r| data.labels.get(r, task) == 1)
        .collect();
    rows.sort_by(|&a, &b| {
        predictions
            .get(b, task)
            .total_cmp(&predictions.get(a, task))
            .then(a.cmp(&b))
    });
    rows.truncate(n);
    rows
}

/// Reads the intervals of a BED3+ file (plain, gzip or bgzip; `#`, `track` and `browser` lines
/// and blank lines are skipped), checked against the chromosomes of `data`'s windows: the genome
/// is not an input of this stage, and a line elsewhere can select no window. Such lines are
/// skipped with a warning and their count; a file none of whose lines is on one of them is an
/// error (a naming mismatch such as `21` against `chr21`, or another assembly).
pub fn read_bed(path: &Path, data: &Dataset) -> Result<Vec<Interval>> {
    let mut seen = HashSet::new();
    // Of unknown length: only the names are checked.
    let chroms = data
        .windows
        .iter()
        .filter(|w| seen.insert(w.chrom.as_str()))
        .map(|w| (w.chrom.clone(), u64::MAX));
    let sizes = ChromSizes::new(chroms)?;
    let mut reader = bed::Reader::open(path)?;
    let mut check = ChromCheck::new(path, &sizes, UnknownChroms::Skip).reference("the dataset");
    let mut out = Vec::new();
    while let Some(record) = reader.next_record()? {
        if check.resolve(record.line, record.interval)?.is_some() {
            out.push(record.interval.to_interval());
        }
    }
    check.finish()?;
    Ok(out)
}

/// Rows of `data` whose window overlaps any of `intervals`, in file order.
pub fn overlapping_rows(data: &Dataset, intervals: &[Interval]) -> Vec<usize> {
    // Per chromosome: intervals by start, and the largest end among the first k of them, so one
    // binary search tells whether any interval starting before a window's end reaches into it.
    let mut by_chrom: HashMap<&str, Vec<(u64, u64)>> = HashMap::new();
    for iv in intervals {
        by_chrom
            .entry(iv.chrom.as_str())
            .or_default()
            .push((iv.start, iv.end));
    }
    let index: HashMap<&str, (Vec<u64>, Vec<u64>)> = by_chrom
        .into_iter()
        .map(|(chrom, mut ivs)| {
            ivs.sort_unstable();
            let starts = ivs.iter().map(|iv| iv.0).collect();
            let max_ends = ivs
                .iter()
                .scan(0, |m, iv| {
                    *m = (*m).max(iv.1);
                    Some(*m)
                })
                .collect();
            (chrom, (starts, max_ends))
        })
        .collect();
    (0..data.len())
        .filter(|&row| {
            let w = &data.windows[row];
            index
                .get(w.chrom.as_str())
                .is_some_and(|(starts, max_ends)| {
                    let k = starts.partition_point(|&s| s < w.end);
                    k > 0 && max_ends[k - 1] > w.start
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::{LabelMatrix, Split, Window};

    fn dataset() -> Dataset {
        let windows: Vec<Window> = [("chr1", 0), ("chr1", 100), ("chr2", 50), ("chr1", 400)]
            .iter()
            .enumerate()
            .map(|(i, &(chrom, start))| Window {
                chrom: chrom.into(),
                start,
                end: start + 100,
                name: format!("w{i}"),
            })
            .collect();
        let labels =
            LabelMatrix::from_values(vec!["A".into(), "B".into()], vec![1, 0, 1, 1, 0, -1, 1, 0])
                .unwrap();
        Dataset {
            windows,
            labels,
            sequences: vec![0; 400],
            seq_len: 100,
            split: vec![Split::Test, Split::Test, Split::Train, Split::Test],
        }
    }

    fn predictions(values: Vec<f32>) -> Predictions {
        Predictions {
            n_tasks: 2,
            index: (0..4).map(|i| (i, i)).collect(),
            values,
        }
    }

    #[test]
    fn filter_windows_count_per_task() {
        let data = dataset();
        // Row 0 is predicted bound for A only; row 1 for B only; row 3 for neither.
        let p = predictions(vec![0.9, 0.2, 0.4, 0.8, 0.9, 0.9, 0.3, 0.1]);
        let fw = FilterWindows::select(&data, &p, SplitChoice::Test, WindowSet::CorrectPositives);
        assert_eq!(fw.rows, [0, 1]);
        assert!(fw.counts(0, 0) && !fw.counts(0, 1));
        assert!(!fw.counts(1, 0) && fw.counts(1, 1));
        let fw = FilterWindows::select(&data, &p, SplitChoice::Test, WindowSet::Positives);
        assert_eq!(fw.rows, [0, 1, 3]);
        let fw = FilterWindows::select(&data, &p, SplitChoice::All, WindowSet::All);
        assert_eq!(fw.rows, [0, 1, 2, 3]);
        let sub = fw.subset(2, 7);
        assert_eq!(sub.len(), 2);
        assert!(sub.rows.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sub, fw.subset(2, 7));
    }

    #[test]
    fn strongest_positives_rank_by_probability() {
        let data = dataset();
        let p = predictions(vec![0.6, 0.0, 0.7, 0.0, 0.0, 0.0, 0.9, 0.0]);
        assert_eq!(
            strongest_positives(&data, &p, SplitChoice::Test, 0, 5),
            [3, 1, 0]
        );
        assert_eq!(strongest_positives(&data, &p, SplitChoice::Test, 0, 1), [3]);
        assert_eq!(strongest_positives(&data, &p, SplitChoice::Test, 1, 5), [1]);
    }

    #[test]
    fn bed_overlaps_are_half_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bed");
        std::fs::write(
            &path,
            "track name=x\n# c\nchr1\t100\t101\tpeak\nchr2\t0\t50\nchr1\t10\t450\n",
        )
        .unwrap();
        let data = dataset();
        let ivs = read_bed(&path, &data).unwrap();
        assert_eq!(ivs.len(), 3);
        // chr2:0-50 ends where w2 starts; chr1:10-450 covers w0, w1 and reaches into w3.
        assert_eq!(overlapping_rows(&data, &ivs), [0, 1, 3]);
        assert_eq!(overlapping_rows(&data, &ivs[..2]), [1]);

        std::fs::write(&path, "chr1\t5\n").unwrap();
        let err = read_bed(&path, &data).unwrap_err().to_string();
        assert!(err.contains("w.bed:1:"), "{err}");
        std::fs::write(&path, "chr1\t5\t5\n").unwrap();
        assert!(read_bed(&path, &data).is_err());
    }

    #[test]
    fn bed_chromosomes_are_checked_against_the_windows() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let data = dataset();
        // gzip, whatever the name; a line on a chromosome without windows is skipped.
        let path = dir.path().join("w.bed");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"chrX\t0\t1000\nchr2\t60\t70\n").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert_eq!(
            read_bed(&path, &data).unwrap(),
            [Interval::new("chr2", 60, 70)]
        );
        // None on the windows' chromosomes: an error, which names the `chr` mismatch.
        std::fs::write(&path, "1\t0\t1000\n2\t0\t1000\n").unwrap();
        let err = read_bed(&path, &data).unwrap_err().to_string();
        assert!(
            err.contains("w.bed: none of its 2 intervals is on a chromosome of the dataset"),
            "{err}"
        );
        assert!(err.contains("(chr1, not 1)"), "{err}");
    }
}
