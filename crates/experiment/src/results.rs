//! The experiment's results, read from its artifacts through their typed summaries: one row per
//! target, size, seed and condition.

use std::path::{Path, PathBuf};

use serde::Serialize;
use tfbind_artifact::kinds::{MODEL, WINDOWS};
use tfbind_artifact::{stage::read_summary, Artifact, Kind};
use tfbind_finetune::Summary as FinetuneSummary;
use tfbind_negatives::Report as WindowsReport;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::layout::{self, Layout, Sample};

/// One fine-tuned model's test result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    pub target: String,
    pub size: usize,
    pub seed: u64,
    pub condition: String,
    /// Positives actually drawn (fewer than `size` when the target has fewer).
    pub train_positives: usize,
    pub test_positives: u64,
    pub test_negatives: u64,
    /// Undefined when the test windows lack a class.
    pub auprc: Option<f64>,
    pub auroc: Option<f64>,
    pub best_epoch: usize,
}

impl Run {
    pub fn sample(&self) -> Sample {
        Sample {
            size: self.size,
            seed: self.seed,
        }
    }
}

/// Every run of the config, in target, size, seed and condition order. A missing model is an
/// error that counts how many are missing.
pub fn collect(config: &Config, layout: &Layout) -> Result<Vec<Run>> {
    let e = &config.experiment;
    let mut wanted = Vec::new();
    for target in &e.targets {
        for &size in &e.sizes {
            for &seed in &e.seeds {
                for c in &config.conditions {
                    wanted.push((target, Sample { size, seed }, c.name()));
                }
            }
        }
    }
    let dirs: Vec<_> = wanted
        .iter()
        .map(|(t, s, c)| layout.model(t, *s, c))
        .collect();
    check_models(&dirs)?;
    wanted
        .into_iter()
        .map(|(target, sample, condition)| {
            let windows = layout::windows(&layout.sample(target, sample));
            let drawn: WindowsReport = summary(&windows, WINDOWS)?;
            let model: FinetuneSummary = summary(&layout.model(target, sample, condition), MODEL)?;
            Ok(Run {
                target: target.clone(),
                size: sample.size,
                seed: sample.seed,
                condition: condition.to_string(),
                train_positives: drawn.single_task.map_or(0, |s| s.positives),
                test_positives: model.test.positives,
                test_negatives: model.test.negatives,
                auprc: model.test.auprc,
                auroc: model.test.auroc,
                best_epoch: model.run.best_epoch,
            })
        })
        .collect()
}

/// Refuses a list of model directories of which any lacks its model, counting how many do.
pub(crate) fn check_models(dirs: &[PathBuf]) -> Result<()> {
    let missing: Vec<&PathBuf> = dirs
        .iter()
        .filter(|m| !m.join(tfbind_artifact::MANIFEST_FILE).is_file())
        .collect();
    match missing.first() {
        Some(first) => Err(Error::MissingModel {
            path: first.to_path_buf(),
            missing: missing.len(),
            total: dirs.len(),
        }),
        None => Ok(()),
    }
}

/// A stage's stored summary. The artifact's files are not re-hashed: the stage runner verified
/// them when it built or reused them, and a 360-model run would hash gigabytes of weights that
/// the summary does not read.
fn summary<T: serde::de::DeserializeOwned>(dir: &Path, kind: Kind) -> Result<T> {
    let artifact = Artifact::open_unverified(dir)?;
    artifact.expect_kind(kind)?;
    Ok(read_summary(&artifact)?)
}
