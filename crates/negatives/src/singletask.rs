//! A single-task dataset: one TF's positives and negatives drawn for them.

use rayon::prelude::*;
use tfbind_dataset::{LabelMatrix, Synthetic, Window, Windows, BOUND, UNBOUND};
use tfbind_genome::shuffle::dinucleotide_shuffle;

use crate::error::{Error, Result};
use crate::gc::{Composition, GcReport};
use crate::params::{Params, Strategy};
use crate::report::{Dropped, Report, SingleTaskReport};
use crate::sample::{self, Matched};
use crate::seeds::{self, Purpose};
use crate::source::Source;
use crate::tasks;

/// Windows drawn from the regions artifact, with their composition.
#[derive(Debug, Default)]
struct Drawn {
    rows: Vec<usize>,
    compositions: Vec<Composition>,
}

impl Drawn {
    fn push(&mut self, row: usize, composition: Composition) {
        self.rows.push(row);
        self.compositions.push(composition);
    }

    fn pick(&self, indices: &[usize]) -> Drawn {
        Drawn {
            rows: indices.iter().map(|&i| self.rows[i]).collect(),
            compositions: indices.iter().map(|&i| self.compositions[i]).collect(),
        }
    }

    fn len(&self) -> usize {
        self.rows.len()
    }
}

/// Builds the windows of a single-task dataset for TF `tf`.
pub fn build(src: &Source<'_>, tf: &str, params: &Params) -> Result<(Windows, Report)> {
    let labels = &src.regions.labels;
    let col = tasks::column(labels, tf, &src.dir)?;
    let label = |row: usize| labels.get(row, col);
    let shuffling = params.strategy == Strategy::DinucleotideShuffle;
    // Shuffled negatives are made from the positives, so unbound windows need not be read.
    let candidates: Vec<usize> = (0..labels.n_rows())
        .filter(|&r| label(r) == BOUND || (label(r) == UNBOUND && !shuffling))
        .collect();
    let bound = candidates.iter().filter(|&&r| label(r) == BOUND).count();

    let filtered = src.filter(&candidates)?;
    let (mut available, mut unbound) = (Drawn::default(), Drawn::default());
    for (&row, &c) in filtered.rows.iter().zip(&filtered.compositions) {
        if label(row) == BOUND {
            available.push(row, c);
        } else {
            unbound.push(row, c);
        }
    }
    let dropped = Dropped {
        excluded: filtered.excluded.len(),
        n_rich: filtered.n_rich.len(),
        all_na: 0,
    };
    if available.rows.is_empty() {
        let bound_in = |rows: &[usize]| rows.iter().filter(|&&r| label(r) == BOUND).count();
        return Err(Error::NoPositives {
            path: src.dir.clone(),
            tf: tf.to_string(),
            bound,
            excluded: bound_in(&filtered.excluded),
            n_rich: bound_in(&filtered.n_rich),
        });
    }

    let positives_available = available.len();
    let positives = match params.max_positives {
        Some(max) if max < positives_available => {
            let bins: Vec<usize> = available
                .compositions
                .iter()
                .map(|c| c.bin(params.gc_bins))
                .collect();
            let mut rng = seeds::rng(params.seed, Purpose::SubsamplePositives);
            available.pick(&sample::stratified(&bins, params.gc_bins, max, &mut rng))
        }
        _ => available,
    };
    let requested = (params.ratio * positives.len() as f64).round() as usize;

    let mut borrowed = Vec::new();
    let (windows, negative_compositions) = if shuffling {
        shuffled(src, tf, &positives, requested, params.seed)?
    } else {
        if unbound.len() < requested {
            if !params.allow_fewer {
                return Err(Error::NotEnoughNegatives {
                    tf: tf.to_string(),
                    positives: positives.len(),
                    ratio: params.ratio,
                    needed: requested,
                    available: unbound.len(),
                });
            }
            tracing::warn!(
                tf,
                requested,
                available = unbound.len(),
                "fewer unbound windows than the ratio asks for; keeping them all (--allow-fewer)"
            );
        }
        let mut rng = seeds::rng(params.seed, Purpose::Negatives);
        let chosen = if params.strategy == Strategy::GcMatched {
            let Matched {
                chosen,
                borrowed: b,
                ..
            } = sample::gc_matched(
                &unbound.compositions,
                &positives.compositions,
                requested,
                params.gc_bins,
                &mut rng,
            );
            for x in &b {
                tracing::warn!(
                    tf,
                    bin = x.bin,
                    from_bin = x.from_bin,
                    count = x.count,
                    "GC bin lacked unbound windows; took them from a neighbouring bin"
                );
            }
            borrowed = b;
            chosen
        } else {
            sample::uniform(unbound.len(), requested, &mut rng)
        };
        let negatives = unbound.pick(&chosen);
        (
            real_windows(src, tf, &positives, &negatives),
            negatives.compositions,
        )
    };

    tracing::info!(
        tf,
        positives = positives.len(),
        negatives = negative_compositions.len(),
        strategy = %params.strategy,
        "chose windows"
    );
    let gc = GcReport::new(
        tf,
        &positives.compositions,
        &negative_compositions,
        0,
        params.gc_bins,
    );
    let report = Report {
        mode: "single-task".into(),
        tasks: vec![tf.to_string()],
        windows: windows.windows.len(),
        dropped,
        single_task: Some(SingleTaskReport {
            strategy: params.strategy,
            bound,
            positives_available,
            positives: positives.len(),
            negatives_available: unbound.len(),
            negatives_requested: requested,
            negatives: negative_compositions.len(),
            borrowed,
        }),
        gc: vec![gc],
    };
    Ok((windows, report))
}

/// Positives and negatives from the genome, in the regions artifact's order.
fn real_windows(src: &Source<'_>, tf: &str, positives: &Drawn, negatives: &Drawn) -> Windows {
    let mut rows: Vec<(usize, i8)> = positives
        .rows
        .iter()
        .map(|&r| (r, BOUND))
        .chain(negatives.rows.iter().map(|&r| (r, UNBOUND)))
        .collect();
    rows.sort_unstable();
    Windows {
        windows: rows.iter().map(|&(r, _)| src.window(r).clone()).collect(),
        labels: single_column(tf, rows.iter().map(|&(_, l)| l).collect()),
        synthetic: None,
    }
}

/// The positives, then `n` shuffles of them (the k-th shuffles positive k mod the number of
/// positives). A shuffle sits at its positive's coordinates, so a split by chromosome keeps it
/// beside the sequence it came from.
fn shuffled(
    src: &Source<'_>,
    tf: &str,
    positives: &Drawn,
    n: usize,
    seed: u64,
) -> Result<(Windows, Vec<Composition>)> {
    src.progress.start("shuffling", positives.len() as u64);
    let codes = src.codes(&positives.rows)?;
    let width = src.width;
    let rng_of = seeds::item_rngs(seed, Purpose::Shuffle);
    let shuffles: Vec<Vec<u8>> = (0..n)
        .into_par_iter()
        .map(|k| {
            let p = k % positives.len();
            dinucleotide_shuffle(&codes[p * width..(p + 1) * width], &mut rng_of(k as u64))
        })
        .collect();

    let mut windows: Vec<Window> = positives
        .rows
        .iter()
        .map(|&r| src.window(r).clone())
        .collect();
    for k in 0..n {
        let w = src.window(positives.rows[k % positives.len()]);
        windows.push(Window {
            name: format!("{}_shuf{}", w.name, k / positives.len() + 1),
            ..w.clone()
        });
    }
    let mut labels = vec![BOUND; positives.len()];
    labels.resize(positives.len() + n, UNBOUND);
    let compositions = shuffles.iter().map(|s| Composition::of(s)).collect();
    let windows = Windows {
        windows,
        labels: single_column(tf, labels),
        synthetic: Some(Synthetic {
            rows: (positives.len()..positives.len() + n).collect(),
            codes: shuffles.concat(),
            len: width,
        }),
    };
    Ok((windows, compositions))
}

fn single_column(tf: &str, labels: Vec<i8>) -> LabelMatrix {
    LabelMatrix::from_values(vec![tf.to_string()], labels).expect("one column fits any row count")
}
