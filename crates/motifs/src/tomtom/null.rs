//! The null distribution of a query's alignment scores, as Tomtom computes it.
//!
//! Each query column's score against a random database column has the distribution `f_i` (its
//! histogram over all target columns, on the integer grid of the query). An alignment that covers
//! query columns `a..=b` scores the sum of those columns' scores plus the median score (0 before
//! the shift, `offset` after) for each uncovered column; its null is the convolution of
//! `f_a … f_b`, shifted. A target of width `t` is tried at every offset, and the best offset is
//! kept, so its p-value is that of the maximum over offsets, taken as independent:
//! `P(max ≥ s) = 1 − Π (1 − P(span_o ≥ s))`, combined pairwise as `x + y − xy`, which keeps
//! the tiny p-values of strong matches to full relative precision where `1 − Π` would round
//! them to 0. This is memelite's construction (its B matrices), organised per span.

/// Survival function of one span's score: `values[k] = P(score ≥ lo + k)`. The last entry is 0,
/// and everything below `lo` has probability `values[0]` (the total, 1 up to rounding).
#[derive(Debug, Default)]
pub(crate) struct Survival {
    lo: i64,
    values: Vec<f64>,
}

impl Survival {
    /// `P(score ≥ s)`.
    #[inline(always)]
    pub fn at(&self, s: i64) -> f64 {
        let last = self.values.len() as i64 - 1;
        self.values[(s - self.lo).clamp(0, last) as usize]
    }
}

/// One query column's score histogram restricted to its non-zero bins, reversed for the
/// convolution kernel.
struct Column {
    lo: usize,
    reversed: Vec<f64>,
}

/// The span survivals one query needs, and the scratch to compute them; reused across queries.
#[derive(Default)]
pub(crate) struct SpanNull {
    nq: usize,
    columns: Vec<Column>,
    /// Survival of span `a..=b` at `a * nq + b`, computed when some target width needs it.
    survivals: Vec<Survival>,
    needed: Vec<bool>,
    pdf: Vec<f64>,
    next: Vec<f64>,
    padded: Vec<f64>,
}

/// Outputs per convolution block: 32 doubles are 8 AVX registers of accumulators, enough
/// independent chains to keep both FMA units busy.
const BLOCK: usize = 32;

impl SpanNull {
    /// Prepares the spans for a query of `nq` columns whose score histograms are the rows of
    /// `hist` (`bins + 1` each), for alignments to targets of the given `widths`, with an
    /// uncovered column scoring `offset`.
    #[inline(always)]
    pub fn build(
        &mut self,
        nq: usize,
        hist: &[f64],
        bins: usize,
        offset: i64,
        widths: &[usize],
        min_overlap: usize,
    ) {
        self.nq = nq;
        self.columns.clear();
        for row in hist.chunks_exact(bins + 1).take(nq) {
            let lo = row.iter().position(|&p| p != 0.0).unwrap_or(0);
            let hi = row.iter().rposition(|&p| p != 0.0).unwrap_or(0);
            self.columns.push(Column {
                lo,
                reversed: row[lo..=hi].iter().rev().copied().collect(),
            });
        }

        self.needed.clear();
        self.needed.resize(nq * nq, false);
        for &t in widths {
            for_each_span(nq, t, min_overlap, |a, b| self.needed[a * nq + b] = true);
        }
        if self.survivals.len() < nq * nq {
            self.survivals.resize_with(nq * nq, Survival::default);
        }

        for a in 0..nq {
            let Some(b_max) = (a..nq).rev().find(|&b| self.needed[a * nq + b]) else {
                continue;
            };
            let first = &self.columns[a];
            self.pdf.clear();
            self.pdf.extend(first.reversed.iter().rev());
            let mut lo = first.lo;
            for b in a..=b_max {
                if b > a {
                    let col = &self.columns[b];
                    convolve(&self.pdf, &col.reversed, &mut self.padded, &mut self.next);
                    std::mem::swap(&mut self.pdf, &mut self.next);
                    lo += col.lo;
                }
                if self.needed[a * nq + b] {
                    let uncovered = (nq - (b - a + 1)) as i64;
                    let s = &mut self.survivals[a * nq + b];
                    s.lo = lo as i64 + uncovered * offset;
                    // Every value is written: only a longer buffer than last time is zeroed
                    // (cleared first, every value was written twice).
                    let n = self.pdf.len();
                    s.values.truncate(n + 1);
                    s.values.resize(n + 1, 0.0);
                    suffix_sums(&self.pdf, &mut s.values);
                    s.values[n] = 0.0;
                }
            }
        }
    }

    /// The survival of span `a..=b`; [`SpanNull::build`] must have been told a width needing it.
    #[inline(always)]
    pub fn span(&self, a: usize, b: usize) -> &Survival {
        debug_assert!(self.needed[a * self.nq + b]);
        &self.survivals[a * self.nq + b]
    }
}

/// `out[k] = min(1, Σ_{i ≥ k} pdf[i])` for every `k` of `pdf`. Summed from the top, so small tail
/// probabilities keep their precision (all terms are non-negative, so the relative error stays
/// within a few units of the last place whatever the order). In blocks of four: each block's own
/// sums do not wait for the running total, which then takes one addition per block instead of
/// four (one long chain of additions made this a quarter of the null distribution's time).
#[inline(always)]
fn suffix_sums(pdf: &[f64], out: &mut [f64]) {
    let out = &mut out[..pdf.len()];
    let mut total = 0.0;
    for (o, p) in out.rchunks_exact_mut(4).zip(pdf.rchunks_exact(4)) {
        let t3 = p[3];
        let t2 = p[2] + t3;
        let t1 = p[1] + t2;
        let t0 = p[0] + t1;
        o[3] = (total + t3).min(1.0);
        o[2] = (total + t2).min(1.0);
        o[1] = (total + t1).min(1.0);
        o[0] = (total + t0).min(1.0);
        total += t0;
    }
    let head = pdf.len() % 4;
    for (o, &p) in out[..head].iter_mut().zip(&pdf[..head]).rev() {
        total += p;
        *o = total.min(1.0);
    }
}

/// Calls `visit(a, b)` for the query columns `a..=b` covered at each offset of a target of width
/// `t` against a query of width `nq` whose overlap is at least `min(min_overlap, nq, t)`, once
/// per offset (so a span covered at several offsets is visited several times).
#[inline(always)]
pub(crate) fn for_each_span(
    nq: usize,
    t: usize,
    min_overlap: usize,
    mut visit: impl FnMut(usize, usize),
) {
    let m0 = min_overlap.min(nq).min(t);
    // Offset o puts query column i against target column i + o.
    for o in -(nq as i64 - 1)..t as i64 {
        let a = (-o).max(0) as usize;
        let b = (nq as i64).min(t as i64 - o) as usize - 1;
        if b + 1 - a >= m0 {
            visit(a, b);
        }
    }
}

/// `out = pdf ⊛ f` (full convolution) with `f` given reversed. Written as blocks of outputs
/// accumulated in registers over a zero-padded copy of `pdf`, which the compiler vectorizes
/// without reordering any sum: each output adds its terms in the same order, with fused
/// multiply-adds (exactly rounded, so the same bits on every CPU; a CPU without FMA computes
/// them in software, slowly).
#[inline(always)]
fn convolve(pdf: &[f64], f_reversed: &[f64], padded: &mut Vec<f64>, out: &mut Vec<f64>) {
    let (n, w) = (pdf.len(), f_reversed.len());
    let m = n + w - 1;
    let blocks = m.div_ceil(BLOCK);
    padded.clear();
    padded.resize(w - 1, 0.0);
    padded.extend_from_slice(pdf);
    padded.resize(blocks * BLOCK + w - 1, 0.0);
    // Every block is written whole.
    out.truncate(blocks * BLOCK);
    out.resize(blocks * BLOCK, 0.0);
    for (q, dst) in out.chunks_exact_mut(BLOCK).enumerate() {
        let mut acc = [0.0f64; BLOCK];
        let window = &padded[q * BLOCK..q * BLOCK + BLOCK + w - 1];
        for (s, &c) in f_reversed.iter().enumerate() {
            let src: &[f64; BLOCK] = window[s..s + BLOCK].try_into().expect("BLOCK values");
            for j in 0..BLOCK {
                acc[j] = c.mul_add(src[j], acc[j]);
            }
        }
        dst.copy_from_slice(&acc);
    }
    out.truncate(m);
}

/// `x ⊕ y = 1 − (1 − x)(1 − y)`: the probability that at least one of two independent events
/// happens, without the cancellation of the product form.
#[inline(always)]
pub(crate) fn either(x: f64, y: f64) -> f64 {
    x + y - x * y
}

/// `x ⊕ x ⊕ … ⊕ x` (`times` terms): at least one of `times` independent events of probability
/// `x`, by doubling, so an offset repeated 30 times costs 9 steps rather than 30.
#[inline(always)]
pub(crate) fn either_times(x: f64, times: u32) -> f64 {
    let (mut acc, mut power, mut k) = (0.0, x, times);
    while k > 0 {
        if k & 1 == 1 {
            acc = either(acc, power);
        }
        power = either(power, power);
        k >>= 1;
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convolution_matches_the_direct_sum() {
        let a = [0.1, 0.2, 0.3, 0.4];
        let f = [0.5, 0.0, 0.25, 0.25];
        let rev: Vec<f64> = f.iter().rev().copied().collect();
        let (mut padded, mut out) = (Vec::new(), Vec::new());
        convolve(&a, &rev, &mut padded, &mut out);
        let mut want = vec![0.0; a.len() + f.len() - 1];
        for (i, x) in a.iter().enumerate() {
            for (j, y) in f.iter().enumerate() {
                want[i + j] += x * y;
            }
        }
        assert_eq!(out.len(), want.len());
        for (g, w) in out.iter().zip(&want) {
            assert!((g - w).abs() < 1e-15);
        }
    }

    #[test]
    fn spans_cover_every_offset_once() {
        let mut spans = Vec::new();
        for_each_span(3, 2, 1, |a, b| spans.push((a, b)));
        // Offsets -2..=1: query columns {2}, {1,2}, {0,1}, {0}.
        assert_eq!(spans, vec![(2, 2), (1, 2), (0, 1), (0, 0)]);
        spans.clear();
        for_each_span(3, 5, 2, |a, b| spans.push((a, b)));
        assert_eq!(spans, vec![(1, 2), (0, 2), (0, 2), (0, 2), (0, 1)]);
    }

    #[test]
    fn survival_of_a_two_column_span() {
        // Two columns each scoring 0 or 1 with probability 1/2: the sum is 0, 1, 2 with 1/4,
        // 1/2, 1/4. With offset 3 a one-column span of a two-column query is shifted by 3.
        let bins = 1;
        let hist = [0.5, 0.5, 0.5, 0.5];
        let mut null = SpanNull::default();
        null.build(2, &hist, bins, 3, &[2], 1);
        let full = null.span(0, 1);
        assert_eq!(
            [full.at(-5), full.at(0), full.at(1), full.at(2), full.at(3)],
            [1.0, 1.0, 0.75, 0.25, 0.0]
        );
        let one = null.span(1, 1);
        assert_eq!([one.at(3), one.at(4), one.at(5)], [1.0, 0.5, 0.0]);
    }

    #[test]
    fn suffix_sums_are_the_survival_function() {
        for n in [1, 3, 4, 5, 8, 11] {
            let pdf: Vec<f64> = (0..n).map(|i| 1.0 / f64::from(2u32 << i)).collect();
            let mut out = vec![f64::NAN; n + 1];
            out[n] = 0.0;
            suffix_sums(&pdf, &mut out);
            for k in 0..n {
                let want: f64 = pdf[k..].iter().rev().sum();
                assert!(
                    (out[k] - want).abs() <= 4.0 * f64::EPSILON * want,
                    "{n} {k}"
                );
            }
            assert_eq!(out[n], 0.0);
        }
        // Rounding above 1 is capped; tiny tails keep full relative precision.
        let mut out = vec![0.0; 3];
        suffix_sums(&[0.5, 0.5 + 1e-16, 1e-300], &mut out);
        assert_eq!(out[0], 1.0);
        assert_eq!(out[2], 1e-300);
    }

    #[test]
    fn either_keeps_tiny_probabilities() {
        assert_eq!(either(1e-300, 1e-300), 2e-300);
        assert_eq!(either(0.5, 0.5), 0.75);
        assert_eq!(either_times(1e-300, 7), 7e-300);
        for times in [1, 2, 5, 29] {
            let want = 1.0 - 0.9f64.powi(times as i32);
            assert!((either_times(0.1, times) - want).abs() < 1e-15, "{times}");
        }
    }
}
