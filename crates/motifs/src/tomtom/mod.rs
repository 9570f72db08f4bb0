//! Tomtom (Gupta et al. 2007, Genome Biology 8:R24): is a query motif significantly similar to
//! each motif of a database?
//!
//! This follows memelite's implementation (PyPI `memelite` 0.5.0, `memelite.tomtom`), step by step,
//! so that the two agree:
//!
//! 1. Every query column is scored against every target column (all targets and, by default, their
//!    reverse complements; similar columns merged as memelite's `n_target_bins` does).
//! 2. Each column's scores have their (binned) median subtracted, and all of one query's scores
//!    are put on one integer grid of about `score_bins` bins.
//! 3. An alignment's score is the sum over the covered query columns; an uncovered query column
//!    scores its median (the "complete score", robust at the motif edges). Every offset with
//!    enough overlap is tried; the best score is kept.
//! 4. Its p-value comes from the exact null distribution of that best score: per-column
//!    histograms over the database columns, convolved over each covered span, and the maximum
//!    over offsets (see [`null`]). Both strands: `1 − (1 − p)²` of the better strand.
//! 5. E-value = p × number of targets; q-values by Benjamini–Hochberg over a query's targets.
//!
//! The score is the Pearson correlation of columns by default (MEME Tomtom's default) or the
//! negated Euclidean distance (memelite's only score).

mod columns;
mod null;
mod output;

use std::fmt;

use rayon::prelude::*;

use crate::{Error, Motif, Result};
use columns::{
    binned_median, histograms, median_cells, score_row, transform, whole, TargetColumns,
};
use null::{either, either_times, for_each_span, SpanNull};

pub use output::write_tsv;

/// How two motif columns are scored; higher is more similar. Spelled `pearson` and `euclidean`
/// (also `ed`, as Tomtom spells it) in flags and config files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Distance {
    /// Pearson correlation of the two columns' probabilities (Tomtom's `-dist pearson`).
    #[default]
    Pearson,
    /// Minus the Euclidean distance between the columns (Tomtom's `-dist ed`, memelite's score).
    #[serde(alias = "ed")]
    Euclidean,
}

/// Which matches [`tomtom`] returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// Matches with q-value ≤ this (Tomtom's default, 0.5).
    QValue(f64),
    /// Matches with E-value ≤ this (Tomtom's `-evalue`).
    EValue(f64),
    /// Every query × target pair.
    All,
}

/// Parameters of a comparison. The defaults are Tomtom's (`-dist pearson -min-overlap 1
/// -thresh 0.5`, both strands) and memelite's discretisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub distance: Distance,
    /// Alignments must overlap by this many columns, or by the whole of the shorter motif.
    pub min_overlap: usize,
    /// Also align each query to the reverse complement of each target.
    pub reverse_complement: bool,
    pub threshold: Threshold,
    /// Number of bins of the integer score grid (memelite's `n_score_bins`, Tomtom's `t`), at
    /// most 255: grid values are stored in a byte.
    pub score_bins: usize,
    /// Number of bins of the approximate median (memelite's `n_median_bins`).
    pub median_bins: usize,
    /// Merge target columns that fall in the same cell of a grid with this many levels per
    /// letter (memelite's `n_target_bins`); `None` scores every column, as MEME's Tomtom does.
    pub target_bins: Option<usize>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            distance: Distance::Pearson,
            min_overlap: 1,
            reverse_complement: true,
            threshold: Threshold::QValue(0.5),
            score_bins: 100,
            median_bins: 1000,
            target_bins: Some(100),
        }
    }
}

/// Strand of the target in an alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// The target as given.
    Forward,
    /// The target's reverse complement.
    Reverse,
}

impl fmt::Display for Orientation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Orientation::Forward => "+",
            Orientation::Reverse => "-",
        })
    }
}

/// The best alignment of one query with one target, and its significance.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Index of the query in the `queries` given to [`tomtom`].
    pub query: usize,
    /// Index of the target in the `targets` given to [`tomtom`].
    pub target: usize,
    /// Query column `i` is aligned with column `i + offset` of the target (in `orientation`).
    pub offset: i64,
    /// Number of aligned columns.
    pub overlap: usize,
    pub orientation: Orientation,
    /// The alignment score on the query's integer grid (comparable within one query only).
    pub score: i64,
    pub p_value: f64,
    /// p-value × number of targets.
    pub e_value: f64,
    /// Benjamini–Hochberg q-value over this query's comparisons with all targets.
    pub q_value: f64,
}

/// Compares every query with every target, in parallel over queries on the current rayon pool.
/// Returns the matches passing `options.threshold`, grouped by query in input order, each
/// query's sorted by p-value (then target index).
///
/// ```
/// use tfbind_motifs::{tomtom, Motif, Options, Threshold};
/// let motif = |id: &str, s: &str| {
///     let rows = s.chars().map(|c| {
///         let mut r = [0.1; 4];
///         r["ACGT".find(c).unwrap()] = 0.7;
///         r
///     });
///     Motif::from_probabilities(id, rows.collect()).unwrap()
/// };
/// let targets = vec![motif("T1", "CACGTGA"), motif("T2", "TTTAAAC"), motif("T3", "GGGCCCA")];
/// let queries = vec![motif("Q", "ACGTG")];
/// let options = Options { threshold: Threshold::All, ..Options::default() };
/// let matches = tomtom(&queries, &targets, &options).unwrap();
/// assert_eq!(matches[0].target, 0);
/// assert_eq!(matches[0].offset, 1);
/// ```
pub fn tomtom(queries: &[Motif], targets: &[Motif], options: &Options) -> Result<Vec<Match>> {
    tomtom_with(Kernel::detect(), queries, targets, options)
}

/// [`tomtom`] with a chosen kernel, which the CPU must support.
fn tomtom_with(
    kernel: Kernel,
    queries: &[Motif],
    targets: &[Motif],
    options: &Options,
) -> Result<Vec<Match>> {
    check_options(options)?;
    if targets.is_empty() {
        return Err(Error::NoTargets);
    }
    if let Some(m) = queries
        .iter()
        .chain(targets)
        .find(|m| m.width() > MAX_WIDTH)
    {
        return Err(Error::TooWide {
            id: m.id().to_string(),
            width: m.width(),
            max: MAX_WIDTH,
        });
    }
    let db = Database::new(targets, options);
    // Queries of one width are compared in batches of LANES (see `best_alignments`). Widest
    // first: they take longest, so the narrow ones even out the threads at the end, and each
    // thread's buffers reach their largest size at once instead of growing.
    let mut order: Vec<usize> = (0..queries.len()).collect();
    order.sort_by_key(|&q| std::cmp::Reverse(queries[q].width()));
    let batches: Vec<&[usize]> = order
        .chunk_by(|&a, &b| queries[a].width() == queries[b].width())
        .flat_map(|run| run.chunks(LANES))
        .collect();
    let mut per_query: Vec<(usize, Vec<Match>)> = batches
        .par_iter()
        .map_init(Scratch::default, |scratch, batch| {
            let motifs: Vec<&Motif> = batch.iter().map(|&q| &queries[q]).collect();
            let scored = compare(kernel, &motifs, &db, options, scratch);
            batch
                .iter()
                .zip(scored)
                .map(|(&qi, s)| (qi, finish(qi, s, options)))
                .collect::<Vec<_>>()
        })
        .flatten()
        .collect();
    per_query.sort_unstable_by_key(|&(qi, _)| qi);
    // Allocated once at its size: collected from the iterator, it grew by doubling, copying.
    let mut all = Vec::with_capacity(per_query.iter().map(|(_, m)| m.len()).sum());
    for (_, matches) in per_query {
        all.extend(matches);
    }
    Ok(all)
}

/// The widest motif [`tomtom`] compares: alignment positions must fit in 16 bits and overlaps in
/// 15 for the vectorized choice of the best position (`best_alignments`). Real motifs are
/// tens of columns wide.
pub const MAX_WIDTH: usize = 32_767;

fn check_options(o: &Options) -> Result<()> {
    let bad = |name, message: &str| {
        Err(Error::BadOption {
            name,
            message: message.to_string(),
        })
    };
    if o.min_overlap == 0 {
        return bad("min_overlap", "must be at least 1");
    }
    if !(1..=255).contains(&o.score_bins) {
        return bad("score_bins", "must be between 1 and 255");
    }
    if !(2..=1 << 16).contains(&o.median_bins) {
        return bad("median_bins", "must be between 2 and 65536");
    }
    if matches!(o.target_bins, Some(b) if !(2..=1 << 16).contains(&b)) {
        return bad("target_bins", "must be between 2 and 65536");
    }
    match o.threshold {
        Threshold::QValue(t) | Threshold::EValue(t) if t.is_nan() || t < 0.0 => {
            bad("threshold", "must be a non-negative number")
        }
        _ => Ok(()),
    }
}

/// Everything about the targets that every query needs.
struct Database {
    columns: TargetColumns,
    /// Each target's first column among the forward columns, and its width.
    starts: Vec<usize>,
    widths: Vec<usize>,
    /// Distinct target widths, ascending, and the targets of each.
    distinct_widths: Vec<usize>,
    by_width: Vec<Vec<usize>>,
    /// Number of forward target columns: reverse complement columns follow them.
    n_forward: usize,
}

impl Database {
    fn new(targets: &[Motif], options: &Options) -> Self {
        let columns = TargetColumns::new(
            targets,
            options.reverse_complement,
            options.target_bins,
            options.distance,
        );
        let widths: Vec<usize> = targets.iter().map(Motif::width).collect();
        let mut starts = Vec::with_capacity(targets.len());
        let mut n_forward = 0;
        for w in &widths {
            starts.push(n_forward);
            n_forward += w;
        }
        let mut distinct_widths = widths.clone();
        distinct_widths.sort_unstable();
        distinct_widths.dedup();
        let by_width = distinct_widths
            .iter()
            .map(|&w| (0..targets.len()).filter(|&j| widths[j] == w).collect())
            .collect();
        Database {
            columns,
            starts,
            widths,
            distinct_widths,
            by_width,
            n_forward,
        }
    }
}

/// Queries compared together, one per lane of the alignment sums: 16 × i16 fill an AVX2
/// register (i32 sums, for queries too wide for i16, take two).
const LANES: usize = 16;

/// Query columns whose score histograms are counted together (see [`columns::histograms`]).
const GROUP: usize = 4;

/// Per-thread buffers, reused across batches.
#[derive(Default)]
struct Scratch {
    rows: Vec<f64>,
    cells: Vec<u32>,
    cell_of: Vec<u16>,
    spare: Vec<u32>,
    /// Per query column, how many target columns score each grid value.
    counts: Vec<u32>,
    /// Per lane, each query column's score distribution over the database (`score_bins + 1`
    /// values per column).
    hists: Vec<Vec<f64>>,
    /// At `c * nq + l`: each query's grid score of its column `nq − 1 − l` against distinct target
    /// column `c`; one lane per query of the batch.
    gamma: Vec<[u8; LANES]>,
    /// The same for one query per lane, in blocks of [`LANES`] target columns: the scores of
    /// column block `b` with query column `l` are the 16 bytes at
    /// `((lane * n_blocks + b) * nq + l) * LANES`, so [`interleave`] reads each lane front to back.
    /// (Written straight into its lane of `gamma`, every score landed on a different cache line;
    /// stored as one run per query column, the interleave read 16 · nq streams at once, more than
    /// the CPU prefetches, and took 7% of the comparison.)
    lane_gamma: Vec<u8>,
    /// A group of query columns' grid scores in target column order, for their histograms.
    grid_rows: Vec<u8>,
    sums16: Vec<[i16; LANES]>,
    sums32: Vec<[i32; LANES]>,
    /// The null distributions of one query at a time: one lane's spans can take megabytes, so
    /// the lanes take turns rather than each keeping its own.
    null: SpanNull,
    /// Per distinct target width, its spans and how many offsets cover each.
    width_spans: Vec<Vec<(usize, usize, u32)>>,
    /// The best scores of the targets of one width with one query, and their p-values.
    width_scores: Vec<i64>,
    width_p: Vec<f64>,
}

/// A target's best alignment with a query, before the strands are merged.
#[derive(Debug, Clone, Copy, Default)]
struct Best {
    score: i64,
    position: usize,
    overlap: usize,
}

/// The best alignment of the query with one target and its p-value.
#[derive(Clone)]
struct Scored {
    offset: i64,
    overlap: usize,
    orientation: Orientation,
    score: i64,
    p_value: f64,
}

/// The instruction sets a comparison can be compiled for. Every kernel computes the same bits:
/// no operation is reordered, and the only fused multiply-adds are the convolution's explicit
/// `mul_add`s (exactly rounded on every CPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    Portable,
    /// AVX2 and FMA: the score, convolution and sum loops run 4 doubles or 16 integers wide.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// AVX-512 (F, BW, VL, DQ): 8 doubles or 32 integers wide, with mask registers. On a CPU
    /// that splits 512-bit operations in two (AMD Zen 4) it still takes fewer instructions:
    /// 3–4% less time than AVX2 comparing JASPAR × JASPAR on one thread.
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Kernel {
    /// The widest kernel this CPU runs.
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx2") && has!("fma") {
                if has!("avx512f") && has!("avx512bw") && has!("avx512vl") && has!("avx512dq") {
                    return Kernel::Avx512;
                }
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// Whether the grid values are best made bytes by converting each double to an integer
    /// (one AVX2 instruction, whose results pack into bytes with half the shuffles of the 2⁵²
    /// trick: the grid values took a quarter less time) rather than by the trick of
    /// [`columns::whole`] (AVX-512 narrows its 64-bit lanes to bytes in one instruction, and
    /// the conversion cost it 10%; the portable kernel cannot convert without saturating).
    fn converts_to_bytes_directly(self) -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            self == Kernel::Avx2
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }

    /// Every kernel this CPU runs.
    #[cfg(test)]
    fn available() -> Vec<Self> {
        let mut kernels = vec![Kernel::Portable];
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx2") && has!("fma") {
                kernels.push(Kernel::Avx2);
            }
            if Self::detect() == Kernel::Avx512 {
                kernels.push(Kernel::Avx512);
            }
        }
        kernels
    }
}

/// Compares a batch of at most [`LANES`] queries of one width with every target, with `kernel`,
/// which the CPU must support ([`Kernel::detect`]).
fn compare(
    kernel: Kernel,
    batch: &[&Motif],
    db: &Database,
    options: &Options,
    scratch: &mut Scratch,
) -> Vec<Vec<Scored>> {
    match kernel {
        Kernel::Portable => compare_impl(kernel, batch, db, options, scratch),
        // SAFETY: the CPU has the kernel's features (`Kernel::detect`).
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx2 => unsafe { compare_avx2(batch, db, options, scratch) },
        // SAFETY: as above.
        #[cfg(target_arch = "x86_64")]
        Kernel::Avx512 => unsafe { compare_avx512(batch, db, options, scratch) },
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn compare_avx2(
    batch: &[&Motif],
    db: &Database,
    options: &Options,
    scratch: &mut Scratch,
) -> Vec<Vec<Scored>> {
    compare_impl(Kernel::Avx2, batch, db, options, scratch)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")]
fn compare_avx512(
    batch: &[&Motif],
    db: &Database,
    options: &Options,
    scratch: &mut Scratch,
) -> Vec<Vec<Scored>> {
    compare_impl(Kernel::Avx512, batch, db, options, scratch)
}

#[inline(always)]
fn compare_impl(
    kernel: Kernel,
    batch: &[&Motif],
    db: &Database,
    options: &Options,
    scratch: &mut Scratch,
) -> Vec<Vec<Scored>> {
    let nq = batch[0].width();
    debug_assert!(batch.len() <= LANES && batch.iter().all(|q| q.width() == nq));
    let n_cols = db.columns.len();
    // Only the batch's lanes, not cleared: each overwrites its part but the padding of the last
    // block, which `interleave` never copies out. (All 16 made the widest queries, which come
    // first and mostly alone, fault in megabytes of pages never used.)
    scratch
        .lane_gamma
        .resize(batch.len() * n_cols.div_ceil(LANES) * nq * LANES, 0);
    scratch.hists.resize_with(LANES, Vec::new);
    // Each query's grid score of an uncovered column.
    let mut offsets = [0i32; LANES];
    for (lane, query) in batch.iter().enumerate() {
        offsets[lane] = grid_scores(kernel, query, lane, db, options, scratch) as i32;
    }
    // Every entry is written by `interleave`.
    scratch.gamma.resize(n_cols * nq, [0; LANES]);
    interleave(&scratch.lane_gamma, batch.len(), &mut scratch.gamma, nq);

    // Best alignment with each target, both strands, and its p-value.
    let unset = Scored {
        offset: 0,
        overlap: 0,
        orientation: Orientation::Forward,
        score: 0,
        p_value: 0.0,
    };
    let mut results = vec![vec![unset; db.widths.len()]; batch.len()];
    // Every alignment score is a sum of nq grid values (an uncovered column's is the median's,
    // also on the grid), each at most `score_bins`: within i16 for all but very wide queries.
    let narrow = nq * options.score_bins <= i16::MAX as usize;
    let strands: &[Orientation] = if options.reverse_complement {
        &[Orientation::Forward, Orientation::Reverse]
    } else {
        &[Orientation::Forward]
    };
    // Targets in database order, one strand after the other: their distinct columns were
    // numbered in the order of the forward columns, then the reverse complement ones, so the
    // rows of `gamma` are read roughly front to back.
    for &strand in strands {
        for (j, &t) in db.widths.iter().enumerate() {
            let m0 = options.min_overlap.min(nq).min(t);
            let start = match strand {
                Orientation::Forward => db.starts[j],
                Orientation::Reverse => db.n_forward + db.starts[j],
            };
            let classes = &db.columns.class_of[start..start + t];
            let best = if narrow {
                best_alignments(
                    classes,
                    &scratch.gamma,
                    nq,
                    offsets,
                    m0,
                    &mut scratch.sums16,
                )
            } else {
                best_alignments(
                    classes,
                    &scratch.gamma,
                    nq,
                    offsets,
                    m0,
                    &mut scratch.sums32,
                )
            };
            for (lane, r) in results.iter_mut().enumerate() {
                let b = best[lane];
                // Memelite prefers the reverse strand on a tie; the forward one is kept here so
                // a palindrome matches itself at `+`. The p-value is the same either way.
                if strand == Orientation::Forward || b.score > r[j].score {
                    r[j] = Scored {
                        offset: b.position as i64 - (nq as i64 - 1),
                        overlap: b.overlap,
                        orientation: strand,
                        score: b.score,
                        p_value: 0.0,
                    };
                }
            }
        }
    }

    // Offsets of one width cover the same spans, so the p-values of all targets of a width are
    // built span by span: independent chains the CPU can overlap.
    scratch
        .width_spans
        .resize_with(db.distinct_widths.len(), Vec::new);
    for (spans, &t) in scratch.width_spans.iter_mut().zip(&db.distinct_widths) {
        spans.clear();
        for_each_span(nq, t, options.min_overlap, |a, b| match spans.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += 1,
            _ => spans.push((a, b, 1)),
        });
    }
    for ((r, hist), &offset) in results.iter_mut().zip(&scratch.hists).zip(&offsets) {
        let null = &mut scratch.null;
        null.build(
            nq,
            hist,
            options.score_bins,
            i64::from(offset),
            &db.distinct_widths,
            options.min_overlap,
        );
        for (targets, spans) in db.by_width.iter().zip(&scratch.width_spans) {
            scratch.width_scores.clear();
            scratch
                .width_scores
                .extend(targets.iter().map(|&j| r[j].score));
            scratch.width_p.clear();
            scratch.width_p.resize(targets.len(), 0.0);
            for &(a, b, times) in spans {
                let survival = null.span(a, b);
                let pairs = scratch.width_p.iter_mut().zip(&scratch.width_scores);
                // Most spans are covered at one offset: a loop of their own, without the
                // repeated combination's loop, vectorizes.
                if times == 1 {
                    for (p, &score) in pairs {
                        *p = either(*p, survival.at(score));
                    }
                } else {
                    for (p, &score) in pairs {
                        *p = either(*p, either_times(survival.at(score), times));
                    }
                }
            }
            for (&j, &p) in targets.iter().zip(&scratch.width_p) {
                let p = p.min(1.0);
                r[j].p_value = if options.reverse_complement {
                    either(p, p)
                } else {
                    p
                };
            }
        }
    }
    results
}

/// Interleaves the lanes' grid scores, blocked as [`Scratch::lane_gamma`] holds them, into
/// `gamma[c * nq + l][lane]`: a 16 × 16 byte transpose per query column and block of 16 target
/// columns, in SSE2 registers on x86-64 (one byte at a time, it took an eighth of the whole
/// comparison). Lanes from `lanes` on have no query and read zeros, so they add nothing to the
/// sums (their results are not read).
fn interleave(lane_gamma: &[u8], lanes: usize, gamma: &mut [[u8; LANES]], nq: usize) {
    let n_cols = gamma.len() / nq;
    let lane_len = n_cols.div_ceil(LANES) * nq * LANES;
    const ZEROS: [u8; LANES] = [0; LANES];
    // Block by block of target columns, every query column of a block before the next: each
    // lane is read front to back, and `gamma` written front to back.
    for (b, out) in gamma.chunks_mut(LANES * nq).enumerate() {
        let width = out.len() / nq;
        for l in 0..nq {
            let block: [[u8; LANES]; LANES] = std::array::from_fn(|lane| {
                if lane < lanes {
                    let at = lane * lane_len + (b * nq + l) * LANES;
                    lane_gamma[at..at + LANES].try_into().expect("16 bytes")
                } else {
                    ZEROS
                }
            });
            for (i, column) in transpose16(&block).into_iter().take(width).enumerate() {
                out[i * nq + l] = column;
            }
        }
    }
}

/// The transpose of a 16 × 16 byte matrix.
#[inline(always)]
fn transpose16(m: &[[u8; 16]; 16]) -> [[u8; 16]; 16] {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of x86-64; the loads and stores are unaligned ones of 16-byte
        // arrays.
        unsafe {
            let r: [__m128i; 16] = std::array::from_fn(|i| _mm_loadu_si128(m[i].as_ptr().cast()));
            // Each round interleaves pairs of rows in units twice as wide as the last: bytes,
            // then 2, 4 and 8 bytes. Unit `c` of the result of round k holds column c of 2^k
            // consecutive rows.
            let a: [__m128i; 16] = std::array::from_fn(|i| {
                let (x, y) = (r[(i % 8) * 2], r[(i % 8) * 2 + 1]);
                if i < 8 {
                    _mm_unpacklo_epi8(x, y)
                } else {
                    _mm_unpackhi_epi8(x, y)
                }
            });
            // a[k] (k < 8): columns 0..8 of rows 2k, 2k+1; a[8 + k]: columns 8..16.
            let b: [__m128i; 16] = std::array::from_fn(|i| {
                let half = (i / 8) * 8;
                let j = i % 8;
                let (x, y) = (a[half + (j % 4) * 2], a[half + (j % 4) * 2 + 1]);
                if j < 4 {
                    _mm_unpacklo_epi16(x, y)
                } else {
                    _mm_unpackhi_epi16(x, y)
                }
            });
            // b[half + j]: rows 4(j % 4)..+4, columns half + 4(j / 4)..+4.
            let c: [__m128i; 16] = std::array::from_fn(|i| {
                let base = (i / 4) * 4; // half + 4·(column quarter)
                let j = i % 4;
                let (x, y) = (b[base + (j % 2) * 2], b[base + (j % 2) * 2 + 1]);
                if j < 2 {
                    _mm_unpacklo_epi32(x, y)
                } else {
                    _mm_unpackhi_epi32(x, y)
                }
            });
            // c[base + j]: rows 8(j % 2)..+8, columns (base) + 2(j / 2)..+2.
            let mut out = [[0u8; 16]; 16];
            for q in 0..4 {
                for j in 0..2 {
                    let (lo_rows, hi_rows) = (c[q * 4 + j * 2], c[q * 4 + j * 2 + 1]);
                    let col = q * 4 + j * 2;
                    _mm_storeu_si128(
                        out[col].as_mut_ptr().cast(),
                        _mm_unpacklo_epi64(lo_rows, hi_rows),
                    );
                    _mm_storeu_si128(
                        out[col + 1].as_mut_ptr().cast(),
                        _mm_unpackhi_epi64(lo_rows, hi_rows),
                    );
                }
            }
            out
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        std::array::from_fn(|c| std::array::from_fn(|r| m[r][c]))
    }
}

/// Scores one query's columns against every distinct target column, puts them on the query's
/// integer grid (into lane `lane` of `Scratch::gamma`), and keeps each column's score
/// distribution (in `Scratch::hists[lane]`). Returns the grid score of an uncovered column.
#[inline(always)]
fn grid_scores(
    kernel: Kernel,
    query: &Motif,
    lane: usize,
    db: &Database,
    options: &Options,
    scratch: &mut Scratch,
) -> i64 {
    let nq = query.width();
    let n_cols = db.columns.len();
    let bins = options.score_bins;

    // Scores of every query column against every distinct target column, their range and
    // (binned) median.
    // Columns in groups of [`GROUP`], whose histograms are counted together (see `histograms`).
    scratch.rows.resize(nq * n_cols, 0.0);
    scratch.cell_of.resize(GROUP * n_cols, 0);
    let mut stats = Vec::with_capacity(nq);
    let columns = query.probabilities();
    for first in (0..nq).step_by(GROUP) {
        let group = first..nq.min(first + GROUP);
        let mut ranges = [(0.0, 0.0); GROUP];
        for (k, i) in group.clone().enumerate() {
            let (x, x_norm) = transform(&columns[i], options.distance);
            let row = &mut scratch.rows[i * n_cols..(i + 1) * n_cols];
            let (lo, hi) = score_row(&x, x_norm, &db.columns, options.distance, row);
            let cell_of = &mut scratch.cell_of[k * n_cols..(k + 1) * n_cols];
            median_cells(row, lo, hi, options.median_bins, cell_of);
            ranges[k] = (lo, hi);
        }
        scratch.cells.clear();
        scratch.cells.resize(group.len() * options.median_bins, 0);
        histograms(
            &scratch.cell_of[..group.len() * n_cols],
            &db.columns.counts,
            &mut scratch.cells,
            &mut scratch.spare,
        );
        for (k, i) in group.enumerate() {
            let (lo, hi) = ranges[k];
            let median = binned_median(
                &scratch.rows[i * n_cols..(i + 1) * n_cols],
                lo,
                hi,
                &db.columns,
                &scratch.cells[k * options.median_bins..(k + 1) * options.median_bins],
                &scratch.cell_of[k * n_cols..(k + 1) * n_cols],
            );
            stats.push((lo, hi, median));
        }
    }

    // One integer grid for the whole query: median-centred scores from the lowest to the
    // highest, in at most `bins` bins of a whole-number scale. Its zero is an integer number of
    // units below the lowest score, so every centred score is at least 0 on the grid.
    let (mut z_min, mut z_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for &(lo, hi, median) in &stats {
        z_min = z_min.min(lo - median);
        z_max = z_max.max(hi - median);
    }
    let i_min = z_min.floor();
    let scale = (bins as f64 / (z_max - i_min).max(1.0)).floor();
    // The grid value of a median score: what an uncovered column contributes.
    let offset = (-i_min * scale) as i64;
    scratch.counts.clear();
    scratch.counts.resize(nq * (bins + 1), 0);
    scratch.grid_rows.resize(GROUP * n_cols, 0);
    let lane_start = lane * n_cols.div_ceil(LANES) * nq * LANES;
    for first in (0..nq).step_by(GROUP) {
        let group = first..nq.min(first + GROUP);
        for (k, i) in group.clone().enumerate() {
            let zero = stats[i].2 + i_min;
            let row = &scratch.rows[i * n_cols..(i + 1) * n_cols];
            // The grid values in a loop of their own, which vectorizes; the scatter follows.
            // They lie in 0..=bins, and bins ≤ 255.
            let grid = &mut scratch.grid_rows[k * n_cols..(k + 1) * n_cols];
            let value = |s: f64| ((s - zero) * scale + 0.5).floor();
            if kernel.converts_to_bytes_directly() {
                for (x, &s) in grid.iter_mut().zip(row) {
                    // SAFETY: a grid value is finite and lies in 0..=bins (+1 at most where
                    // rounding meets the top), far inside i32.
                    *x = unsafe { value(s).to_int_unchecked::<i32>() } as u8;
                }
            } else {
                for (x, &s) in grid.iter_mut().zip(row) {
                    *x = whole(value(s)) as u8;
                }
            }
            let l = nq - 1 - i;
            // Whole blocks as fixed-size copies (a copy of a length known only at run time is a
            // call to memmove, which took 5% of the comparison).
            let blocks = grid.chunks_exact(LANES);
            let rest = blocks.remainder();
            let n_full = n_cols / LANES;
            for (b, scores) in blocks.enumerate() {
                let at = lane_start + (b * nq + l) * LANES;
                let dst: &mut [u8; LANES] = (&mut scratch.lane_gamma[at..at + LANES])
                    .try_into()
                    .expect("16 bytes");
                *dst = scores.try_into().expect("16 bytes");
            }
            if !rest.is_empty() {
                let at = lane_start + (n_full * nq + l) * LANES;
                scratch.lane_gamma[at..at + rest.len()].copy_from_slice(rest);
            }
        }
        histograms(
            &scratch.grid_rows[..group.len() * n_cols],
            &db.columns.counts,
            &mut scratch.counts[first * (bins + 1)..group.end * (bins + 1)],
            &mut scratch.spare,
        );
    }
    let hist = &mut scratch.hists[lane];
    hist.clear();
    hist.extend(
        scratch
            .counts
            .iter()
            .map(|&c| f64::from(c) / db.columns.total),
    );
    offset
}

/// The best-scoring position of a target (given by the distinct column of each of its columns)
/// against each query of a batch: the highest score, then the largest overlap, then the
/// leftmost. Position `p` aligns query column `i` with target column `i + p − (nq − 1)`; its
/// score is the sum of the covered columns' grid scores and `offsets` per uncovered column.
///
/// The sums hold one lane per query, so every addition serves the whole batch, and whole
/// registers are stored and reloaded at the same addresses, which the CPU forwards. (One query
/// at a time, each target column adds a run of the query's columns into the sums, and each run's
/// load overlaps the previous run's store by all but one lane: a store-forwarding stall per
/// target column, which took a third of the time.)
#[inline(always)]
fn best_alignments<S: AlignmentSum>(
    classes: &[u32],
    gamma: &[[u8; LANES]],
    nq: usize,
    offsets: [i32; LANES],
    m0: usize,
    sums: &mut Vec<[S; LANES]>,
) -> [Best; LANES] {
    let t = classes.len();
    let n_pos = t + nq - 1;
    // Not cleared: target column k adds its row into positions k..k + nq − 1 and is the first
    // to reach position k + nq − 1, which it sets, so every position is set before it is added
    // to: no pass that zeroes the sums for every target and strand.
    sums.truncate(n_pos);
    sums.resize(n_pos, [S::default(); LANES]);
    sums[..nq - 1].fill([S::default(); LANES]);
    for (k, &c) in classes.iter().enumerate() {
        // Flat, one loop of (nq − 1) × LANES additions, which the compiler vectorizes; as
        // nested loops over positions and lanes it did not.
        let row = &gamma[c as usize * nq..(c as usize + 1) * nq];
        let (covered, first) = row.split_at(nq - 1);
        let (added, set) = sums[k..k + nq].split_at_mut(nq - 1);
        for (s, &g) in added
            .as_flattened_mut()
            .iter_mut()
            .zip(covered.as_flattened())
        {
            *s += S::from(g);
        }
        set[0] = first[0].map(S::from);
    }
    // Positions overlapping by at least m0 columns: overlap(p) = min(p + 1, nq, t, n_pos − p).
    // Each uncovered query column scores its query's offset.
    let valid = &mut sums[m0 - 1..n_pos + 1 - m0];
    for (p, s) in (m0 - 1..).zip(valid.iter_mut()) {
        let uncovered = (nq - (p + 1).min(nq).min(t).min(n_pos - p)) as i32;
        for lane in 0..LANES {
            s[lane] += S::from_i32(uncovered * offsets[lane]);
        }
    }
    let valid = &*valid;
    let mut score = [S::MIN; LANES];
    for s in valid {
        for lane in 0..LANES {
            score[lane] = score[lane].max(s[lane]);
        }
    }
    // Among the positions reaching the best score, the largest overlap, then the leftmost: the
    // largest key `overlap · 2¹⁶ + (2¹⁶ − 1 − p)`. Selected with masks, not branches, so the
    // lanes vectorize (motif widths are below 2¹⁵, see `MAX_WIDTH`).
    let mut key = [-1i32; LANES];
    for (p, s) in (m0 - 1..).zip(valid) {
        let ov = (p + 1).min(nq).min(t).min(n_pos - p) as i32;
        let k = (ov << 16) | (0xffff - p as i32);
        for lane in 0..LANES {
            let hit = -i32::from(s[lane] == score[lane]);
            key[lane] = key[lane].max((k & hit) | !hit);
        }
    }
    std::array::from_fn(|lane| Best {
        score: score[lane].into(),
        position: (0xffff - (key[lane] & 0xffff)) as usize,
        overlap: (key[lane] >> 16) as usize,
    })
}

/// The integer type of the alignment sums: i16 where every sum fits (twice the lanes per
/// register), i32 otherwise.
trait AlignmentSum: Copy + Default + Ord + std::ops::AddAssign + From<u8> + Into<i64> {
    const MIN: Self;
    /// `v`, which the caller knows fits.
    fn from_i32(v: i32) -> Self;
}

impl AlignmentSum for i16 {
    const MIN: Self = i16::MIN;
    #[inline(always)]
    fn from_i32(v: i32) -> Self {
        v as i16
    }
}

impl AlignmentSum for i32 {
    const MIN: Self = i32::MIN;
    #[inline(always)]
    fn from_i32(v: i32) -> Self {
        v
    }
}

/// Turns one query's per-target results into [`Match`]es: E- and q-values, threshold, order.
fn finish(query: usize, scored: Vec<Scored>, options: &Options) -> Vec<Match> {
    let n = scored.len();
    // Under a q-value threshold t only targets with p ≤ t can pass (q ≥ p), and they hold the
    // first ranks, so only they are sorted and given q-values. Those equal the q-values over all
    // targets whenever either is ≤ t: the targets left out add terms p·n/r > t to the minimum.
    let candidate = |p: f64| match options.threshold {
        Threshold::QValue(t) => p <= t,
        Threshold::EValue(_) | Threshold::All => true,
    };
    // Sorted by (p-value, target): p-values are non-negative, so their bits sort as they do,
    // and the pairs compare directly rather than through the index. Unstable is deterministic
    // here: no two keys are equal.
    let mut keyed: Vec<(u64, usize)> = scored
        .iter()
        .enumerate()
        .filter(|(_, s)| candidate(s.p_value))
        .map(|(j, s)| (s.p_value.to_bits(), j))
        .collect();
    keyed.sort_unstable();
    // Benjamini–Hochberg: q at rank r (1-based) is the least p·n/r' over ranks r' ≥ r.
    let mut q_values = vec![0.0; keyed.len()];
    let mut running = 1.0f64;
    for (rank, &(_, j)) in keyed.iter().enumerate().rev() {
        // n / r ≥ 1 exactly, so no q-value rounds below its p-value.
        running = running.min(scored[j].p_value * (n as f64 / (rank + 1) as f64));
        q_values[rank] = running;
    }
    keyed
        .into_iter()
        .zip(q_values)
        .filter_map(|((_, j), q_value)| {
            let s = &scored[j];
            let e_value = s.p_value * n as f64;
            let keep = match options.threshold {
                Threshold::QValue(t) => q_value <= t,
                Threshold::EValue(t) => e_value <= t,
                Threshold::All => true,
            };
            keep.then_some(Match {
                query,
                target: j,
                offset: s.offset,
                overlap: s.overlap,
                orientation: s.orientation,
                score: s.score,
                p_value: s.p_value,
                e_value,
                q_value,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
