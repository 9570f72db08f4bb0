//! The headline numbers of a run: printed by the binary, kept as the artifact's `summary.json`.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::analysis::Analysis;
use super::{InterpretStage, REPORT_HTML};
use crate::attribution::Convergence;
use crate::filters::FilterMotif;
use crate::matches::motif_label;
use crate::params::{Method, WindowSet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub task: String,
    pub filters: usize,
    pub filters_with_sites: usize,
    pub informative_filters: usize,
    /// Informative filters whose best database match has q ≤ `max_q_value`.
    pub matched_filters: usize,
    /// The windows filter motifs were built from: `window_set` windows of the split.
    pub window_set: WindowSet,
    pub filter_windows: usize,
    pub influence_windows: usize,
    /// The most influential filters on the task, most first.
    pub top_filters: Vec<TopFilter>,
    pub attributed_windows: usize,
    pub methods: Vec<Method>,
    /// DeepLIFT/SHAP only: the largest |sum of a window's contributions − (f(window) − mean
    /// f(references))| over the windows, in logits...
    pub deeplift_max_delta: Option<f64>,
    /// ...and how many windows exceed the float32 tolerance.
    pub deeplift_windows_over_tolerance: Option<usize>,
    pub comparison: Option<ComparisonSummary>,
    /// With attributions: their seqlets and the motifs that explain them.
    pub seqlets: Option<SeqletSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeqletSummary {
    /// The attribution method seqlets were called from.
    pub method: Method,
    pub seqlets: usize,
    /// Attributed windows with at least one seqlet.
    pub windows: usize,
    /// Seqlets whose best database match has q ≤ `max_q_value`.
    pub explained: usize,
    /// The motifs carrying the most seqlet attribution, most first (at most five).
    pub top_motifs: Vec<SeqletMotif>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeqletMotif {
    /// `ID name`.
    pub motif: String,
    pub seqlets: usize,
    /// Its seqlets' share of the attribution of all seqlets.
    pub attribution_share: f64,
    /// Median offset of its seqlets' centres from the window centre, in bp.
    pub median_offset: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFilter {
    pub filter: usize,
    /// `None` when no window counts for the task.
    pub influence: Option<f64>,
    pub information_bits: f64,
    /// Best database match (`ID name`) when its q-value is at most `max_q_value`.
    pub best_match: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSummary {
    pub other: String,
    pub tf: String,
    pub targets: Vec<String>,
    pub matching_before: usize,
    pub matching_after: usize,
    pub moved_toward: usize,
}

/// What a user reads: the headline numbers, the most influential filters, the comparison and
/// the attributions.
impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} filters have sites in {} {}; {} informative, {} matching the database \
             (q-value at most max_q_value)",
            self.filters_with_sites,
            self.filters,
            self.filter_windows,
            self.window_set.description(),
            self.informative_filters,
            self.matched_filters,
        )?;
        let top: Vec<String> = self
            .top_filters
            .iter()
            .map(|t| {
                let influence = t.influence.map_or("NA".into(), |v| format!("{v:+.3}"));
                match &t.best_match {
                    Some(m) => format!("filter{} {influence} ({m})", t.filter),
                    None => format!("filter{} {influence}", t.filter),
                }
            })
            .collect();
        writeln!(f, "most influential on {}: {}", self.task, top.join(", "))?;
        if let Some(c) = &self.comparison {
            writeln!(
                f,
                "vs {}: filters matching {} {} -> {}, {} moved toward it",
                c.other, c.tf, c.matching_before, c.matching_after, c.moved_toward
            )?;
        }
        if self.attributed_windows > 0 {
            let methods: Vec<String> = self.methods.iter().map(Method::to_string).collect();
            writeln!(
                f,
                "attributed {} windows ({})",
                self.attributed_windows,
                methods.join(", ")
            )?;
        }
        if let (Some(delta), Some(over)) = (
            self.deeplift_max_delta,
            self.deeplift_windows_over_tolerance,
        ) {
            writeln!(
                f,
                "DeepLIFT/SHAP: contributions sum to the output change within {delta:.2e} (logits); \
                 {over} windows over tolerance"
            )?;
        }
        if let Some(s) = &self.seqlets {
            let top: Vec<String> = s
                .top_motifs
                .iter()
                .map(|m| {
                    format!(
                        "{} ({} seqlets, {:.0}% of the attribution, median offset {:+.0} bp)",
                        m.motif,
                        m.seqlets,
                        100.0 * m.attribution_share,
                        m.median_offset
                    )
                })
                .collect();
            writeln!(
                f,
                "seqlets ({}): {} in {} windows, {} explained by a database motif{}{}",
                s.method,
                s.seqlets,
                s.windows,
                s.explained,
                if top.is_empty() {
                    ""
                } else {
                    "; most attribution: "
                },
                top.join(", ")
            )?;
        }
        write!(f, "report: {REPORT_HTML} in the artifact")
    }
}

impl Analysis {
    pub fn summary(&self, stage: &InterpretStage) -> Summary {
        let params = &stage.params;
        let significant = |f: usize| {
            self.matches
                .best(f)
                .filter(|m| m.q_value <= params.max_q_value)
                .map(|m| motif_label(&self.database[m.target]))
        };
        let informative: Vec<&FilterMotif> = self
            .motifs
            .iter()
            .filter(|f| f.is_informative(params.min_information, params.min_sites))
            .collect();
        let task = self.task;
        let convergence = self
            .attributions
            .as_ref()
            .and_then(|a| a.convergence.as_ref());
        Summary {
            task: self.tasks[task].clone(),
            filters: self.motifs.len(),
            filters_with_sites: self.motifs.iter().filter(|f| f.sites > 0).count(),
            informative_filters: informative.len(),
            matched_filters: informative
                .iter()
                .filter(|f| significant(f.filter).is_some())
                .count(),
            window_set: self.window_set,
            filter_windows: self.windows.len(),
            influence_windows: self.influence_windows.len(),
            top_filters: self
                .influence
                .ranking(task)
                .into_iter()
                .take(5)
                .map(|f| TopFilter {
                    filter: f,
                    influence: Some(self.influence.values[f][task]).filter(|v| !v.is_nan()),
                    information_bits: self.motifs[f].information(),
                    best_match: significant(f),
                })
                .collect(),
            attributed_windows: self.attributions.as_ref().map_or(0, |a| a.rows.len()),
            methods: self
                .attributions
                .as_ref()
                .map_or(Vec::new(), |a| a.scores.iter().map(|s| s.0).collect()),
            deeplift_max_delta: convergence.map(|c| f64::from(c.max_abs_delta())),
            deeplift_windows_over_tolerance: convergence.map(Convergence::exceeding),
            comparison: self
                .comparison
                .as_ref()
                .zip(stage.compare_to.as_deref())
                .map(|(c, dir)| {
                    let c = &c.comparison;
                    let (matching_before, matching_after) = c.matching();
                    ComparisonSummary {
                        other: dir.display().to_string(),
                        tf: c.tf.clone(),
                        targets: c.targets.clone(),
                        matching_before,
                        matching_after,
                        moved_toward: c.moved(),
                    }
                }),
            seqlets: self
                .seqlets
                .as_ref()
                .zip(params.seqlet_method())
                .map(|(s, method)| {
                    let total = s.total_attribution();
                    SeqletSummary {
                        method,
                        seqlets: s.seqlets.len(),
                        windows: s
                            .seqlets
                            .iter()
                            .map(|q| q.example)
                            .collect::<std::collections::BTreeSet<_>>()
                            .len(),
                        explained: (0..s.seqlets.len()).filter(|&i| s.explained(i)).count(),
                        top_motifs: s
                            .motifs
                            .iter()
                            .take(5)
                            .map(|m| SeqletMotif {
                                motif: motif_label(&self.database[m.target]),
                                seqlets: m.seqlets.len(),
                                attribution_share: m.attribution / total,
                                median_offset: m.median_offset(),
                            })
                            .collect(),
                    }
                }),
        }
    }
}
