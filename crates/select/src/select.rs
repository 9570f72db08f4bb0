use std::cmp::Ordering;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tfbind_dataset::{LabelCounts, LabelMatrix};

use crate::{
    cobinding, Choice, Error, Evidence, MotifIndex, Result, SelectParams, Selection, SkipReason,
    Skipped, Strategy,
};

/// The ChaCha stream of the `random` strategy, so other seeded uses of the same config seed
/// draw different numbers.
const RANDOM_STREAM: u64 = 0x5e1e_c700;

/// Chooses TFs among the columns of `labels` for `params`. `motifs` is needed by the `motif`
/// strategy only.
pub fn select(
    labels: &LabelMatrix,
    params: &SelectParams,
    motifs: Option<&MotifIndex>,
) -> Result<Selection> {
    params.validate()?;
    let names = labels.names();
    let target = params
        .target
        .as_deref()
        .map(|t| labels.tf_column(t))
        .transpose()?;
    let counts = labels.label_counts();

    let mut skipped = Vec::new();
    let mut candidates = Vec::new();
    for c in 0..names.len() {
        if params.exclude_target && Some(c) == target {
            continue;
        }
        if counts[c].bound < params.min_bound {
            skipped.push(Skipped {
                tf: names[c].clone(),
                reason: SkipReason::FewBound {
                    bound_windows: counts[c].bound,
                },
            });
        } else {
            candidates.push(c);
        }
    }

    let strategy = params.strategy;
    let needs_target = || target.ok_or(Error::NeedsTarget { strategy });
    let ranked = match strategy {
        Strategy::Cobinding | Strategy::LowCobinding => {
            let t = needs_target()?;
            if counts[t].bound == 0 {
                return Err(Error::TargetNeverBound {
                    target: names[t].clone(),
                });
            }
            let co = cobinding(labels, t);
            let mut ranked: Vec<(usize, f64, Evidence)> = Vec::new();
            for &c in &candidates {
                match co[c].cosine {
                    Some(cosine) => ranked.push((
                        c,
                        cosine,
                        Evidence::Cobinding {
                            cosine,
                            cobound_windows: co[c].cobound,
                            shared_windows: co[c].shared,
                        },
                    )),
                    None => skipped.push(Skipped {
                        tf: names[c].clone(),
                        reason: SkipReason::NoSharedBinding,
                    }),
                }
            }
            let descending = strategy == Strategy::Cobinding;
            sort_by_score(&mut ranked, names, descending);
            without_scores(ranked)
        }
        Strategy::Motif => {
            let t = needs_target()?;
            let motifs = motifs.ok_or(Error::NoMotifs)?;
            let tfs: Vec<String> = candidates.iter().map(|&c| names[c].clone()).collect();
            let sims = motifs.similarity(&names[t], &tfs)?;
            let mut ranked: Vec<(usize, f64, Evidence)> = Vec::new();
            for (&c, sim) in candidates.iter().zip(sims) {
                match sim {
                    Some(m) => ranked.push((
                        c,
                        m.p_value,
                        Evidence::Motif {
                            p_value: m.p_value,
                            target_motif: m.target_motif.0,
                            target_motif_name: m.target_motif.1,
                            tf_motif: m.tf_motif.0,
                            tf_motif_name: m.tf_motif.1,
                        },
                    )),
                    None => skipped.push(Skipped {
                        tf: names[c].clone(),
                        reason: SkipReason::NoMotif,
                    }),
                }
            }
            sort_by_score(&mut ranked, names, false);
            without_scores(ranked)
        }
        Strategy::FewestNa => {
            let mut order = candidates.clone();
            labels.sort_fewest_na(&mut order, &counts);
            order
                .into_iter()
                .map(|c| (c, labels_evidence(&counts[c])))
                .collect()
        }
        Strategy::Random => {
            let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
            // Each target gets its own draw: with one stream for all, targets would share their
            // random sets but for the one excluded TF.
            let target_name = target.map_or("", |t| names[t].as_str());
            rng.set_stream(RANDOM_STREAM ^ fnv1a(target_name));
            // A whole permutation, of which the first k are taken: every candidate is ranked.
            let mut order = candidates.clone();
            order.shuffle(&mut rng);
            order
                .into_iter()
                .map(|c| (c, labels_evidence(&counts[c])))
                .collect()
        }
    };

    let k = params.k();
    if ranked.len() < k {
        return Err(Error::TooFewCandidates {
            strategy,
            k,
            available: ranked.len(),
            skipped: skipped.iter().map(|s| s.tf.clone()).collect(),
        });
    }
    Ok(Selection {
        strategy,
        target: target.map(|t| names[t].clone()),
        k,
        exclude_target: params.exclude_target,
        seed: (strategy == Strategy::Random).then_some(params.seed),
        min_bound: params.min_bound,
        motifs: (strategy == Strategy::Motif).then(|| params.motifs.clone()),
        candidates: ranked.len(),
        chosen: ranked
            .into_iter()
            .take(k)
            .enumerate()
            .map(|(i, (c, evidence))| Choice {
                rank: i + 1,
                tf: names[c].clone(),
                evidence,
            })
            .collect(),
        skipped,
    })
}

/// Orders by score, ties by TF name, so that equal scores (several cosines of 0, p-values that
/// underflow to 0) give the same list on every run and platform.
fn sort_by_score(ranked: &mut [(usize, f64, Evidence)], names: &[String], descending: bool) {
    ranked.sort_by(|a, b| {
        let by_score = if descending {
            b.1.total_cmp(&a.1)
        } else {
            a.1.total_cmp(&b.1)
        };
        match by_score {
            Ordering::Equal => names[a.0].cmp(&names[b.0]),
            other => other,
        }
    });
}

fn without_scores(ranked: Vec<(usize, f64, Evidence)>) -> Vec<(usize, Evidence)> {
    ranked.into_iter().map(|(c, _, e)| (c, e)).collect()
}

fn labels_evidence(counts: &LabelCounts) -> Evidence {
    Evidence::Labels {
        na_windows: counts.unknown,
        bound_windows: counts.bound,
    }
}

/// FNV-1a: a hash that, unlike std's, is the same in every Rust version, so seeds stay stable.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
