//! Labels from peaks: which windows each TF binds (by the assignment rule), which are unknown
//! (by the NA rules), and the windows × TFs matrix they make.

use rayon::prelude::*;
use tfbind_dataset::{LabelMatrix, BOUND, UNBOUND, UNKNOWN};

use crate::{
    narrowpeak::Peak,
    params::{Assign, BuildParams},
    windows::WindowIndex,
};

/// The labels of one TF as sorted, disjoint window rows; every other window is unbound.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    pub bound: Vec<u32>,
    pub unknown: Vec<u32>,
    /// Peaks that made no window bound (e.g. their summit is in no window).
    pub peaks_without_window: u64,
}

/// Labels one TF's peaks over the windows of `index` (`n_chroms` chromosomes in the genome).
pub(crate) fn column(
    peaks: &[Peak],
    index: &WindowIndex,
    params: &BuildParams,
    n_chroms: usize,
) -> Column {
    let mut bound: Vec<u32> = Vec::with_capacity(peaks.len());
    let mut touched: Vec<u32> = Vec::new();
    let mut peaks_without_window = 0;
    for p in peaks {
        let before = bound.len();
        match params.assign {
            Assign::Summit => bound.extend(index.containing(p.chrom, p.summit).map(row)),
            Assign::Best => {
                // min_by_key keeps the first of equal keys: ties go to genome order.
                let best = index.containing(p.chrom, p.summit).min_by_key(|&r| {
                    let centre = index.start(r) + (index.end(r) - index.start(r)) / 2;
                    (
                        centre.abs_diff(p.summit),
                        std::cmp::Reverse(overlap(index, r, p)),
                    )
                });
                bound.extend(best.map(row));
            }
            Assign::Overlap => bound.extend(
                index
                    .overlapping(p.chrom, p.start, p.end)
                    .filter(|&r| {
                        let len = index.end(r) - index.start(r);
                        overlap(index, r, p) as f64 >= params.min_overlap * len as f64
                    })
                    .map(row),
            ),
        }
        if bound.len() == before {
            peaks_without_window += 1;
        }
        if params.na_overlap {
            touched.extend(index.overlapping(p.chrom, p.start, p.end).map(row));
        }
    }
    bound.sort_unstable();
    bound.dedup();

    let mut unknown = touched;
    unknown.sort_unstable();
    unknown.dedup();
    unknown.retain(|r| bound.binary_search(r).is_err());
    if params.na_chroms_without_peaks {
        let mut has_peaks = vec![false; n_chroms];
        for p in peaks {
            has_peaks[p.chrom as usize] = true;
        }
        for (chrom, _) in has_peaks.iter().enumerate().filter(|(_, &has)| !has) {
            unknown.extend(index.chrom_rows(chrom as u32).map(row));
        }
        unknown.sort_unstable();
    }
    Column {
        bound,
        unknown,
        peaks_without_window,
    }
}

/// Window rows fit u32: the build refuses more windows than that.
fn row(r: usize) -> u32 {
    r as u32
}

fn overlap(index: &WindowIndex, r: usize, p: &Peak) -> u64 {
    index
        .end(r)
        .min(p.end)
        .saturating_sub(index.start(r).max(p.start))
}

/// Rows filled by one rayon task.
const ROWS_PER_TASK: usize = 4096;

/// The row-major windows × TFs matrix of the columns, filled in parallel by blocks of rows.
pub(crate) fn matrix(names: Vec<String>, columns: &[Column], n_rows: usize) -> LabelMatrix {
    let n_cols = names.len();
    let mut values = vec![UNBOUND; n_rows * n_cols];
    if n_cols > 0 {
        values
            .par_chunks_mut(ROWS_PER_TASK * n_cols)
            .enumerate()
            .for_each(|(task, block)| {
                let first = task * ROWS_PER_TASK;
                let last = first + block.len() / n_cols;
                for (col, labels) in columns.iter().enumerate() {
                    for (rows, value) in [(&labels.bound, BOUND), (&labels.unknown, UNKNOWN)] {
                        let from = rows.partition_point(|&r| (r as usize) < first);
                        for &r in rows[from..].iter().take_while(|&&r| (r as usize) < last) {
                            block[(r as usize - first) * n_cols + col] = value;
                        }
                    }
                }
            });
    }
    LabelMatrix::from_values(names, values).expect("the values fill rows × names")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::windows::unnamed;

    /// Windows on chr0: [0,200) [100,300) [150,350) [1000,1200); chr1: [0,200); chr2 has none.
    fn index() -> WindowIndex {
        let wins = unnamed(&[
            (0, 0, 200),
            (0, 100, 300),
            (0, 150, 350),
            (0, 1000, 1200),
            (1, 0, 200),
        ]);
        WindowIndex::new(&wins, 3)
    }

    fn peak(start: u64, end: u64, summit: u64) -> Peak {
        Peak {
            chrom: 0,
            start,
            end,
            summit,
            line: 1,
        }
    }

    fn with(assign: Assign) -> BuildParams {
        BuildParams {
            assign,
            ..Default::default()
        }
    }

    #[test]
    fn summit_rule_marks_every_window_holding_the_summit() {
        // Windows are half-open: 200 is not in [0, 200), 199 is.
        let peaks = [peak(100, 300, 200), peak(500, 600, 550)];
        let c = column(&peaks, &index(), &with(Assign::Summit), 3);
        assert_eq!(c.bound, [1, 2]);
        assert_eq!(c.peaks_without_window, 1);
        assert!(c.unknown.is_empty());
        let c = column(&[peak(100, 300, 199)], &index(), &with(Assign::Summit), 3);
        assert_eq!(c.bound, [0, 1, 2]);
    }

    #[test]
    fn best_rule_takes_the_nearest_centre_then_the_largest_overlap() {
        let index = index();
        let best = |p: Peak| column(&[p], &index, &with(Assign::Best), 3).bound;
        // Centres 100, 200, 250: the summit 200 is the centre of window 1.
        assert_eq!(best(peak(100, 300, 200)), [1]);
        // Summit 175 is 75, 25 and 75 from the centres 100, 200, 250: window 1 wins on distance.
        assert_eq!(best(peak(150, 200, 175)), [1]);
        // Summit 150 is 50 from the centres 100 and 200: the peak [150, 350) overlaps window 1 by
        // 150 and window 0 by 50, so window 1 wins on overlap.
        assert_eq!(best(peak(150, 350, 150)), [1]);
        // Equal distance and overlap: the first window in genome order.
        assert_eq!(best(peak(150, 151, 150)), [0]);
    }

    #[test]
    fn overlap_rule_needs_the_fraction_of_the_window() {
        let p = BuildParams {
            min_overlap: 0.75,
            ..with(Assign::Overlap)
        };
        // [50, 350) covers window 0 by 150 (0.75), window 1 fully, window 2 by 200 (1.0).
        let c = column(&[peak(50, 350, 60)], &index(), &p, 3);
        assert_eq!(c.bound, [0, 1, 2]);
        let c = column(&[peak(60, 350, 60)], &index(), &p, 3);
        assert_eq!(c.bound, [1, 2]);
    }

    #[test]
    fn na_rules() {
        let p = BuildParams {
            na_overlap: true,
            na_chroms_without_peaks: true,
            ..with(Assign::Best)
        };
        let c = column(&[peak(100, 300, 200)], &index(), &p, 3);
        assert_eq!(c.bound, [1]);
        // Windows 0 and 2 overlap the peak; chr1 (row 4) has no peak; chr2 has no window.
        assert_eq!(c.unknown, [0, 2, 4]);
        let c = column(&[], &index(), &p, 3);
        assert_eq!(c.unknown, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn matrix_places_columns_across_task_blocks() {
        let n = ROWS_PER_TASK * 2 + 5;
        let columns = [
            Column {
                bound: vec![0, ROWS_PER_TASK as u32, n as u32 - 1],
                unknown: vec![1],
                peaks_without_window: 0,
            },
            Column::default(),
        ];
        let m = matrix(vec!["A".into(), "B".into()], &columns, n);
        assert_eq!(m.n_rows(), n);
        let a: Vec<i8> = m.column(0).collect();
        assert_eq!((a[0], a[1], a[2]), (BOUND, UNKNOWN, UNBOUND));
        assert_eq!((a[ROWS_PER_TASK], a[n - 1]), (BOUND, BOUND));
        assert_eq!(a.iter().filter(|&&v| v == BOUND).count(), 3);
        assert!(m.column(1).all(|v| v == UNBOUND));
    }
}
