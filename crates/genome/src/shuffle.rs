//! Dinucleotide shuffling (Altschul & Erikson 1985): a random sequence with exactly the
//! dinucleotide counts of the input, drawn uniformly among all such sequences that share its
//! first base.
//!
//! The sequence is a walk through the graph whose vertices are bases and whose edges are its
//! dinucleotides; every sequence with the same counts is an Eulerian path of that graph from the
//! same first base. Following Kandel et al. (1996), a uniform random Eulerian path is one where
//! the last edge leaving each vertex forms a uniform random spanning arborescence towards the last
//! base (drawn here with Wilson's loop-erased random walk), and all other edges leaving a vertex
//! are in uniform random order. Simply swapping dinucleotides around would not keep the counts;
//! a naive random walk would get stuck before using every edge.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::codes;

/// Letters a sequence may hold: the codes A C G T N = 0..4.
const ALPHABET: usize = codes::N as usize + 1;

/// Shuffles a sequence of codes (A C G T N = 0..4, see [`codes`]) keeping every
/// dinucleotide count, the first base and the last base.
///
/// # Examples
/// ```
/// use rand::SeedableRng;
/// let seq = [0, 1, 2, 3, 0, 1, 1, 2, 0, 3, 3, 2];
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
/// let shuffled = tfbind_genome::shuffle::dinucleotide_shuffle(&seq, &mut rng);
/// assert_eq!(shuffled.len(), seq.len());
/// assert_eq!((shuffled[0], shuffled[11]), (seq[0], seq[11]));
/// ```
///
/// # Panics
/// On a code above 4.
pub fn dinucleotide_shuffle<R: Rng + ?Sized>(seq: &[u8], rng: &mut R) -> Vec<u8> {
    // Up to two bases there is only one sequence with the same dinucleotides and first base.
    if seq.len() < 3 {
        return seq.to_vec();
    }
    let mut edges: [Vec<u8>; ALPHABET] = Default::default();
    for pair in seq.windows(2) {
        edges[usize::from(pair[0])].push(pair[1]);
    }
    let last = usize::from(seq[seq.len() - 1]);

    // Wilson's algorithm: from each vertex not yet in the tree, walk at random until the tree
    // is reached, overwriting a vertex's exit on revisits (which erases loops), then add the path.
    // Every vertex with an outgoing edge reaches `last`: the original sequence leads there.
    let mut in_tree = [false; ALPHABET];
    in_tree[last] = true;
    let mut exit = [0usize; ALPHABET];
    for start in 0..ALPHABET {
        if edges[start].is_empty() {
            continue;
        }
        let mut u = start;
        while !in_tree[u] {
            exit[u] = rng.gen_range(0..edges[u].len());
            u = usize::from(edges[u][exit[u]]);
        }
        let mut u = start;
        while !in_tree[u] {
            in_tree[u] = true;
            u = usize::from(edges[u][exit[u]]);
        }
    }

    for (v, out) in edges.iter_mut().enumerate() {
        if out.is_empty() {
            continue;
        }
        if v == last {
            out.shuffle(rng);
        } else {
            let end = out.len() - 1;
            out.swap(exit[v], end);
            out[..end].shuffle(rng);
        }
    }

    let mut next = [0usize; ALPHABET];
    let mut shuffled = Vec::with_capacity(seq.len());
    let mut v = seq[0];
    shuffled.push(v);
    for _ in 1..seq.len() {
        let u = usize::from(v);
        v = edges[u][next[u]];
        next[u] += 1;
        shuffled.push(v);
    }
    shuffled
}

/// Counts of each of the 25 dinucleotides of a sequence of codes, row-major by first base.
pub fn dinucleotide_counts(seq: &[u8]) -> [u32; ALPHABET * ALPHABET] {
    let mut counts = [0; ALPHABET * ALPHABET];
    for pair in seq.windows(2) {
        counts[usize::from(pair[0]) * ALPHABET + usize::from(pair[1])] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::{BTreeMap, BTreeSet};

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn keeps_dinucleotide_counts_and_ends_exactly() {
        let mut r = rng(1);
        for trial in 0..500 {
            let len = 3 + trial % 300;
            let alphabet = if trial % 3 == 0 { 5 } else { 4 };
            let seq: Vec<u8> = (0..len).map(|_| r.gen_range(0..alphabet)).collect();
            let s = dinucleotide_shuffle(&seq, &mut r);
            assert_eq!(
                dinucleotide_counts(&s),
                dinucleotide_counts(&seq),
                "{seq:?}"
            );
            assert_eq!((s[0], s[len - 1]), (seq[0], seq[len - 1]));
        }
    }

    #[test]
    fn same_rng_state_same_shuffle_and_shuffles_differ() {
        let seq: Vec<u8> = (0..200u32).map(|i| ((i * 7 + i / 3) % 4) as u8).collect();
        assert_eq!(
            dinucleotide_shuffle(&seq, &mut rng(3)),
            dinucleotide_shuffle(&seq, &mut rng(3))
        );
        let distinct: BTreeSet<_> = (0..20)
            .map(|s| dinucleotide_shuffle(&seq, &mut rng(s)))
            .collect();
        assert!(distinct.len() > 15, "{} distinct shuffles", distinct.len());
    }

    #[test]
    fn sequences_with_a_single_eulerian_path_come_back_unchanged() {
        for seq in [
            vec![0, 0, 0, 0],
            vec![0, 1, 2, 3],
            vec![2, 2, 1, 1],
            vec![3, 1],
        ] {
            assert_eq!(dinucleotide_shuffle(&seq, &mut rng(9)), seq);
        }
    }

    /// All sequences over `seq`'s letters with its dinucleotide counts and first base.
    fn enumerate_equivalent(seq: &[u8]) -> BTreeSet<Vec<u8>> {
        fn extend(
            prefix: &mut Vec<u8>,
            left: &mut [u32; 5],
            target: &[u32; 25],
            out: &mut BTreeSet<Vec<u8>>,
        ) {
            if left.iter().all(|&n| n == 0) {
                if dinucleotide_counts(prefix) == *target {
                    out.insert(prefix.clone());
                }
                return;
            }
            for b in 0..5u8 {
                if left[usize::from(b)] > 0 {
                    left[usize::from(b)] -= 1;
                    prefix.push(b);
                    extend(prefix, left, target, out);
                    prefix.pop();
                    left[usize::from(b)] += 1;
                }
            }
        }
        let mut left = [0u32; 5];
        for &b in &seq[1..] {
            left[usize::from(b)] += 1;
        }
        let mut out = BTreeSet::new();
        extend(
            &mut vec![seq[0]],
            &mut left,
            &dinucleotide_counts(seq),
            &mut out,
        );
        out
    }

    #[test]
    fn draws_every_equivalent_sequence_about_equally_often() {
        // A C A G A C T A G C: small enough to enumerate, rich enough to have many answers.
        let seq = [0, 1, 0, 2, 0, 1, 3, 0, 2, 1];
        let all = enumerate_equivalent(&seq);
        assert!(all.len() >= 6, "{} equivalent sequences", all.len());
        let draws = 400 * all.len();
        let mut seen: BTreeMap<Vec<u8>, usize> = BTreeMap::new();
        let mut r = rng(11);
        for _ in 0..draws {
            *seen.entry(dinucleotide_shuffle(&seq, &mut r)).or_default() += 1;
        }
        assert_eq!(seen.keys().cloned().collect::<BTreeSet<_>>(), all);
        // 400 expected per sequence; ±25 % is over 5 standard deviations.
        for (s, n) in &seen {
            assert!((300..=500).contains(n), "{s:?} drawn {n} times of {draws}");
        }
    }
}
