//! A whole training stage: resume or start, train, evaluate on the test split, and write the
//! `model` artifact (format: [`tfbind_model::artifact`]).

use std::path::Path;
use std::time::Instant;

use tfbind_artifact::{Artifact, ArtifactBuilder, InputRef};
use tfbind_dataset::{Dataset, Split};
use tfbind_model::artifact::{
    write_model_files, Parent, CONFIG_FILE, EPOCHS_FILE, KIND, TEST_METRICS_FILE,
};
use tfbind_model::Model;

use crate::checkpoint::Checkpoints;
use crate::error::{Result, TrainError};
use crate::evaluate::{epochs_tsv, evaluate, metrics_tsv, write_text, TaskMetrics};
use crate::fit::{fit, FitOutcome, Progress};
use crate::options::TrainOptions;

/// Where and how a training stage writes its model artifact.
pub struct RunSpec<'a> {
    /// The model artifact directory to write.
    pub out: &'a Path,
    /// The stage's resolved configuration: the manifest's `parameters`, and `config.toml`.
    pub parameters: toml::Table,
    /// The stage's config section name (`pretrain`, `finetune`), for `config.toml`.
    pub section: &'a str,
    /// The dataset artifact, then for fine-tuning the parent model artifact.
    pub inputs: Vec<InputRef>,
    /// Discard checkpoints of an earlier attempt instead of resuming from them.
    pub restart: bool,
    /// Windows per batch for validation and test predictions (no effect on the result beyond
    /// floating-point rounding).
    pub eval_batch_size: usize,
    /// For fine-tuned models, the model they started from.
    pub parent: Option<Parent>,
}

/// What a training stage produced.
pub struct RunOutcome {
    pub artifact: Artifact,
    pub fit: FitOutcome,
    pub test: Vec<TaskMetrics>,
    pub seconds: f64,
}

/// Trains `model` (freshly initialised, or loaded from a parent and partly frozen) on `data`,
/// checkpointing each epoch beside `spec.out`, evaluates the kept epoch on the test split and
/// writes the model artifact. Rerunning after a kill resumes from the last checkpoint.
pub fn train_and_write(
    model: &mut Model,
    data: &Dataset,
    options: &TrainOptions,
    spec: RunSpec,
    observer: &mut dyn FnMut(Progress),
) -> Result<RunOutcome> {
    let started = Instant::now();
    let mut identity = toml::Table::new();
    identity.insert("parameters".into(), spec.parameters.clone().into());
    let inputs = toml::Value::try_from(&spec.inputs).map_err(|e| TrainError::Checkpoint {
        path: spec.out.to_path_buf(),
        message: e.to_string(),
    })?;
    identity.insert("inputs".into(), inputs);
    let checkpoints = Checkpoints::open(spec.out, &identity, spec.restart)?;

    let outcome = fit(
        model,
        data,
        options,
        Some(&checkpoints),
        spec.eval_batch_size,
        observer,
    )?;
    let test = evaluate(model, data, Split::Test, spec.eval_batch_size)?;
    if test
        .iter()
        .all(|t| t.metrics.positives + t.metrics.negatives == 0)
    {
        tracing::warn!("the dataset has no labelled test windows: test metrics are empty");
    }

    let builder = ArtifactBuilder::new(spec.out, KIND, spec.parameters.clone(), spec.inputs)?;
    write_model_files(
        builder.dir(),
        model,
        data.labels.names(),
        spec.parent.as_ref(),
    )?;
    let mut section = toml::Table::new();
    section.insert(spec.section.to_string(), spec.parameters.into());
    let config_text = toml::to_string(&section).map_err(|e| TrainError::Checkpoint {
        path: builder.path(CONFIG_FILE),
        message: e.to_string(),
    })?;
    write_text(&builder.path(CONFIG_FILE), &config_text)?;
    write_text(&builder.path(EPOCHS_FILE), &epochs_tsv(&outcome.state))?;
    write_text(&builder.path(TEST_METRICS_FILE), &metrics_tsv(&test))?;
    let artifact = builder.commit()?;
    checkpoints.discard()?;
    Ok(RunOutcome {
        artifact,
        fit: outcome,
        test,
        seconds: started.elapsed().as_secs_f64(),
    })
}
