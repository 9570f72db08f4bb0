//! Pre-training: a multi-task model (one output per task of a `dataset` artifact) trained as
//! Novakovsky et al. 2021, written as a `model` artifact; the stage run by
//! [`tfbind_artifact::stage::run`].

// The stage's errors are returned once per run, never in a loop: their size costs nothing.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{input_artifact, to_table, Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::{Architecture, ModelArtifact, ModelError, ModelSpec, Parent, HEAD};
use tfbind_train::stage::{fmt_metric, MetricsRow, RunSummary, Runtime, TrainSection};
use tfbind_train::{
    init_model, summarize, train_and_write, MetricSummary, RunSpec, TrainError, TrainOptions,
};

/// The [pretrain] section of a pipeline config; resolved, also the parameters the artifact
/// records (and its config.toml, which `--config` accepts as it is).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PretrainParams {
    pub architecture: Architecture,
    #[serde(flatten)]
    pub train: TrainSection,
}

impl PretrainParams {
    /// Every training key set (the paper's pre-training defaults for the unset ones) and
    /// checked, and the options they give.
    pub fn resolve(&self) -> Result<(Self, TrainOptions)> {
        let mut resolved = self.clone();
        let options = resolved.train.resolve(TrainOptions::pretraining())?;
        Ok((resolved, options))
    }
}

/// The stage: a `dataset` artifact → a `model` artifact.
#[derive(Debug, Clone)]
pub struct PretrainStage {
    pub dataset: PathBuf,
    /// A `model` artifact to start from instead of random weights: all of its weights but the
    /// output layer's (new, one output per task), as fine-tuning starts. A generic model
    /// refined on a few relevant TFs learns in an epoch what random weights take several for.
    pub init: Option<PathBuf>,
    pub params: PretrainParams,
    pub runtime: Runtime,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A network that cannot take the dataset's windows or tasks.
    #[error("{0}")]
    Spec(ModelError),
    #[error("cannot read the dataset {path}: {source}")]
    Dataset {
        path: PathBuf,
        source: tfbind_dataset::Error,
    },
    /// The model to start from does not fit this pre-training, or its weights do not load.
    #[error("cannot start pre-training from the model {path}: {message}")]
    Init { path: PathBuf, message: String },
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What pre-training reports, and `summary.json` of the model artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub architecture: Architecture,
    pub window_len: usize,
    pub tasks: usize,
    #[serde(flatten)]
    pub run: RunSummary,
    pub test: MetricSummary,
    pub test_per_task: Vec<TaskRow>,
}

/// One task's test metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskRow {
    pub task: String,
    #[serde(flatten)]
    pub metrics: MetricsRow,
}

impl Stage for PretrainStage {
    const SECTION: &'static str = "pretrain";
    const OUTPUT: Kind = tfbind_model::artifact::KIND;
    const PIN_BEFORE_BUILD: bool = true;
    type Summary = Summary;
    type Error = Error;

    fn is_usage(error: &Error) -> bool {
        matches!(
            error,
            Error::Spec(_) | Error::Init { .. } | Error::Train(TrainError::Options(_))
        )
    }

    fn inputs(&self) -> Vec<Input> {
        let mut inputs = vec![Input::Artifact(self.dataset.clone(), DATASET)];
        if let Some(init) = &self.init {
            inputs.push(Input::Artifact(init.clone(), tfbind_model::artifact::KIND));
        }
        inputs
    }

    fn parameters(&self) -> Result<toml::Table> {
        Ok(to_table(&self.params.resolve()?.0)?)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let (params, options) = self.params.resolve()?;
        let data = Dataset::read(&artifacts[0]).map_err(|source| Error::Dataset {
            path: self.dataset.clone(),
            source,
        })?;
        let spec = ModelSpec::new(params.architecture, data.seq_len, data.labels.n_cols())
            .map_err(Error::Spec)?;
        let device = self.runtime.device.resolve()?;
        tracing::info!(
            architecture = %spec.architecture,
            window_len = spec.window_len,
            tasks = spec.n_tasks,
            windows = data.len(),
            ?device,
            threads = tch::get_num_threads(),
            "pre-training"
        );
        let mut model = init_model(&spec, device, options.seed)?;
        let parent = match artifacts.get(1) {
            Some(init) => Some(start_from(init, &spec, &mut model)?),
            None => None,
        };
        let run = RunSpec {
            parameters: to_table(&params)?,
            section: Self::SECTION,
            inputs: artifacts.iter().map(input_artifact).collect(),
            restart: self.runtime.restart,
            eval_batch_size: self.runtime.eval_batch_size,
            parent,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, builder, progress)?;
        let summary = Summary {
            architecture: spec.architecture,
            window_len: spec.window_len,
            tasks: spec.n_tasks,
            run: RunSummary::from(&outcome),
            test: summarize(&outcome.test),
            test_per_task: outcome
                .test
                .iter()
                .map(|t| TaskRow {
                    task: t.task.clone(),
                    metrics: MetricsRow::from(&t.metrics),
                })
                .collect(),
        };
        tracing::info!(
            seconds = format!("{:.1}", outcome.seconds),
            median_auroc = fmt_metric(summary.test.median_auroc),
            "trained"
        );
        Ok(summary)
    }
}

/// Loads every weight of the `init` model artifact but its output layer into `model`, which must
/// be the same network on windows of the same length.
fn start_from(
    init: &Artifact,
    spec: &ModelSpec,
    model: &mut tfbind_model::Model,
) -> Result<Parent> {
    let failed = |message: String| Error::Init {
        path: init.dir().to_path_buf(),
        message,
    };
    let parent = ModelArtifact::from_artifact(init.clone()).map_err(|e| failed(e.to_string()))?;
    let from = parent.spec();
    if (from.architecture, from.window_len) != (spec.architecture, spec.window_len) {
        return Err(failed(format!(
            "it is a {} on {} bp windows, this pre-training a {} on {} bp windows",
            from.architecture, from.window_len, spec.architecture, spec.window_len
        )));
    }
    let reinitialized = vec![HEAD.to_string()];
    let report = model
        .load_weights_except(&parent.weights_path(), &reinitialized)
        .map_err(|e| failed(e.to_string()))?;
    tracing::info!(
        model = %init.dir().display(),
        loaded_tensors = report.loaded.len(),
        "starting from a pre-trained model's weights (all but the output layer)"
    );
    Ok(Parent {
        path: init.dir().display().to_string(),
        manifest_sha256: init.manifest_sha256().to_string(),
        tasks: parent.tasks().to_vec(),
        reinitialized,
        frozen: Vec::new(),
    })
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} on {} bp windows, {} tasks; {}",
            self.architecture, self.window_len, self.tasks, self.run
        )?;
        writeln!(
            f,
            "test: median AUROC {}, AUPRC {} (trapezoid {}), MCC {} over {} tasks",
            fmt_metric(self.test.median_auroc),
            fmt_metric(self.test.median_auprc),
            fmt_metric(self.test.median_auprc_trapezoid),
            fmt_metric(self.test.median_mcc),
            self.test.tasks
        )?;
        write!(f, "task\tpositives\tnegatives\tauroc\tauprc\tmcc")?;
        for row in &self.test_per_task {
            let m = &row.metrics;
            write!(
                f,
                "\n{}\t{}\t{}\t{}\t{}\t{:.3}",
                row.task,
                m.positives,
                m.negatives,
                fmt_metric(m.auroc),
                fmt_metric(m.auprc),
                m.mcc
            )?;
        }
        Ok(())
    }
}
