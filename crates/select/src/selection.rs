use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::Strategy;

/// The outcome of a selection: the chosen TFs, best first, with the evidence each was chosen
/// on, and the TFs that could not be ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Selection {
    pub strategy: Strategy,
    pub target: Option<String>,
    pub k: usize,
    pub exclude_target: bool,
    /// The seed of a `random` draw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub min_bound: usize,
    /// The motif file of a `motif` selection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub motifs: Option<PathBuf>,
    /// How many TFs were ranked, the chosen ones among them: all TFs but the target (unless
    /// included) and the skipped ones.
    pub candidates: usize,
    pub chosen: Vec<Choice>,
    pub skipped: Vec<Skipped>,
}

/// One chosen TF.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// 1 for the best; for `random`, the order of the draw.
    pub rank: usize,
    pub tf: String,
    #[serde(flatten)]
    pub evidence: Evidence,
}

/// What a TF was ranked on; which kind depends on the strategy.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Evidence {
    /// `cobinding`, `low-cobinding`: see [`crate::Cobinding`].
    Cobinding {
        cosine: f64,
        cobound_windows: usize,
        shared_windows: usize,
    },
    /// `motif`: see [`crate::MotifMatch`].
    Motif {
        p_value: f64,
        target_motif: String,
        target_motif_name: String,
        tf_motif: String,
        tf_motif_name: String,
    },
    /// `fewest-na` (ranked on `na_windows`) and `random` (not ranked; shown so that a draw of a
    /// TF with almost no bound windows is seen).
    Labels {
        na_windows: usize,
        bound_windows: usize,
    },
}

impl Evidence {
    /// The column names of a strategy's evidence, in the order of its values.
    pub fn columns(strategy: Strategy) -> &'static [&'static str] {
        match strategy {
            Strategy::Cobinding | Strategy::LowCobinding => {
                &["cosine", "cobound_windows", "shared_windows"]
            }
            Strategy::Motif => &[
                "p_value",
                "target_motif",
                "target_motif_name",
                "tf_motif",
                "tf_motif_name",
            ],
            Strategy::Random | Strategy::FewestNa => &["na_windows", "bound_windows"],
        }
    }

    /// The values as text: exact (shortest round-trip form) for files, rounded for reading.
    fn cells(&self, exact: bool) -> Vec<String> {
        match self {
            Evidence::Cobinding {
                cosine,
                cobound_windows,
                shared_windows,
            } => vec![
                if exact {
                    cosine.to_string()
                } else {
                    format!("{cosine:.4}")
                },
                cobound_windows.to_string(),
                shared_windows.to_string(),
            ],
            Evidence::Motif {
                p_value,
                target_motif,
                target_motif_name,
                tf_motif,
                tf_motif_name,
            } => vec![
                if exact {
                    format!("{p_value:e}")
                } else {
                    format!("{p_value:.2e}")
                },
                target_motif.clone(),
                target_motif_name.clone(),
                tf_motif.clone(),
                tf_motif_name.clone(),
            ],
            Evidence::Labels {
                na_windows,
                bound_windows,
            } => vec![na_windows.to_string(), bound_windows.to_string()],
        }
    }
}

/// A TF left out of the ranking, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub tf: String,
    #[serde(flatten)]
    pub reason: SkipReason,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum SkipReason {
    /// Fewer bound windows than `min_bound`.
    FewBound { bound_windows: usize },
    /// The cosine is undefined: among the windows labelled for both, the TF or the target is
    /// never bound.
    NoSharedBinding,
    /// No motif of the motif file stands for the TF.
    NoMotif,
}

impl SkipReason {
    fn heading(&self, selection: &Selection) -> String {
        let target = selection.target.as_deref().unwrap_or("the target");
        match self {
            SkipReason::FewBound { .. } => {
                format!("fewer than {} bound windows", selection.min_bound)
            }
            SkipReason::NoSharedBinding => {
                format!("no bound window among the windows labelled for both it and {target}")
            }
            SkipReason::NoMotif => "no motif in the motif file".to_string(),
        }
    }
}

impl Selection {
    /// The chosen TF names, best first.
    pub fn tfs(&self) -> Vec<&str> {
        self.chosen.iter().map(|c| c.tf.as_str()).collect()
    }

    /// The header of the scores table.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut columns = vec!["rank", "tf"];
        columns.extend_from_slice(Evidence::columns(self.strategy));
        columns
    }

    fn rows(&self, exact: bool) -> Vec<Vec<String>> {
        self.chosen
            .iter()
            .map(|c| {
                let mut row = vec![c.rank.to_string(), c.tf.clone()];
                row.extend(c.evidence.cells(exact));
                row
            })
            .collect()
    }

    /// The scores table as TSV with a header line: what is stored beside the TF list.
    pub fn scores_tsv(&self) -> String {
        let mut text = self.columns().join("\t");
        text.push('\n');
        for row in self.rows(true) {
            text.push_str(&row.join("\t"));
            text.push('\n');
        }
        text
    }
}

/// The human report: a heading, the aligned scores table, and the skipped TFs grouped by reason.
impl fmt::Display for Selection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.strategy)?;
        if let Some(target) = &self.target {
            write!(f, " for {target}")?;
        }
        write!(
            f,
            ": {} of {} candidate TFs",
            self.chosen.len(),
            self.candidates
        )?;
        if let (Some(_), false) = (&self.target, self.exclude_target) {
            write!(f, " (target included)")?;
        }
        if let Some(seed) = self.seed {
            write!(f, " (seed {seed})")?;
        }
        writeln!(f)?;

        let header: Vec<String> = self.columns().iter().map(|c| c.to_string()).collect();
        let rows = self.rows(false);
        let mut widths: Vec<usize> = header.iter().map(String::len).collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.len());
            }
        }
        for row in std::iter::once(&header).chain(&rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(cell, &w)| format!("{cell:<w$}"))
                .collect();
            writeln!(f, "{}", line.join("  ").trim_end())?;
        }

        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        for s in &self.skipped {
            let heading = s.reason.heading(self);
            let item = match s.reason {
                SkipReason::FewBound { bound_windows } => format!("{} ({bound_windows})", s.tf),
                _ => s.tf.clone(),
            };
            match groups.iter_mut().find(|(h, _)| *h == heading) {
                Some((_, items)) => items.push(item),
                None => groups.push((heading, vec![item])),
            }
        }
        for (heading, items) in groups {
            writeln!(
                f,
                "skipped {} TF{} ({heading}): {}",
                items.len(),
                if items.len() == 1 { "" } else { "s" },
                items.join(", ")
            )?;
        }
        Ok(())
    }
}
