//! Base composition of windows, GC bins and the two-sample Kolmogorov–Smirnov statistic.

use serde::{Deserialize, Serialize};
use tfbind_genome::codes;

/// Base counts of one window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Composition {
    /// G or C.
    pub gc: u32,
    /// A, C, G or T: the bases GC content is measured over.
    pub acgt: u32,
    /// N or another ambiguity code.
    pub n: u32,
}

impl Composition {
    /// Counts the bases of a window given as sequence codes (A C G T N = 0..4).
    ///
    /// # Examples
    /// ```
    /// use tfbind_negatives::gc::Composition;
    /// let c = Composition::of(&[0, 1, 2, 2, 4]);
    /// assert_eq!((c.gc, c.acgt, c.n), (3, 4, 1));
    /// assert_eq!(c.gc_fraction(), 0.75);
    /// ```
    pub fn of(seq: &[u8]) -> Self {
        let mut counts = [0u32; 5];
        for &c in seq {
            counts[usize::from(c.min(codes::N))] += 1;
        }
        let gc = counts[usize::from(codes::C)] + counts[usize::from(codes::G)];
        Self {
            gc,
            acgt: gc + counts[usize::from(codes::A)] + counts[usize::from(codes::T)],
            n: counts[usize::from(codes::N)],
        }
    }

    /// GC content over the known bases; 0 for a window without any.
    pub fn gc_fraction(&self) -> f64 {
        if self.acgt == 0 {
            0.0
        } else {
            f64::from(self.gc) / f64::from(self.acgt)
        }
    }

    /// Fraction of the window that is N.
    pub fn n_fraction(&self) -> f64 {
        let len = self.acgt + self.n;
        if len == 0 {
            0.0
        } else {
            f64::from(self.n) / f64::from(len)
        }
    }

    /// The bin of the GC content among `bins` equal bins over [0, 1]; 100 % GC falls in the
    /// last. Integer arithmetic, so a window on a bin edge lands in the same bin on every machine.
    ///
    /// # Examples
    /// ```
    /// use tfbind_negatives::gc::Composition;
    /// let c = Composition { gc: 20, acgt: 200, n: 0 };
    /// assert_eq!(c.bin(10), 1); // exactly 0.1 opens bin 1
    /// assert_eq!(Composition { gc: 200, acgt: 200, n: 0 }.bin(10), 9);
    /// ```
    pub fn bin(&self, bins: usize) -> usize {
        if self.acgt == 0 {
            return 0;
        }
        let b = u64::from(self.gc) * bins as u64 / u64::from(self.acgt);
        (b as usize).min(bins - 1)
    }
}

/// Lower and upper GC edge of bin `b` of `bins`, rounded to 6 decimals for reports.
pub fn bin_edges(b: usize, bins: usize) -> (f64, f64) {
    let edge = |k: usize| (k as f64 / bins as f64 * 1e6).round() / 1e6;
    (edge(b), edge(b + 1))
}

/// Counts of items per bin.
pub fn histogram(bins_of_items: impl IntoIterator<Item = usize>, bins: usize) -> Vec<usize> {
    let mut counts = vec![0; bins];
    for b in bins_of_items {
        counts[b] += 1;
    }
    counts
}

/// The two-sample Kolmogorov–Smirnov statistic: the largest distance between the empirical
/// distribution functions of `a` and `b`; 0 when either is empty.
///
/// # Examples
/// ```
/// use tfbind_negatives::gc::ks_statistic;
/// assert_eq!(ks_statistic(&[0.1, 0.2], &[0.1, 0.2]), 0.0);
/// assert_eq!(ks_statistic(&[0.1, 0.2], &[0.3, 0.4]), 1.0);
/// assert_eq!(ks_statistic(&[0.1, 0.3], &[0.2, 0.4]), 0.5);
/// ```
pub fn ks_statistic(a: &[f64], b: &[f64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    a.sort_by(f64::total_cmp);
    b.sort_by(f64::total_cmp);
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    // Step over each distinct value in both samples at once, so ties never open a false gap.
    while i < a.len() && j < b.len() {
        let x = if a[i] <= b[j] { a[i] } else { b[j] };
        while i < a.len() && a[i] <= x {
            i += 1;
        }
        while j < b.len() && b[j] <= x {
            j += 1;
        }
        d = d.max((i as f64 / na - j as f64 / nb).abs());
    }
    d
}

/// The GC distributions of one task's positives and negatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcReport {
    pub task: String,
    pub positives: usize,
    pub negatives: usize,
    /// Windows kept with an unknown label for this task (multi-task datasets).
    pub unknown: usize,
    pub mean_gc_positives: f64,
    pub mean_gc_negatives: f64,
    /// Two-sample Kolmogorov–Smirnov statistic between the positives' and negatives' GC content.
    pub ks: f64,
    pub bins: Vec<GcBin>,
}

/// One GC bin of a [`GcReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GcBin {
    pub gc_from: f64,
    pub gc_to: f64,
    pub positives: usize,
    pub negatives: usize,
}

impl GcReport {
    /// Summarises the compositions of a task's positives and negatives.
    pub fn new(
        task: &str,
        positives: &[Composition],
        negatives: &[Composition],
        unknown: usize,
        bins: usize,
    ) -> Self {
        let gc = |c: &[Composition]| c.iter().map(Composition::gc_fraction).collect::<Vec<_>>();
        let (gp, gn) = (gc(positives), gc(negatives));
        let mean = |v: &[f64]| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let hp = histogram(positives.iter().map(|c| c.bin(bins)), bins);
        let hn = histogram(negatives.iter().map(|c| c.bin(bins)), bins);
        Self {
            task: task.to_string(),
            positives: positives.len(),
            negatives: negatives.len(),
            unknown,
            mean_gc_positives: mean(&gp),
            mean_gc_negatives: mean(&gn),
            ks: ks_statistic(&gp, &gn),
            bins: (0..bins)
                .map(|b| {
                    let (gc_from, gc_to) = bin_edges(b, bins);
                    GcBin {
                        gc_from,
                        gc_to,
                        positives: hp[b],
                        negatives: hn[b],
                    }
                })
                .collect(),
        }
    }
}

/// The `gc.tsv` table of an artifact: one line per task and GC bin.
pub fn to_tsv(reports: &[GcReport]) -> String {
    let mut out = String::from("task\tgc_from\tgc_to\tpositives\tnegatives\n");
    for r in reports {
        for b in &r.bins {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                r.task, b.gc_from, b.gc_to, b.positives, b.negatives
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comp(gc: u32, acgt: u32) -> Composition {
        Composition { gc, acgt, n: 0 }
    }

    #[test]
    fn ks_matches_hand_computed_values_with_ties_and_unequal_sizes() {
        // a's EDF: 1/3 at 0.1, 1 at 0.5; b's: 0 until 0.5, 1/2 at 0.5, 1 at 0.9.
        // Gaps: 1/3 at 0.1, 1/2 at 0.5.
        let d = ks_statistic(&[0.5, 0.1, 0.5], &[0.9, 0.5]);
        assert!((d - 0.5).abs() < 1e-12, "{d}");
        assert_eq!(ks_statistic(&[], &[0.2]), 0.0);
        // Same values in another order and multiplicity-scaled: no difference.
        assert_eq!(
            ks_statistic(&[0.3, 0.1, 0.2], &[0.1, 0.1, 0.2, 0.2, 0.3, 0.3]),
            0.0
        );
    }

    #[test]
    fn composition_counts_gc_over_known_bases() {
        let c = Composition::of(&[4, 4, 1, 3]);
        assert_eq!(
            c,
            Composition {
                gc: 1,
                acgt: 2,
                n: 2
            }
        );
        assert_eq!(c.gc_fraction(), 0.5);
        assert_eq!(c.n_fraction(), 0.5);
        let all_n = Composition::of(&[4, 4]);
        assert_eq!((all_n.gc_fraction(), all_n.bin(10)), (0.0, 0));
    }

    #[test]
    fn bins_split_the_unit_interval_evenly() {
        assert_eq!(comp(0, 200).bin(10), 0);
        assert_eq!(comp(19, 200).bin(10), 0);
        assert_eq!(comp(60, 200).bin(10), 3);
        assert_eq!(comp(199, 200).bin(10), 9);
        assert_eq!(comp(1, 3).bin(3), 1);
        assert_eq!(bin_edges(2, 10), (0.2, 0.3));
        assert_eq!(bin_edges(0, 3), (0.0, 0.333333));
    }

    #[test]
    fn report_counts_each_side_per_bin() {
        let pos = [comp(180, 200), comp(150, 200)];
        let neg = [comp(30, 200)];
        let r = GcReport::new("NRF1", &pos, &neg, 0, 4);
        let counts: Vec<_> = r.bins.iter().map(|b| (b.positives, b.negatives)).collect();
        assert_eq!(counts, [(0, 1), (0, 0), (0, 0), (2, 0)]);
        assert_eq!(r.ks, 1.0);
        assert!((r.mean_gc_positives - 0.825).abs() < 1e-12);
        let tsv = to_tsv(&[r]);
        assert_eq!(tsv.lines().count(), 5);
        assert!(tsv.contains("NRF1\t0.75\t1\t2\t0\n"), "{tsv}");
    }
}
