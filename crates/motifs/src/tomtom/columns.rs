//! Column scores: every query column against every (distinct) target column, and the statistics
//! of those scores that Tomtom's null distribution is built from.

use crate::Motif;

use super::Distance;

/// The target columns that every query column is scored against, with how often each occurs.
///
/// These are the columns of all targets and, when both strands are compared, of their reverse
/// complements: Tomtom's null distribution for a query column is its score against a column drawn
/// from the database. With `target_bins`, columns that fall in the same cell of a grid with that
/// many levels per letter are merged into the first of them, as memelite does (its
/// `n_target_bins`), which roughly halves the work on JASPAR.
pub(crate) struct TargetColumns {
    /// The distinct columns, transformed for the distance (see [`transform`]), one vector per
    /// letter so the score loops vectorize.
    pub letters: [Vec<f64>; 4],
    /// Per distinct column: its squared norm (Euclidean) or unused (Pearson).
    pub norms: Vec<f64>,
    /// How many target columns each distinct column stands for.
    pub counts: Vec<u32>,
    /// The number of target columns (the sum of the counts).
    pub total: f64,
    /// Half the total count, where the median is reached.
    pub halfway: f64,
    /// For every target column (all targets, then all reverse complements), its distinct column.
    pub class_of: Vec<u32>,
}

impl TargetColumns {
    pub fn new(
        targets: &[Motif],
        reverse_complement: bool,
        target_bins: Option<usize>,
        distance: Distance,
    ) -> Self {
        let mut columns: Vec<[f64; 4]> = targets
            .iter()
            .flat_map(|m| m.probabilities().iter().copied())
            .collect();
        if reverse_complement {
            let rc: Vec<[f64; 4]> = targets
                .iter()
                .flat_map(|m| m.reverse_complement().probabilities().to_vec())
                .collect();
            columns.extend(rc);
        }

        let (class_of, representatives, counts) = match target_bins {
            Some(bins) => merge_columns(&columns, bins),
            None => (
                (0..columns.len() as u32).collect(),
                columns.clone(),
                vec![1; columns.len()],
            ),
        };

        let mut letters: [Vec<f64>; 4] = Default::default();
        let mut norms = Vec::with_capacity(representatives.len());
        for col in &representatives {
            let (t, norm) = transform(col, distance);
            for k in 0..4 {
                letters[k].push(t[k]);
            }
            norms.push(norm);
        }
        let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        TargetColumns {
            letters,
            norms,
            counts,
            total: total as f64,
            halfway: total as f64 / 2.0,
            class_of,
        }
    }

    pub fn len(&self) -> usize {
        self.counts.len()
    }
}

/// Merges columns whose values fall in the same cell of a grid with `bins` levels per letter,
/// each letter's levels spanning that letter's range over all columns; each cell is represented
/// by the first column in it. The rounding is numpy's (half to even) as in memelite, so the same
/// columns merge. Returns the cell of every column, the representatives and the cell sizes.
fn merge_columns(columns: &[[f64; 4]], bins: usize) -> (Vec<u32>, Vec<[f64; 4]>, Vec<u32>) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    for col in columns {
        for k in 0..4 {
            lo[k] = lo[k].min(col[k]);
            hi[k] = hi[k].max(col[k]);
        }
    }
    for k in 0..4 {
        if hi[k] == lo[k] {
            hi[k] = lo[k] + 1.0;
        }
    }
    let levels = (bins - 1) as f64;
    let mut cell_index = std::collections::HashMap::with_capacity(columns.len());
    let mut class_of = Vec::with_capacity(columns.len());
    let mut reps = Vec::new();
    let mut counts: Vec<u32> = Vec::new();
    for col in columns {
        let mut key = [0u32; 4];
        for k in 0..4 {
            key[k] = ((col[k] - lo[k]) / (hi[k] - lo[k]) * levels).round_ties_even() as u32;
        }
        let class = *cell_index.entry(key).or_insert_with(|| {
            reps.push(*col);
            counts.push(0);
            (reps.len() - 1) as u32
        });
        counts[class as usize] += 1;
        class_of.push(class);
    }
    (class_of, reps, counts)
}

/// A column prepared for scoring: for Euclidean distance the column and its squared norm; for
/// Pearson correlation the column centred and scaled to unit norm, so the correlation is a dot
/// product. A column with no variance (all letters equal) correlates 0 with everything.
pub(crate) fn transform(col: &[f64; 4], distance: Distance) -> ([f64; 4], f64) {
    match distance {
        Distance::Euclidean => (*col, col.iter().map(|v| v * v).sum()),
        Distance::Pearson => {
            let mean = col.iter().sum::<f64>() / 4.0;
            let centred = col.map(|v| v - mean);
            let norm = centred.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 1e-12 {
                (centred.map(|v| v / norm), 0.0)
            } else {
                ([0.0; 4], 0.0)
            }
        }
    }
}

/// Scores of one query column (already [`transform`]ed, with its norm) against every distinct
/// target column, into `out`; returns their minimum and maximum. Higher is more similar: the
/// negated Euclidean distance, or the correlation.
///
/// The Euclidean form is memelite's, |x|² + |y|² − 2x·y with the terms in its order, so scores
/// agree with it to the last bit. The range comes from a second pass over the scores: tracked
/// in the scoring loop itself it kept the compiler from vectorizing that loop, and the whole
/// comparison took a third longer.
#[inline(always)]
pub(crate) fn score_row(
    x: &[f64; 4],
    x_norm: f64,
    targets: &TargetColumns,
    distance: Distance,
    out: &mut [f64],
) -> (f64, f64) {
    let n = targets.len();
    let out = &mut out[..n];
    match distance {
        Distance::Euclidean => fill_row(
            &Euclidean {
                x2: x.map(|v| 2.0 * v),
                x_norm,
            },
            targets,
            out,
        ),
        Distance::Pearson => fill_row(&Pearson { x: *x }, targets, out),
    }
}

/// A column score against a target column `y` with squared norm `y_norm`.
trait ColumnScore {
    fn score(&self, y: [f64; 4], y_norm: f64) -> f64;
}

struct Euclidean {
    x2: [f64; 4],
    x_norm: f64,
}

impl ColumnScore for Euclidean {
    #[inline(always)]
    fn score(&self, y: [f64; 4], y_norm: f64) -> f64 {
        let mut z = self.x_norm + y_norm;
        for (x2, y) in self.x2.iter().zip(y) {
            z -= x2 * y;
        }
        if z > 0.0 {
            -z.sqrt()
        } else {
            0.0
        }
    }
}

struct Pearson {
    x: [f64; 4],
}

impl ColumnScore for Pearson {
    #[inline(always)]
    fn score(&self, y: [f64; 4], _: f64) -> f64 {
        self.x[0] * y[0] + self.x[1] * y[1] + self.x[2] * y[2] + self.x[3] * y[3]
    }
}

#[inline(always)]
fn fill_row(scorer: &impl ColumnScore, targets: &TargetColumns, out: &mut [f64]) -> (f64, f64) {
    let n = out.len();
    let [a, c, g, t] = &targets.letters;
    // Everything sliced to one length, so the loop has no bounds to check and vectorizes.
    let (a, c, g, t, norms) = (&a[..n], &c[..n], &g[..n], &t[..n], &targets.norms[..n]);
    for j in 0..n {
        out[j] = scorer.score([a[j], c[j], g[j], t[j]], norms[j]);
    }
    min_max(out)
}

/// Minimum and maximum, in eight lanes so the comparisons vectorize instead of forming one chain.
#[inline(always)]
fn min_max(values: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let blocks = values.chunks_exact(LANES);
    let rest = blocks.remainder();
    for block in blocks {
        for k in 0..LANES {
            lo[k] = if block[k] < lo[k] { block[k] } else { lo[k] };
            hi[k] = if block[k] > hi[k] { block[k] } else { hi[k] };
        }
    }
    for (k, &v) in rest.iter().enumerate() {
        lo[k] = lo[k].min(v);
        hi[k] = hi[k].max(v);
    }
    (
        lo.iter().copied().fold(f64::INFINITY, f64::min),
        hi.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// The weighted histograms of several rows of bins: for every row `r` of `bins` (rows of
/// `weights.len()` each) and every `j`, adds `weights[j]` to `out[r * m + bins[r][j]]`, where `out`
/// holds one table of `m` counts per row. `spare` is scratch.
///
/// Four rows are counted in one pass, which loads each weight once for four tables (the loads,
/// not the additions, set the pace of a scatter), and a run of equal bins in one row makes four
/// independent chains of read-modify-writes, one per table, instead of one waiting for the last
/// to leave the store buffer. The rows left over are counted one at a time in four interleaved
/// partial tables, for the same reason. (Counted one row at a time, both histograms of the
/// score rows took a fifth of the comparison.)
#[inline(never)]
pub(crate) fn histograms<B: Copy>(
    bins: &[B],
    weights: &[u32],
    out: &mut [u32],
    spare: &mut Vec<u32>,
) where
    usize: From<B>,
{
    let n = weights.len();
    if n == 0 {
        return;
    }
    let rows = bins.len() / n;
    debug_assert!(rows * n == bins.len() && out.len().is_multiple_of(rows));
    let m = out.len() / rows;
    let mut bins = bins.chunks_exact(n);
    let mut tables = out.chunks_exact_mut(m);
    for _ in 0..rows / 4 {
        let b: [&[B]; 4] = std::array::from_fn(|_| bins.next().expect("a row"));
        let [t0, t1, t2, t3]: [&mut [u32]; 4] =
            std::array::from_fn(|_| tables.next().expect("a table"));
        for ((((&w, &b0), &b1), &b2), &b3) in weights.iter().zip(b[0]).zip(b[1]).zip(b[2]).zip(b[3])
        {
            t0[usize::from(b0)] += w;
            t1[usize::from(b1)] += w;
            t2[usize::from(b2)] += w;
            t3[usize::from(b3)] += w;
        }
    }
    for (row, table) in bins.zip(tables) {
        histogram(row, weights, table, spare);
    }
}

/// [`histograms`] of one row, in four interleaved partial tables (three in `spare`).
fn histogram<B: Copy>(bins: &[B], weights: &[u32], out: &mut [u32], spare: &mut Vec<u32>)
where
    usize: From<B>,
{
    const WAYS: usize = 4;
    let n = out.len();
    spare.clear();
    spare.resize((WAYS - 1) * n, 0);
    let (s1, rest) = spare.split_at_mut(n);
    let (s2, s3) = rest.split_at_mut(n);
    let full = bins.len() - bins.len() % WAYS;
    for (b, w) in bins[..full]
        .chunks_exact(WAYS)
        .zip(weights[..full].chunks_exact(WAYS))
    {
        out[usize::from(b[0])] += w[0];
        s1[usize::from(b[1])] += w[1];
        s2[usize::from(b[2])] += w[2];
        s3[usize::from(b[3])] += w[3];
    }
    for (&b, &w) in bins[full..].iter().zip(&weights[full..]) {
        out[usize::from(b)] += w;
    }
    for (i, o) in out.iter_mut().enumerate() {
        *o += s1[i] + s2[i] + s3[i];
    }
}

/// The integer part of `v`, which must lie in [0, 2³¹). Adding 1.5 · 2⁵² to a whole number
/// puts it in the low bits of the mantissa; unlike `as`, which must saturate, this vectorizes.
#[inline(always)]
pub(crate) fn whole(v: f64) -> i32 {
    const MAGIC: f64 = 6_755_399_441_055_744.0;
    debug_assert!((0.0..2_147_483_648.0).contains(&v), "{v} out of range");
    (v.trunc() + MAGIC).to_bits() as u32 as i32
}

/// Independent lanes of the loops that reduce over target columns, so they vectorize.
const LANES: usize = 8;

/// The cell of each score of `row` on memelite's median grid of `bins` cells between `lo` and
/// `hi` (all 0 when `lo == hi`), into `cell_of`: memelite's expression, division included, so
/// values on a cell boundary fall the same way.
#[inline(always)]
pub(crate) fn median_cells(row: &[f64], lo: f64, hi: f64, bins: usize, cell_of: &mut [u16]) {
    let range = hi - lo;
    if range == 0.0 {
        cell_of.fill(0);
        return;
    }
    let scale = (bins - 1) as f64;
    for (c, &v) in cell_of.iter_mut().zip(row) {
        *c = whole((v - lo) / range * scale) as u16;
    }
}

/// The weighted median of `row` approximated on the grid of [`median_cells`], as memelite
/// computes it, from the cells (`cell_of`) and their weighted counts (`cells`): the cell where
/// the cumulative count first reaches half, and the mean of the values in that cell. Matching its
/// approximation keeps the null distributions (and so the p-values) the same; the difference
/// from the exact median is below (hi − lo) / cells.
#[inline(always)]
pub(crate) fn binned_median(
    row: &[f64],
    lo: f64,
    hi: f64,
    targets: &TargetColumns,
    cells: &[u32],
    cell_of: &[u16],
) -> f64 {
    if hi == lo {
        return lo;
    }
    let mut cumulative = 0u64;
    let stop = cells
        .iter()
        .position(|&count| {
            cumulative += u64::from(count);
            cumulative as f64 >= targets.halfway
        })
        .expect("the cumulative count reaches the total, which is at least half of itself");
    let stop = stop as u16;
    let mut sums = [0.0f64; LANES];
    let n = row.len();
    let full = n - n % LANES;
    for ((cells8, row8), counts8) in cell_of[..full]
        .chunks_exact(LANES)
        .zip(row[..full].chunks_exact(LANES))
        .zip(targets.counts[..full].chunks_exact(LANES))
    {
        for k in 0..LANES {
            let term = row8[k] * f64::from(counts8[k]);
            sums[k] += if cells8[k] == stop { term } else { 0.0 };
        }
    }
    let mut sum: f64 = sums.iter().sum();
    for j in full..n {
        if cell_of[j] == stop {
            sum += row[j] * f64::from(targets.counts[j]);
        }
    }
    sum / f64::from(cells[stop as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_first_column_of_each_cell() {
        let cols = [
            [0.0, 0.0, 0.0, 1.0],
            [0.001, 0.0, 0.0, 0.999],
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
        ];
        let (class_of, reps, counts) = merge_columns(&cols, 100);
        assert_eq!(class_of, vec![0, 0, 1, 0]);
        assert_eq!(reps, vec![cols[0], cols[2]]);
        assert_eq!(counts, vec![3, 1]);
    }

    #[test]
    fn pearson_of_a_column_with_itself_is_one_and_flat_columns_score_zero() {
        let (x, _) = transform(&[0.7, 0.1, 0.1, 0.1], Distance::Pearson);
        assert!((x.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-12);
        assert_eq!(transform(&[0.25; 4], Distance::Pearson).0, [0.0; 4]);
    }

    #[test]
    fn binned_median_of_equal_weights_is_the_middle_value() {
        let m = Motif::from_probabilities("M", vec![[1.0, 0.0, 0.0, 0.0]; 5]).unwrap();
        let targets = TargetColumns::new(&[m], false, None, Distance::Euclidean);
        let row = [0.0, -1.0, -0.5, -0.2, -0.9];
        let mut cell_of = [0u16; 5];
        median_cells(&row, -1.0, 0.0, 1000, &mut cell_of);
        assert_eq!(cell_of, [999, 0, 499, 799, 99]);
        let mut cells = vec![0u32; 1000];
        histograms(&cell_of, &targets.counts, &mut cells, &mut Vec::new());
        let med = binned_median(&row, -1.0, 0.0, &targets, &cells, &cell_of);
        assert_eq!(med, -0.5);
    }

    #[test]
    fn histograms_of_any_number_of_rows_count_every_weight() {
        let weights = [1, 2, 3, 4, 5, 6, 7];
        for rows in 1..=9 {
            let bins: Vec<u8> = (0..rows * weights.len())
                .map(|i| (i * 7 % 5) as u8)
                .collect();
            let mut want = vec![0u32; rows * 5];
            for (i, &b) in bins.iter().enumerate() {
                want[i / weights.len() * 5 + usize::from(b)] += weights[i % weights.len()];
            }
            let mut got = vec![0u32; rows * 5];
            histograms(&bins, &weights, &mut got, &mut Vec::new());
            assert_eq!(got, want, "{rows} rows");
        }
    }
}
