//! What the stage tells its user and stores beside the windows: counts, what was dropped, and
//! the GC distributions of positives and negatives.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gc::{self, GcReport};
use crate::params::Strategy;
use crate::sample::Borrow;

/// The file of a `windows` artifact holding the per-bin GC counts of every task.
pub const GC_FILE: &str = "gc.tsv";

/// How the windows were chosen: the stage's summary, stored in the artifact (`summary.json`), so a
/// rerun that reuses it reports the same; it holds no path or time, so the same inputs and seed give the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `single-task` or `multi-task`.
    pub mode: String,
    pub tasks: Vec<String>,
    /// Rows of `windows.bed` (synthetic negatives included).
    pub windows: usize,
    pub dropped: Dropped,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub single_task: Option<SingleTaskReport>,
    pub gc: Vec<GcReport>,
}

/// Candidate windows left out, by reason. Candidates are the windows labelled 1 or 0 for the
/// target (single-task), or every window (multi-task).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// Present in an `--exclude` artifact.
    pub excluded: usize,
    /// More N than `max_n_fraction`.
    pub n_rich: usize,
    /// Multi-task: NA for every chosen TF.
    pub all_na: usize,
}

/// How a single-task dataset's positives and negatives were chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SingleTaskReport {
    pub strategy: Strategy,
    /// Windows labelled bound in the regions artifact.
    pub bound: usize,
    /// Bound windows left after exclusion and the N filter.
    pub positives_available: usize,
    /// Positives kept (fewer than available with `max_positives`).
    pub positives: usize,
    /// Unbound windows left after exclusion and the N filter (none are used by shuffling).
    pub negatives_available: usize,
    pub negatives_requested: usize,
    pub negatives: usize,
    /// GC bins that lacked negatives and took them from neighbouring bins (gc-matched).
    pub borrowed: Vec<Borrow>,
}

impl Report {
    /// Writes `gc.tsv` into an artifact directory being built.
    pub fn write_gc(&self, dir: &Path) -> Result<()> {
        let path = dir.join(GC_FILE);
        std::fs::write(&path, gc::to_tsv(&self.gc)).map_err(Error::io(&path))
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.single_task {
            Some(_) => format!("single-task {}", self.tasks.join(",")),
            None => format!("multi-task over {} TFs", self.tasks.len()),
        };
        writeln!(f, "{} windows, {what}", self.windows)?;
        let d = &self.dropped;
        writeln!(
            f,
            "dropped: {} excluded, {} N-rich, {} NA for every task",
            d.excluded, d.n_rich, d.all_na
        )?;
        match &self.single_task {
            Some(s) => {
                write_single(f, s)?;
                if let Some(g) = self.gc.first() {
                    write_bins(f, g)?;
                }
            }
            None => write_tasks(f, &self.gc)?,
        }
        Ok(())
    }
}

fn write_single(f: &mut fmt::Formatter<'_>, s: &SingleTaskReport) -> fmt::Result {
    writeln!(
        f,
        "positives: {} of {} available ({} bound)",
        s.positives, s.positives_available, s.bound
    )?;
    writeln!(
        f,
        "negatives: {} of {} requested, {} ({} unbound available)",
        s.negatives, s.negatives_requested, s.strategy, s.negatives_available
    )?;
    for b in &s.borrowed {
        writeln!(
            f,
            "  GC bin {} lacked negatives: {} taken from bin {}",
            b.bin, b.count, b.from_bin
        )?;
    }
    Ok(())
}

fn write_bins(f: &mut fmt::Formatter<'_>, g: &GcReport) -> fmt::Result {
    writeln!(f, "{:>13}  {:>9}  {:>9}", "GC", "positives", "negatives")?;
    for b in &g.bins {
        writeln!(
            f,
            "{:>13}  {:>9}  {:>9}",
            format!("{:.2}-{:.2}", b.gc_from, b.gc_to),
            b.positives,
            b.negatives
        )?;
    }
    writeln!(
        f,
        "mean GC {:.3} positives, {:.3} negatives; KS statistic {:.4}",
        g.mean_gc_positives, g.mean_gc_negatives, g.ks
    )
}

fn write_tasks(f: &mut fmt::Formatter<'_>, reports: &[GcReport]) -> fmt::Result {
    writeln!(
        f,
        "{:<12} {:>9} {:>9} {:>9} {:>8} {:>8} {:>7}",
        "task", "positive", "negative", "NA", "GC pos", "GC neg", "KS"
    )?;
    for g in reports {
        writeln!(
            f,
            "{:<12} {:>9} {:>9} {:>9} {:>8.3} {:>8.3} {:>7.4}",
            g.task,
            g.positives,
            g.negatives,
            g.unknown,
            g.mean_gc_positives,
            g.mean_gc_negatives,
            g.ks
        )?;
    }
    Ok(())
}
