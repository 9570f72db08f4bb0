//! Which TFs the target's small model is pre-trained on: co-binding when the target's labels
//! say enough about it, JASPAR motif similarity when they do not, never looking at the target's
//! test windows.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfbind_artifact::Artifact;
use tfbind_dataset::{
    Dataset, LabelMatrix, Regions, Split, Window, BOUND, DATASET, REGIONS, UNKNOWN,
};
use tfbind_encode::{assign_splits, SplitMethod};
use tfbind_select::{Evidence, MotifIndex, SelectParams, Selection, Strategy};

use crate::{ChoiceParams, ChoiceStrategy, Error, Result};

/// The TF to choose for, and where its labels and test windows are.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// A `regions` artifact holding the target's labels over the regions artifact's windows
    /// (tfbind-peaks build of its peaks); `None` when the target is a column of the regions
    /// artifact itself.
    pub labels: Option<PathBuf>,
    /// The target's `dataset` artifacts (its own, and one it is tested on): their test windows
    /// are left out of the choice too (under a random split, the only way to know them).
    pub datasets: Vec<PathBuf>,
}

/// The chosen pre-training TFs, how and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetChoice {
    pub target: String,
    /// The chosen TFs, best first.
    pub tfs: Vec<String>,
    /// The strategy that chose them (`auto` resolved to the one it took).
    pub strategy: ChoiceStrategy,
    pub reason: Reason,
    /// Each chosen TF's evidence, in `tfs` order.
    pub chosen: Vec<Chosen>,
}

/// The numbers the choice was made on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The strategy asked for.
    pub asked: ChoiceStrategy,
    /// Windows of the regions artifact the choice read.
    pub windows: usize,
    /// Windows left out as the target's test windows.
    pub test_windows_left_out: usize,
    /// The target's bound windows among them.
    pub target_bound: usize,
    /// Of those, the ones labelled (1 or 0) for at least one candidate TF.
    pub target_bound_colabelled: usize,
    /// The threshold of `auto` on `target_bound_colabelled`.
    pub min_cobound: usize,
    /// TFs that could be chosen (enough bound windows, not the target).
    pub candidates: usize,
    /// One sentence for the report.
    pub why: String,
}

/// One chosen TF and what it was chosen on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chosen {
    pub tf: String,
    /// `cobinding` or `motif`.
    pub by: String,
    /// Co-binding: cosine with the target, co-bound and shared windows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cosine: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cobound_windows: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shared_windows: Option<usize>,
    /// Motif: the best Tomtom p-value and the motif pair it came from (`target ~ TF`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motifs: Option<String>,
}

/// Chooses the pre-training TFs of `target` among the TFs of the `regions` artifact.
///
/// The label matrix is read without the target's test windows: with a chromosome or hashed
/// split (`params.split`), every window the split puts in test; and every test window of
/// `target.datasets`. `auto` takes co-binding when the target has at least
/// `params.min_cobound` bound windows labelled for a candidate TF there, else motif similarity
/// (and co-binding after all when the target has no JASPAR motif, saying so).
pub fn choose_set(regions: &Path, target: &Target, params: &ChoiceParams) -> Result<SetChoice> {
    if params.k == 0 {
        return Err(Error::Usage("k must be at least 1".into()));
    }
    let shared = Regions::read(&Artifact::open(regions, REGIONS)?)?;
    let (labels, test) = matrix_without_test(&shared, regions, target, params)?;
    let t = labels.tf_column(&target.name)?;
    let counts = labels.label_counts();
    let target_bound = counts[t].bound;
    if target_bound == 0 {
        return Err(Error::TargetNeverBound {
            target: target.name.clone(),
            test,
        });
    }
    let candidates: Vec<usize> = (0..labels.n_cols())
        .filter(|&c| c != t && counts[c].bound >= params.min_bound)
        .collect();
    let colabelled = (0..labels.n_rows())
        .filter(|&r| {
            let row = labels.row(r);
            row[t] == BOUND && candidates.iter().any(|&c| row[c] != UNKNOWN)
        })
        .count();
    let mut reason = Reason {
        asked: params.strategy,
        windows: labels.n_rows(),
        test_windows_left_out: test,
        target_bound,
        target_bound_colabelled: colabelled,
        min_cobound: params.min_cobound,
        candidates: candidates.len(),
        why: String::new(),
    };
    let enough = colabelled >= params.min_cobound;
    let rank = |strategy: Strategy| select(&labels, &target.name, strategy, params);
    let (strategy, chosen) = match params.strategy {
        ChoiceStrategy::Cobinding => {
            reason.why = "co-binding, as asked".into();
            (ChoiceStrategy::Cobinding, rank(Strategy::Cobinding)?)
        }
        ChoiceStrategy::Motif => {
            reason.why = "motif similarity, as asked".into();
            (ChoiceStrategy::Motif, rank(Strategy::Motif)?)
        }
        ChoiceStrategy::Combined => {
            reason.why = "co-bound and motif-similar TFs in turn, as asked".into();
            let co = rank(Strategy::Cobinding)?;
            let motif = rank(Strategy::Motif)?;
            (ChoiceStrategy::Combined, interleave(co, motif, params.k))
        }
        ChoiceStrategy::Auto if enough => {
            reason.why = format!(
                "co-binding: {colabelled} bound windows labelled for other TFs (at least \
                 {} needed)",
                params.min_cobound
            );
            (ChoiceStrategy::Cobinding, rank(Strategy::Cobinding)?)
        }
        ChoiceStrategy::Auto => match rank(Strategy::Motif) {
            Ok(chosen) => {
                reason.why = format!(
                    "motif similarity: only {colabelled} bound windows labelled for other TFs \
                     (at least {} needed for co-binding)",
                    params.min_cobound
                );
                (ChoiceStrategy::Motif, chosen)
            }
            Err(Error::Select {
                source: tfbind_select::Error::TargetWithoutMotif { .. },
                ..
            }) => {
                reason.why = format!(
                    "co-binding on few windows: only {colabelled} bound windows labelled for \
                     other TFs (at least {} wanted), but {} has no JASPAR motif",
                    params.min_cobound, target.name
                );
                (ChoiceStrategy::Cobinding, rank(Strategy::Cobinding)?)
            }
            Err(e) => return Err(e),
        },
    };
    Ok(SetChoice {
        target: target.name.clone(),
        tfs: chosen.iter().map(|c| c.tf.clone()).collect(),
        strategy,
        reason,
        chosen,
    })
}

/// tfbind-select's ranking on the matrix without test windows.
fn select(
    labels: &LabelMatrix,
    target: &str,
    strategy: Strategy,
    params: &ChoiceParams,
) -> Result<Vec<Chosen>> {
    let step = "choosing pre-training TFs";
    let wrap = |source| Error::Select { step, source };
    let motifs = if strategy == Strategy::Motif {
        if !params.motifs.is_file() {
            return Err(wrap(tfbind_select::Error::MissingMotifFile {
                path: params.motifs.clone(),
            }));
        }
        let file = tfbind_motifs::read_meme(&params.motifs)?;
        Some(MotifIndex::new(&file))
    } else {
        None
    };
    let select_params = SelectParams {
        strategy,
        target: Some(target.to_string()),
        k: Some(params.k),
        exclude_target: true,
        min_bound: params.min_bound,
        motifs: params.motifs.clone(),
        ..SelectParams::default()
    };
    let selection = tfbind_select::select(labels, &select_params, motifs.as_ref()).map_err(wrap)?;
    Ok(chosen(&selection))
}

fn chosen(selection: &Selection) -> Vec<Chosen> {
    selection
        .chosen
        .iter()
        .map(|c| {
            let none = Chosen {
                tf: c.tf.clone(),
                by: selection.strategy.to_string(),
                cosine: None,
                cobound_windows: None,
                shared_windows: None,
                p_value: None,
                motifs: None,
            };
            match &c.evidence {
                Evidence::Cobinding {
                    cosine,
                    cobound_windows,
                    shared_windows,
                } => Chosen {
                    cosine: Some(*cosine),
                    cobound_windows: Some(*cobound_windows),
                    shared_windows: Some(*shared_windows),
                    ..none
                },
                Evidence::Motif {
                    p_value,
                    target_motif_name,
                    tf_motif_name,
                    ..
                } => Chosen {
                    p_value: Some(*p_value),
                    motifs: Some(format!("{target_motif_name} ~ {tf_motif_name}")),
                    ..none
                },
                Evidence::Labels { .. } => none,
            }
        })
        .collect()
}

/// The best co-bound TF, the best motif-similar one, the next co-bound one, … each TF once,
/// `k` in all.
fn interleave(co: Vec<Chosen>, motif: Vec<Chosen>, k: usize) -> Vec<Chosen> {
    let mut out: Vec<Chosen> = Vec::with_capacity(k);
    let (mut a, mut b) = (co.into_iter(), motif.into_iter());
    let mut turn_a = true;
    while out.len() < k {
        let next = if turn_a {
            a.next().or_else(|| b.next())
        } else {
            b.next().or_else(|| a.next())
        };
        let Some(next) = next else { break };
        if !out.iter().any(|c| c.tf == next.tf) {
            out.push(next);
            turn_a = !turn_a;
        }
    }
    out
}

/// The label matrix of the regions artifact with the target's column (replacing a column of
/// the same name), without the target's test windows; and how many windows were left out.
fn matrix_without_test(
    shared: &Regions,
    regions: &Path,
    target: &Target,
    params: &ChoiceParams,
) -> Result<(LabelMatrix, usize)> {
    let mut test = test_windows(&shared.windows, params)?;
    for dir in &target.datasets {
        let data = Dataset::read(&Artifact::open(dir, DATASET)?)?;
        test.extend(
            data.indices(Split::Test)
                .into_iter()
                .map(|i| key(&data.windows[i])),
        );
    }
    let rows: Vec<usize> = (0..shared.windows.len())
        .filter(|&r| !test.contains(&key(&shared.windows[r])))
        .collect();
    let left_out = shared.windows.len() - rows.len();
    let Some(labels_dir) = &target.labels else {
        shared.labels.tf_column(&target.name)?;
        let cols: Vec<usize> = (0..shared.labels.n_cols()).collect();
        return Ok((shared.labels.select(&rows, &cols), left_out));
    };
    let own = Regions::read(&Artifact::open(labels_dir, REGIONS)?)?;
    let column = own.labels.tf_column(&target.name)?;
    let by_window: HashMap<WindowKey, usize> = own
        .windows
        .iter()
        .enumerate()
        .map(|(i, w)| (key(w), i))
        .collect();
    let cols: Vec<usize> = (0..shared.labels.n_cols())
        .filter(|&c| shared.labels.names()[c] != target.name)
        .collect();
    let mut names: Vec<String> = cols
        .iter()
        .map(|&c| shared.labels.names()[c].clone())
        .collect();
    names.push(target.name.clone());
    let mut values = Vec::with_capacity(rows.len() * names.len());
    for &r in &rows {
        let w = &shared.windows[r];
        let Some(&o) = by_window.get(&key(w)) else {
            return Err(Error::OtherWindows {
                labels: labels_dir.clone(),
                regions: regions.to_path_buf(),
                window: format!("{}:{}-{}", w.chrom, w.start, w.end),
            });
        };
        let row = shared.labels.row(r);
        values.extend(cols.iter().map(|&c| row[c]));
        values.push(own.labels.get(o, column));
    }
    let matrix = LabelMatrix::from_values(names, values).expect("whole rows were added");
    Ok((matrix, left_out))
}

type WindowKey = (String, u64, u64);

fn key(w: &Window) -> WindowKey {
    (w.chrom.clone(), w.start, w.end)
}

/// The windows a chromosome or hashed split puts in test, whatever dataset they end up in; a
/// random split draws per dataset, so its test windows come from the target's dataset alone.
/// A test chromosome without windows leaves nothing out (regions restricted to the training
/// chromosomes, say), where encoding would refuse it as a likely genome mismatch.
fn test_windows(windows: &[Window], params: &ChoiceParams) -> Result<HashSet<WindowKey>> {
    let test: Vec<bool> = match params.split.split {
        SplitMethod::Random => return Ok(HashSet::new()),
        SplitMethod::Chromosome => windows
            .iter()
            .map(|w| params.split.test_chroms.contains(&w.chrom))
            .collect(),
        SplitMethod::Hashed => assign_splits(windows, &params.split)
            .map_err(|source| Error::Encode {
                step: "finding the target's test windows",
                source,
            })?
            .into_iter()
            .map(|s| s == Split::Test)
            .collect(),
    };
    Ok(windows
        .iter()
        .zip(test)
        .filter(|(_, t)| *t)
        .map(|(w, _)| key(w))
        .collect())
}

impl fmt::Display for SetChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.reason;
        writeln!(
            f,
            "pre-training set for {} ({}): {}",
            self.target,
            self.strategy,
            self.tfs.join(", ")
        )?;
        writeln!(
            f,
            "  why: {}; {} bound of {} windows read ({} test windows left out), {} candidate TFs",
            r.why, r.target_bound, r.windows, r.test_windows_left_out, r.candidates
        )?;
        for c in &self.chosen {
            match (c.cosine, c.p_value) {
                (Some(cosine), _) => writeln!(
                    f,
                    "  {:<10} cobinding cosine {cosine:.3} ({} co-bound of {} shared windows)",
                    c.tf,
                    c.cobound_windows.unwrap_or(0),
                    c.shared_windows.unwrap_or(0)
                )?,
                (None, Some(p)) => writeln!(
                    f,
                    "  {:<10} motif p {p:.2e} ({})",
                    c.tf,
                    c.motifs.as_deref().unwrap_or("")
                )?,
                (None, None) => writeln!(f, "  {}", c.tf)?,
            }
        }
        Ok(())
    }
}
