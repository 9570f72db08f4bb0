//! Drawing windows: uniformly, stratified by GC bin, or to match a GC histogram.

use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::gc::Composition;

/// Splits `total` among bins in proportion to `weights` by largest remainder (ties to the lower
/// bin), so the parts are whole numbers that add up to `total` exactly.
///
/// # Examples
/// ```
/// use tfbind_negatives::sample::apportion;
/// assert_eq!(apportion(10, &[1, 1, 2]), [3, 2, 5]);
/// assert_eq!(apportion(4, &[0, 3, 0, 1]), [0, 3, 0, 1]);
/// ```
pub fn apportion(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: u128 = weights.iter().map(|&w| w as u128).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact = |w: usize| total as u128 * w as u128;
    let mut parts: Vec<usize> = weights.iter().map(|&w| (exact(w) / sum) as usize).collect();
    let given: usize = parts.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&b| (std::cmp::Reverse(exact(weights[b]) % sum), b));
    for &b in order.iter().take(total - given) {
        parts[b] += 1;
    }
    parts
}

/// `n` of `n_items` items drawn uniformly without replacement, as sorted indices.
pub fn uniform<R: Rng + ?Sized>(n_items: usize, n: usize, rng: &mut R) -> Vec<usize> {
    let mut chosen = rand::seq::index::sample(rng, n_items, n.min(n_items)).into_vec();
    chosen.sort_unstable();
    chosen
}

/// `n` items drawn so that each bin keeps its share of the whole (by [`apportion`]), uniformly
/// within a bin; sorted indices. `bins[i]` is the bin of item `i`.
pub fn stratified<R: Rng + ?Sized>(
    bins: &[usize],
    n_bins: usize,
    n: usize,
    rng: &mut R,
) -> Vec<usize> {
    let mut by_bin = items_by_bin(bins.iter().copied(), n_bins);
    let sizes: Vec<usize> = by_bin.iter().map(Vec::len).collect();
    let quotas = apportion(n.min(bins.len()), &sizes);
    let mut chosen = Vec::with_capacity(n);
    for (items, quota) in by_bin.iter_mut().zip(quotas) {
        let (picked, _) = items.partial_shuffle(rng, quota);
        chosen.extend_from_slice(picked);
    }
    chosen.sort_unstable();
    chosen
}

/// Negatives a GC bin could not supply itself and took from a neighbouring bin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Borrow {
    /// The bin that lacked negatives.
    pub bin: usize,
    /// The bin they came from.
    pub from_bin: usize,
    pub count: usize,
}

/// The outcome of [`gc_matched`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// Sorted indices of the chosen candidates.
    pub chosen: Vec<usize>,
    pub borrowed: Vec<Borrow>,
    /// Negatives that no bin could supply: the candidates ran out.
    pub missing: usize,
}

/// Draws `targets[b]` candidates from each GC bin `b` (of `targets.len()` bins). A bin with too
/// few candidates takes the rest from its neighbours, nearest bin first and, within a bin, the
/// candidates whose GC content is closest to the bin that lacks them, so the histogram stays as
/// close as the candidates allow.
pub fn gc_matched<R: Rng + ?Sized>(
    candidates: &[Composition],
    targets: &[usize],
    rng: &mut R,
) -> Matched {
    let n_bins = targets.len();
    let mut left = items_by_bin(candidates.iter().map(|c| c.bin(n_bins)), n_bins);
    let mut chosen = Vec::with_capacity(targets.iter().sum());
    let mut short = vec![0; n_bins];
    for (b, items) in left.iter_mut().enumerate() {
        items.shuffle(rng);
        let take = targets[b].min(items.len());
        chosen.extend(items.drain(..take));
        short[b] = targets[b] - take;
    }

    let mut borrowed = Vec::new();
    for (b, need) in short.iter_mut().enumerate() {
        let (lo, hi) = (b as f64 / n_bins as f64, (b + 1) as f64 / n_bins as f64);
        let distance = |i: usize| {
            let g = candidates[i].gc_fraction();
            (lo - g).max(g - hi).max(0.0)
        };
        let neighbours = (1..n_bins).flat_map(|d| [b.checked_sub(d), Some(b + d)]);
        for from in neighbours.flatten().filter(|&nb| nb < n_bins) {
            if *need == 0 {
                break;
            }
            let items = &mut left[from];
            if items.is_empty() {
                continue;
            }
            // Stable, so equally distant candidates stay in their random order.
            items.sort_by(|&x, &y| distance(x).total_cmp(&distance(y)));
            let take = (*need).min(items.len());
            chosen.extend(items.drain(..take));
            *need -= take;
            borrowed.push(Borrow {
                bin: b,
                from_bin: from,
                count: take,
            });
        }
    }
    chosen.sort_unstable();
    Matched {
        chosen,
        borrowed,
        missing: short.iter().sum(),
    }
}

fn items_by_bin(bins: impl Iterator<Item = usize>, n_bins: usize) -> Vec<Vec<usize>> {
    let mut by_bin = vec![Vec::new(); n_bins];
    for (i, b) in bins.enumerate() {
        by_bin[b].push(i);
    }
    by_bin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gc::histogram;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(5)
    }

    fn with_gc(gc: &[u32]) -> Vec<Composition> {
        gc.iter()
            .map(|&gc| Composition {
                gc,
                acgt: 100,
                n: 0,
            })
            .collect()
    }

    #[test]
    fn apportion_adds_up_and_stays_proportional() {
        for (total, weights) in [(7, vec![3, 3, 3]), (100, vec![1, 0, 998, 1]), (0, vec![5])] {
            let parts = apportion(total, &weights);
            assert_eq!(parts.iter().sum::<usize>(), total);
            let sum: usize = weights.iter().sum();
            for (p, w) in parts.iter().zip(&weights) {
                let exact = total as f64 * *w as f64 / sum as f64;
                assert!((*p as f64 - exact).abs() < 1.0, "{parts:?} for {weights:?}");
            }
        }
        assert_eq!(apportion(7, &[3, 3, 3]), [3, 2, 2]);
        assert_eq!(apportion(3, &[0, 0]), [0, 0]);
    }

    #[test]
    fn stratified_keeps_each_bins_share() {
        let bins: Vec<usize> = (0..1000).map(|i| if i < 700 { 2 } else { i % 2 }).collect();
        let chosen = stratified(&bins, 4, 100, &mut rng());
        assert_eq!(chosen.len(), 100);
        assert!(chosen.windows(2).all(|w| w[0] < w[1]));
        let h = histogram(chosen.iter().map(|&i| bins[i]), 4);
        assert_eq!(h, [15, 15, 70, 0]);
    }

    #[test]
    fn gc_matched_fills_each_bin_from_itself_when_it_can() {
        let candidates = with_gc(&[5, 15, 15, 25, 25, 25, 85, 95]);
        let m = gc_matched(&candidates, &[1, 2, 2, 0, 0, 0, 0, 0, 1, 0], &mut rng());
        assert!(m.borrowed.is_empty());
        assert_eq!(m.missing, 0);
        assert_eq!(m.chosen.len(), 6);
        let h = histogram(m.chosen.iter().map(|&i| candidates[i].bin(10)), 10);
        assert_eq!(h, [1, 2, 2, 0, 0, 0, 0, 0, 1, 0]);
    }

    #[test]
    fn a_short_bin_borrows_the_nearest_gc_from_neighbours_and_says_so() {
        // Bin 9 wants 3 but has 1; bin 8 holds 80 %, 81 % and 89 %; bin 7 holds 79 %.
        let candidates = with_gc(&[95, 80, 81, 89, 79, 10]);
        let m = gc_matched(&candidates, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 3], &mut rng());
        assert_eq!(m.missing, 0);
        assert_eq!(m.chosen, [0, 2, 3]);
        assert_eq!(
            m.borrowed,
            [Borrow {
                bin: 9,
                from_bin: 8,
                count: 2
            }]
        );
        let m = gc_matched(&candidates, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 5], &mut rng());
        assert_eq!(m.chosen, [0, 1, 2, 3, 4]);
        assert_eq!(m.borrowed.len(), 2);
        assert_eq!(m.borrowed[1].from_bin, 7);
    }

    #[test]
    fn gc_matched_reports_what_no_bin_could_supply() {
        let candidates = with_gc(&[50, 51]);
        let m = gc_matched(&candidates, &[0, 0, 0, 0, 0, 4, 0, 0, 0, 0], &mut rng());
        assert_eq!((m.chosen.len(), m.missing), (2, 2));
    }

    #[test]
    fn uniform_draws_distinct_sorted_indices() {
        let chosen = uniform(50, 20, &mut rng());
        assert_eq!(chosen.len(), 20);
        assert!(chosen.windows(2).all(|w| w[0] < w[1]) && chosen[19] < 50);
        assert_eq!(uniform(3, 10, &mut rng()), [0, 1, 2]);
    }
}
