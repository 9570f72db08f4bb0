use std::{collections::HashSet, fmt};

use rand::{seq::SliceRandom, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tfbind_dataset::{Split, Window};

use crate::{EncodeParams, Error, Result};

/// How windows are assigned to train / validation / test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SplitMethod {
    /// Whole chromosomes are held out (`valid_chroms`, `test_chroms`): no window of the test set
    /// shares sequence with a training window, even where windows overlap.
    Chromosome,
    /// A seeded random permutation, cut by `valid_fraction` and `test_fraction`.
    Random,
    /// Each window's split drawn from its coordinates and the seed alone, with probabilities
    /// `valid_fraction` and `test_fraction`: a window lands in the same split in every dataset
    /// made with that seed, so a model fine-tuned from a pre-trained one is tested only on windows
    /// the pre-training never trained on, even when both datasets come from the same chromosomes.
    Hashed,
}

impl fmt::Display for SplitMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Chromosome => "chromosome",
            Self::Random => "random",
            Self::Hashed => "hashed",
        })
    }
}

/// The ChaCha stream of the split, so other seeded uses of the same config seed draw different
/// numbers.
const SPLIT_STREAM: u64 = 0x5e11_7000;

/// The split of each window.
///
/// `chromosome`: a named list none of whose chromosomes has a window is an error (it is almost
/// always a genome mismatch, e.g. the default chr7/chr8/chr9 on a chr19–22 subset); an empty list
/// means no such set. `random`: exactly `round(n × fraction)` validation and test windows.
/// Either way an empty training set is an error.
///
/// # Examples
/// ```
/// use tfbind_dataset::{Split, Window};
/// use tfbind_encode::{assign_splits, EncodeParams, SplitMethod};
/// let w = |chrom: &str| Window { chrom: chrom.into(), start: 0, end: 10, name: "w".into() };
/// let params = EncodeParams {
///     split: SplitMethod::Chromosome,
///     valid_chroms: vec!["chr2".into()],
///     test_chroms: vec!["chr3".into()],
///     ..EncodeParams::default()
/// };
/// let split = assign_splits(&[w("chr1"), w("chr3"), w("chr2")], &params).unwrap();
/// assert_eq!(split, [Split::Train, Split::Test, Split::Valid]);
/// ```
pub fn assign_splits(windows: &[Window], params: &EncodeParams) -> Result<Vec<Split>> {
    let split = match params.split {
        SplitMethod::Chromosome => by_chromosome(windows, params)?,
        SplitMethod::Random => at_random(windows.len(), params),
        SplitMethod::Hashed => windows.iter().map(|w| hashed(w, params)).collect(),
    };
    if !split.contains(&Split::Train) {
        return Err(Error::Split {
            message: format!(
                "the {} split leaves no training window (of {})",
                params.split,
                windows.len()
            ),
        });
    }
    Ok(split)
}

fn by_chromosome(windows: &[Window], params: &EncodeParams) -> Result<Vec<Split>> {
    let valid: HashSet<&str> = params.valid_chroms.iter().map(String::as_str).collect();
    let test: HashSet<&str> = params.test_chroms.iter().map(String::as_str).collect();
    let split: Vec<Split> = windows
        .iter()
        .map(|w| {
            if valid.contains(w.chrom.as_str()) {
                Split::Valid
            } else if test.contains(w.chrom.as_str()) {
                Split::Test
            } else {
                Split::Train
            }
        })
        .collect();
    for (set, names, what) in [
        (Split::Valid, &params.valid_chroms, "validation"),
        (Split::Test, &params.test_chroms, "test"),
    ] {
        if !names.is_empty() && !split.contains(&set) {
            let mut present: Vec<&str> = windows.iter().map(|w| w.chrom.as_str()).collect();
            present.sort_unstable();
            present.dedup();
            return Err(Error::Split {
                message: format!(
                    "no window lies on the {what} chromosomes ({}); the windows are on {}",
                    names.join(", "),
                    present.join(", ")
                ),
            });
        }
    }
    Ok(split)
}

fn at_random(n: usize, params: &EncodeParams) -> Vec<Split> {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    rng.set_stream(SPLIT_STREAM);
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    let n_valid = (n as f64 * params.valid_fraction).round() as usize;
    let n_test = ((n as f64 * params.test_fraction).round() as usize).min(n - n_valid);
    let mut split = vec![Split::Train; n];
    for &i in &order[..n_valid] {
        split[i] = Split::Valid;
    }
    for &i in &order[n_valid..n_valid + n_test] {
        split[i] = Split::Test;
    }
    split
}

fn hashed(window: &Window, params: &EncodeParams) -> Split {
    let u = unit_hash(params.seed, &window.chrom, window.start, window.end);
    if u < params.test_fraction {
        Split::Test
    } else if u < params.test_fraction + params.valid_fraction {
        Split::Valid
    } else {
        Split::Train
    }
}

/// A number in [0, 1) fixed by the seed and the coordinates: FNV-1a over them, then the
/// splitmix64 finaliser to spread the bits. Both are fixed algorithms, so splits stay the same
/// across platforms and versions (std's hashers promise neither).
fn unit_hash(seed: u64, chrom: &str, start: u64, end: u64) -> f64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = seed
        .to_le_bytes()
        .into_iter()
        .chain(chrom.bytes())
        .chain([0])
        .chain(start.to_le_bytes())
        .chain(end.to_le_bytes());
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(chroms: &[&str]) -> Vec<Window> {
        chroms
            .iter()
            .enumerate()
            .map(|(i, c)| Window {
                chrom: c.to_string(),
                start: i as u64,
                end: i as u64 + 10,
                name: format!("w{i}"),
            })
            .collect()
    }

    fn random(seed: u64) -> EncodeParams {
        EncodeParams {
            split: SplitMethod::Random,
            seed,
            ..EncodeParams::default()
        }
    }

    #[test]
    fn random_split_is_80_10_10_and_seeded() {
        let w = windows(&["chr1"; 1003]);
        let a = assign_splits(&w, &random(7)).unwrap();
        let count = |s: &[Split], x| s.iter().filter(|&&y| y == x).count();
        assert_eq!(
            (
                count(&a, Split::Train),
                count(&a, Split::Valid),
                count(&a, Split::Test)
            ),
            (803, 100, 100)
        );
        assert_eq!(a, assign_splits(&w, &random(7)).unwrap());
        assert_ne!(a, assign_splits(&w, &random(8)).unwrap());
        // Not simply the first or last rows.
        assert!(a[..100].contains(&Split::Train) && a[..100].contains(&Split::Valid));
    }

    #[test]
    fn hashed_split_depends_only_on_the_window_and_seed() {
        let hashed = |seed| EncodeParams {
            split: SplitMethod::Hashed,
            seed,
            ..EncodeParams::default()
        };
        let w = windows(&["chr1"; 5000]);
        let all = assign_splits(&w, &hashed(3)).unwrap();
        let count = |x| all.iter().filter(|&&y| y == x).count();
        // Binomial(5000, 0.1): 4 standard deviations is ±85.
        for set in [Split::Valid, Split::Test] {
            assert!((415..=585).contains(&count(set)), "{set:?}: {}", count(set));
        }
        // The same window gets the same split in another dataset, in another order.
        let subset: Vec<Window> = w.iter().rev().step_by(7).cloned().collect();
        let sub = assign_splits(&subset, &hashed(3)).unwrap();
        for (win, split) in subset.iter().zip(&sub) {
            assert_eq!(*split, all[win.start as usize]);
        }
        assert_ne!(all, assign_splits(&w, &hashed(4)).unwrap());
    }

    #[test]
    fn chromosome_split_names_missing_chromosomes() {
        let w = windows(&["chr19", "chr21", "chr22"]);
        let e = assign_splits(&w, &EncodeParams::default()).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("chr7") && msg.contains("chr19, chr21, chr22"),
            "{msg}"
        );

        let params = EncodeParams {
            valid_chroms: vec!["chr21".into()],
            test_chroms: vec![],
            ..EncodeParams::default()
        };
        let s = assign_splits(&w, &params).unwrap();
        assert_eq!(s, [Split::Train, Split::Valid, Split::Train]);

        let params = EncodeParams {
            valid_chroms: vec!["chr19".into(), "chr21".into()],
            test_chroms: vec!["chr22".into()],
            ..EncodeParams::default()
        };
        let e = assign_splits(&w, &params).unwrap_err();
        assert!(e.to_string().contains("no training window"), "{e}");
    }

    #[test]
    fn split_names_shown_as_spelled_in_flags_and_config() {
        let names = tfbind_cli::variants::<SplitMethod>();
        assert_eq!(names, ["chromosome", "random", "hashed"]);
        for name in names {
            let parsed: SplitMethod =
                serde::Deserialize::deserialize(serde::de::value::StrDeserializer::<
                    serde::de::value::Error,
                >::new(name))
                .unwrap();
            assert_eq!(parsed.to_string(), *name);
        }
    }
}
