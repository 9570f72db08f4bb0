//! Recursive seqlet calling, as tangermeme 1.6.0's `recursive_seqlets` (Schreiber, after
//! Shrikumar) calls seqlets at a fixed p-value threshold, step by step so that the two call the
//! same seqlets with the same p-values:
//!
//! 1. The attributions of all windows are cut into `n_bins` equal bins between their minimum and
//!    maximum, and their histogram is the null distribution of one position.
//! 2. The null of a span of `L` positions is the histogram convolved with itself `L` times (the
//!    positions drawn independently); its reverse CDF gives a span's p-value from the sum of its
//!    bins.
//! 3. A span is a candidate when it and every span inside it of length at least `min_len` (its
//!    "triangle") have p-values below the threshold; its rank is the largest p-value over its
//!    prefixes of at least `min_len`.
//! 4. In each window, from the longest length to the shortest and within one length from the
//!    smallest p-value (the largest over the span's prefixes, ties by start), a candidate becomes a
//!    seqlet unless it overlaps a seqlet called before.

/// The parameters of [`recursive_seqlets`], with tangermeme's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RecursiveParams {
    /// A span's p-value, and every p-value of its triangle, must be below this (not a false
    /// discovery rate: the null assumes independent positions and contains the signal).
    pub threshold: f64,
    pub min_seqlet_len: usize,
    pub max_seqlet_len: usize,
    /// Positions added on each side of a called seqlet (clipped to the window); they do not
    /// take part in calling, so extended seqlets may overlap.
    pub additional_flanks: usize,
    pub n_bins: usize,
}

impl Default for RecursiveParams {
    fn default() -> Self {
        Self {
            threshold: 0.01,
            min_seqlet_len: 4,
            max_seqlet_len: 25,
            additional_flanks: 0,
            n_bins: 1000,
        }
    }
}

/// The null's table holds `n_bins · max_seqlet_len²` float64 values; beyond this many the
/// parameters are refused rather than allocating gigabytes.
const MAX_NULL_CELLS: usize = 1 << 27;

impl RecursiveParams {
    /// Checks the parameters; the message is for a user (names are the config keys).
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(format!(
                "seqlet_threshold {} must be a p-value in [0, 1]",
                self.threshold
            ));
        }
        if self.min_seqlet_len == 0 || self.max_seqlet_len < self.min_seqlet_len {
            return Err(format!(
                "min_seqlet_len ({}) must be at least 1 and at most max_seqlet_len ({})",
                self.min_seqlet_len, self.max_seqlet_len
            ));
        }
        if self.n_bins < 2 {
            return Err("seqlet_bins must be at least 2".into());
        }
        let cells = self
            .n_bins
            .checked_mul(self.max_seqlet_len)
            .and_then(|c| c.checked_mul(self.max_seqlet_len));
        if cells.is_none_or(|c| c > MAX_NULL_CELLS) {
            return Err(format!(
                "seqlet_bins × max_seqlet_len² must be at most {MAX_NULL_CELLS} (the null \
                 distributions' size)"
            ));
        }
        Ok(())
    }
}

/// A span of high attribution in one window.
#[derive(Debug, Clone, PartialEq)]
pub struct Seqlet {
    /// The window's index in the attribution arrays.
    pub example: usize,
    /// Positions in the window, 0-based, half-open, flanks included.
    pub start: usize,
    pub end: usize,
    /// The sum of the attributions over `start..end`.
    pub attribution: f64,
    /// The p-value of the span as called (without flanks); for ranking, not an error rate.
    pub p_value: f64,
}

/// Calls seqlets on `x`, the attributions of the windows' own letters (`[windows, len]`, row
/// after row), ranked by p-value (ties in calling order). Only positive seqlets are called, as by
/// tangermeme; `params` must be valid ([`RecursiveParams::validate`]).
pub fn recursive_seqlets(x: &[f32], len: usize, params: &RecursiveParams) -> Vec<Seqlet> {
    if len == 0 || x.is_empty() {
        return Vec::new();
    }
    let Some(null) = Null::new(x, params) else {
        return Vec::new();
    };
    let mut decoder = Decoder::new(len, params);
    let mut seqlets = Vec::new();
    for (example, row) in x.chunks_exact(len).enumerate() {
        decoder.decode(example, row, &null, params, &mut seqlets);
    }
    // Stable: equal p-values stay in calling order.
    seqlets.sort_by(|a, b| a.p_value.total_cmp(&b.p_value));
    seqlets
}

/// The bins and, per span length, the probability that a span's bin sum reaches each value.
struct Null {
    /// Kept in the attributions' float32, as tangermeme subtracts in their dtype.
    xmin: f32,
    bin_width: f64,
    n_bins: usize,
    /// Row `L` (1 ≤ L ≤ max_seqlet_len), entry `s`: P(sum of `L` binned values ≥ s).
    rcdfs: Vec<f64>,
    width: usize,
}

impl Null {
    /// `None` when every value is equal: no span stands out, and the bins would have no width.
    fn new(x: &[f32], params: &RecursiveParams) -> Option<Self> {
        let (xmin, xmax) = x
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        if xmax == xmin {
            return None;
        }
        let n_bins = params.n_bins;
        let max_len = params.max_seqlet_len;
        let mut null = Self {
            xmin,
            bin_width: f64::from(xmax - xmin) / (n_bins - 1) as f64,
            n_bins,
            rcdfs: Vec::new(),
            width: n_bins * max_len + 1,
        };
        let mut counts = vec![0u64; n_bins];
        for &v in x {
            counts[null.bin(v)] += 1;
        }
        let f: Vec<f64> = counts.iter().map(|&c| c as f64 / x.len() as f64).collect();
        // The nonzero bins, highest first: each convolution sum runs over them in this order
        // (ascending index into the previous row), as tangermeme's does, so that the float64
        // sums are the same; zero terms would add nothing either way.
        let nonzero: Vec<(usize, f64)> = (0..n_bins)
            .rev()
            .filter(|&j| f[j] != 0.0)
            .map(|j| (j, f[j]))
            .collect();
        null.rcdfs = vec![0.0; (max_len + 1) * null.width];
        // The previous row's probabilities with `n_bins` zeros before them, so that a block of
        // outputs reads one contiguous slice per bin.
        let pad = n_bins;
        let mut prev = vec![0.0; pad + n_bins * max_len + BLOCK];
        prev[pad..pad + n_bins].copy_from_slice(&f);
        let mut cur = vec![0.0; prev.len()];
        for len in 1..=max_len {
            if len > 1 {
                // Sums of `len` bins reach (n_bins - 1) · len; the outputs up to here are
                // tangermeme's (the last ones zeros).
                let n_out = n_bins * len - 1;
                cur.fill(0.0);
                convolve(&prev, pad, n_bins * (len - 1), &nonzero, n_out, &mut cur);
                std::mem::swap(&mut prev, &mut cur);
            }
            let row = &mut null.rcdfs[len * null.width..(len + 1) * null.width];
            for i in (0..n_bins * len).rev() {
                row[i] = row[i + 1] + prev[pad + i];
            }
        }
        Some(null)
    }

    fn bin(&self, v: f32) -> usize {
        let b = (f64::from(v - self.xmin) / self.bin_width).floor();
        b.clamp(0.0, (self.n_bins - 1) as f64) as usize
    }

    /// P(a span of `len` positions has a bin sum ≥ `sum`).
    fn p(&self, len: usize, sum: usize) -> f64 {
        self.rcdfs[len * self.width + sum]
    }
}

/// Outputs of the convolution accumulated together (they vectorize).
const BLOCK: usize = 64;

/// Writes to `cur[pad + m]`, for `m < n_out`, the sum over the `nonzero` bins `(j, f_j)`,
/// highest `j` first, of `prev[pad + m - j] · f_j`: the previous row (its first `n_prev` entries
/// may be nonzero, zeros around them) convolved with the histogram. Multiplications and additions
/// stay separate (Rust never fuses them), so every CPU gets the same bits, tangermeme's.
fn convolve(
    prev: &[f64],
    pad: usize,
    n_prev: usize,
    nonzero: &[(usize, f64)],
    n_out: usize,
    cur: &mut [f64],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { convolve_avx2(prev, pad, n_prev, nonzero, n_out, cur) };
    }
    convolve_body(prev, pad, n_prev, nonzero, n_out, cur);
}

/// [`convolve`] compiled for AVX2, whose four-wide registers double the SSE2 default's speed.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn convolve_avx2(
    prev: &[f64],
    pad: usize,
    n_prev: usize,
    nonzero: &[(usize, f64)],
    n_out: usize,
    cur: &mut [f64],
) {
    convolve_body(prev, pad, n_prev, nonzero, n_out, cur);
}

#[inline(always)]
fn convolve_body(
    prev: &[f64],
    pad: usize,
    n_prev: usize,
    nonzero: &[(usize, f64)],
    n_out: usize,
    cur: &mut [f64],
) {
    for m0 in (0..n_out).step_by(BLOCK) {
        let mut acc = [0.0f64; BLOCK];
        // Bins that reach no nonzero entry of the previous row from this block add only zeros.
        for &(j, a) in nonzero
            .iter()
            .filter(|&&(j, _)| j + n_prev > m0 && j < m0 + BLOCK)
        {
            // Output m0 + b reads prev[m0 + b - j]: zero padding outside the row.
            let from = pad + m0 - j;
            for (s, p) in acc.iter_mut().zip(&prev[from..from + BLOCK]) {
                *s += p * a;
            }
        }
        let n = BLOCK.min(n_out - m0);
        cur[pad + m0..pad + m0 + n].copy_from_slice(&acc[..n]);
    }
}

/// Per-window buffers, reused.
struct Decoder {
    bin_csum: Vec<usize>,
    csum: Vec<f64>,
    /// Per length from `max_seqlet_len` down, the spans whose triangle is below the threshold:
    /// (largest p-value over the span's prefixes, start), sorted into the order they are visited.
    candidates: Vec<Vec<(f64, usize)>>,
    /// The spans of the last length built and of the one being built, below the threshold, in
    /// order of start: (start, largest p-value over its prefixes, over its triangle).
    last: Vec<(usize, f64, f64)>,
    next: Vec<(usize, f64, f64)>,
    called: Vec<bool>,
}

impl Decoder {
    fn new(len: usize, params: &RecursiveParams) -> Self {
        Self {
            bin_csum: vec![0; len + 1],
            csum: vec![0.0; len + 1],
            candidates: vec![Vec::new(); params.max_seqlet_len - params.min_seqlet_len + 1],
            last: Vec::with_capacity(len),
            next: Vec::with_capacity(len),
            called: vec![false; len],
        }
    }

    fn decode(
        &mut self,
        example: usize,
        row: &[f32],
        null: &Null,
        params: &RecursiveParams,
        out: &mut Vec<Seqlet>,
    ) {
        let l = row.len();
        for (j, &v) in row.iter().enumerate() {
            self.bin_csum[j + 1] = self.bin_csum[j] + null.bin(v);
            self.csum[j + 1] = self.csum[j] + f64::from(v);
        }
        let span_p =
            |bin_csum: &[usize], len: usize, k: usize| null.p(len, bin_csum[k + len] - bin_csum[k]);
        let (min_len, max_len) = (params.min_seqlet_len, params.max_seqlet_len);
        for c in &mut self.candidates {
            c.clear();
        }
        // A span's triangle holds the triangles of the two spans one shorter inside it, so only
        // spans whose two are below the threshold are looked at: most positions drop out at the
        // shortest length, which makes this much cheaper than the full matrices (tangermeme's
        // sparse decoder does the same, with the same values).
        self.last.clear();
        for len in min_len..=max_len.min(l) {
            self.next.clear();
            if len == min_len {
                for k in 0..=l - len {
                    let p = span_p(&self.bin_csum, len, k).max(0.0);
                    if p < params.threshold {
                        self.next.push((k, p, p));
                    }
                }
            } else {
                for pair in self.last.windows(2) {
                    let ((k, p_prefix, _), (k1, _, q_inner)) = (pair[0], pair[1]);
                    if k1 != k + 1 {
                        continue;
                    }
                    let p = span_p(&self.bin_csum, len, k).max(p_prefix);
                    let q = p.max(q_inner);
                    if q < params.threshold {
                        self.next.push((k, p, q));
                    }
                }
            }
            let c = &mut self.candidates[max_len - len];
            c.extend(self.next.iter().map(|&(k, p, _)| (p, k)));
            // Stable, so equal p-values keep the order of start.
            c.sort_by(|a, b| a.0.total_cmp(&b.0));
            std::mem::swap(&mut self.last, &mut self.next);
            if self.last.is_empty() {
                break;
            }
        }
        self.called.fill(false);
        for (j, candidates) in self.candidates.iter().enumerate() {
            let len = max_len - j;
            for &(_, k) in candidates {
                let span = &mut self.called[k..k + len];
                if span.iter().any(|&c| c) {
                    continue;
                }
                span.fill(true);
                let start = k.saturating_sub(params.additional_flanks);
                let end = (k + len + params.additional_flanks).min(l);
                out.push(Seqlet {
                    example,
                    start,
                    end,
                    attribution: self.csum[end] - self.csum[start],
                    p_value: span_p(&self.bin_csum, len, k),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A window of small noise with one strong block.
    fn window(len: usize, block: std::ops::Range<usize>, seed: u32) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let noise =
                    (((i as u32).wrapping_mul(2_654_435_761) ^ seed) % 1000) as f32 / 1e4 - 0.05;
                if block.contains(&i) {
                    1.0 + noise
                } else {
                    noise
                }
            })
            .collect()
    }

    #[test]
    fn the_null_is_a_distribution_per_length() {
        let x: Vec<f32> = (0..500).map(|i| ((i * 37) % 101) as f32 / 100.0).collect();
        let params = RecursiveParams {
            n_bins: 20,
            max_seqlet_len: 5,
            ..RecursiveParams::default()
        };
        let null = Null::new(&x, &params).unwrap();
        for len in 1..=5 {
            assert!((null.p(len, 0) - 1.0).abs() < 1e-12, "length {len}");
            assert_eq!(null.p(len, 19 * len + 1), 0.0);
            assert!((1..=19 * len).all(|s| null.p(len, s) <= null.p(len, s - 1)));
        }
        // Two draws reach twice the top bin only if both are in it.
        let top = (0..20).rev().find(|&s| null.p(1, s) > 0.0).unwrap();
        let both = null.p(1, top) * null.p(1, top);
        assert!((null.p(2, 2 * top) - both).abs() <= 1e-12 * both);
    }

    #[test]
    fn calls_the_strong_block_with_its_flanks_and_sum() {
        let mut x = Vec::new();
        for w in 0..40 {
            x.extend(window(100, 30 + w % 7..38 + w % 7, w as u32));
        }
        let params = RecursiveParams {
            additional_flanks: 2,
            ..RecursiveParams::default()
        };
        let seqlets = recursive_seqlets(&x, 100, &params);
        for w in 0..40 {
            let mine: Vec<&Seqlet> = seqlets.iter().filter(|s| s.example == w).collect();
            assert_eq!(mine.len(), 1, "window {w}: {mine:?}");
            let s = mine[0];
            // The block, and at most two positions of noise beside it, with the flanks.
            let block = 30 + w % 7;
            assert!(
                s.start <= block - 2 && s.end >= block + 8 + 2,
                "window {w}: {s:?}"
            );
            assert!(
                s.start + 4 >= block && s.end <= block + 8 + 4,
                "window {w}: {s:?}"
            );
            let row = &x[w * 100..(w + 1) * 100];
            let sum: f64 = row[s.start..s.end].iter().map(|&v| f64::from(v)).sum();
            assert!((s.attribution - sum).abs() < 1e-9);
            assert!(s.p_value < params.threshold);
        }
        assert!(seqlets.windows(2).all(|w| w[0].p_value <= w[1].p_value));
        // Flat attributions have nothing to call.
        assert!(recursive_seqlets(&[0.5; 300], 100, &params).is_empty());
    }

    #[test]
    fn bad_parameters_are_refused() {
        let bad = |p: RecursiveParams| p.validate().unwrap_err();
        let d = RecursiveParams::default;
        assert!(bad(RecursiveParams {
            threshold: f64::NAN,
            ..d()
        })
        .contains("seqlet_threshold"));
        assert!(bad(RecursiveParams {
            min_seqlet_len: 30,
            ..d()
        })
        .contains("max_seqlet_len (25)"));
        assert!(bad(RecursiveParams { n_bins: 1, ..d() }).contains("seqlet_bins"));
        assert!(bad(RecursiveParams {
            n_bins: 1_000_000,
            ..d()
        })
        .contains("at most"));
        d().validate().unwrap();
    }
}
