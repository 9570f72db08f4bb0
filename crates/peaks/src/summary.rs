//! What a run made: printed by the binary (JSON with `--json`) and stored in the artifact as
//! `summary.json`, so that a rerun that does no work still reports it.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfbind_dataset::LabelMatrix;

use crate::windows::EndStats;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub windows: usize,
    pub tfs: usize,
    /// Label counts over the whole matrix.
    pub bound: u64,
    pub unbound: u64,
    pub unknown: u64,
    /// What `build` did with its inputs; absent for `import`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<BuildStats>,
    pub per_tf: Vec<TfCounts>,
}

/// The label counts of one TF (one column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TfCounts {
    pub tf: String,
    pub bound: u64,
    pub unbound: u64,
    pub unknown: u64,
    /// `build`: peaks read, and peaks that made no window bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peaks: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peaks_without_window: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildStats {
    pub peaks: u64,
    pub peaks_skipped_unknown_chrom: u64,
    /// Peaks that made no window bound (with regions: usually peaks outside accessible regions).
    pub peaks_without_window: u64,
    /// Regions read, when windows come from regions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regions: Option<u64>,
    pub regions_skipped_unknown_chrom: u64,
    /// Windows moved, clipped or dropped at chromosome ends.
    pub off_end: EndStats,
    pub blacklisted: u64,
    /// Windows with the coordinates of an earlier one, left out.
    pub duplicates: u64,
    /// TFs whose peak file holds no peak.
    pub tfs_without_peaks: Vec<String>,
}

impl Summary {
    /// Counts the labels of `labels`; `stats` and the per-TF peak counts come from `build`.
    pub(crate) fn new(labels: &LabelMatrix, build: Option<(BuildStats, Vec<(u64, u64)>)>) -> Self {
        let counts = labels.label_counts();
        let (stats, peaks) = match build {
            Some((stats, peaks)) => (Some(stats), Some(peaks)),
            None => (None, None),
        };
        let per_tf: Vec<TfCounts> = labels
            .names()
            .iter()
            .enumerate()
            .map(|(col, tf)| TfCounts {
                tf: tf.clone(),
                bound: counts[col].bound as u64,
                unbound: counts[col].unbound as u64,
                unknown: counts[col].unknown as u64,
                peaks: peaks.as_ref().map(|p| p[col].0),
                peaks_without_window: peaks.as_ref().map(|p| p[col].1),
            })
            .collect();
        Self {
            windows: labels.n_rows(),
            tfs: labels.n_cols(),
            bound: per_tf.iter().map(|t| t.bound).sum(),
            unbound: per_tf.iter().map(|t| t.unbound).sum(),
            unknown: per_tf.iter().map(|t| t.unknown).sum(),
            build: stats,
            per_tf,
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} windows × {} TFs: {} bound, {} unbound, {} unknown",
            self.windows, self.tfs, self.bound, self.unbound, self.unknown
        )?;
        if let Some(b) = &self.build {
            writeln!(
                f,
                "peaks: {} read, {} bound no window, {} skipped on unknown chromosomes",
                b.peaks, b.peaks_without_window, b.peaks_skipped_unknown_chrom
            )?;
            if let Some(regions) = b.regions {
                writeln!(
                    f,
                    "regions: {regions} read, {} skipped on unknown chromosomes",
                    b.regions_skipped_unknown_chrom
                )?;
            }
            writeln!(
                f,
                "windows: {} shifted, {} clipped, {} dropped at chromosome ends; {} blacklisted; \
                 {} duplicates",
                b.off_end.shifted,
                b.off_end.clipped,
                b.off_end.dropped,
                b.blacklisted,
                b.duplicates
            )?;
            if !b.tfs_without_peaks.is_empty() {
                writeln!(f, "TFs without peaks: {}", b.tfs_without_peaks.join(", "))?;
            }
        }
        let unbound_tfs: Vec<&str> = self
            .per_tf
            .iter()
            .filter(|t| t.bound == 0)
            .map(|t| t.tf.as_str())
            .collect();
        if !unbound_tfs.is_empty() {
            writeln!(f, "TFs bound in no window: {}", unbound_tfs.join(", "))?;
        }
        Ok(())
    }
}
