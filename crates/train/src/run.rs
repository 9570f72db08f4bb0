//! A whole training stage: resume or start, train, evaluate on the test split, and write the
//! files of the `model` artifact (format: [`tfbind_model::artifact`]).

use std::time::Instant;

use tfbind_artifact::stage::Progress;
use tfbind_artifact::{ArtifactBuilder, InputRef};
use tfbind_dataset::{Dataset, Split};
use tfbind_model::artifact::{
    write_model_files, Parent, CONFIG_FILE, EPOCHS_FILE, TEST_METRICS_FILE,
};
use tfbind_model::Model;

use crate::checkpoint::Checkpoints;
use crate::error::{Result, TrainError};
use crate::evaluate::{epochs_tsv, evaluate, metrics_tsv, write_text, TaskMetrics};
use crate::fit::{fit, FitEvent, FitOutcome};
use crate::options::TrainOptions;

/// What a training stage records and how it runs.
pub struct RunSpec<'a> {
    /// The stage's resolved configuration: the manifest's `parameters`, and `config.toml`.
    pub parameters: toml::Table,
    /// The stage's config section name (`pretrain`, `finetune`), for `config.toml`.
    pub section: &'a str,
    /// The pins of the input artifacts (as the manifest records them): with `parameters`, what
    /// the run is, so that only checkpoints of the very same run are resumed.
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
    pub fit: FitOutcome,
    pub test: Vec<TaskMetrics>,
    pub seconds: f64,
}

/// Trains `model` (freshly initialised, or loaded from a parent and partly frozen) on `data`,
/// checkpointing each epoch beside the builder's target, evaluates the kept epoch on the test
/// split and writes the model artifact's files into `builder`, which the caller commits.
/// Rerunning after a kill resumes from the last checkpoint. The checkpoints are removed once
/// the files are written: a kill before the commit then costs a retraining, which ends with the
/// same weights.
pub fn train_and_write(
    model: &mut Model,
    data: &Dataset,
    options: &TrainOptions,
    spec: RunSpec,
    builder: &ArtifactBuilder,
    progress: &dyn Progress,
) -> Result<RunOutcome> {
    let started = Instant::now();
    let mut identity = toml::Table::new();
    identity.insert("parameters".into(), spec.parameters.clone().into());
    let inputs = toml::Value::try_from(&spec.inputs).map_err(|e| TrainError::Checkpoint {
        path: builder.target().to_path_buf(),
        message: e.to_string(),
    })?;
    identity.insert("inputs".into(), inputs);
    let checkpoints = Checkpoints::open(builder.target(), &identity, spec.restart)?;

    let outcome = fit(
        model,
        data,
        options,
        Some(&checkpoints),
        spec.eval_batch_size,
        &mut report_to(progress),
    )?;
    let test = evaluate(model, data, Split::Test, spec.eval_batch_size)?;
    if test
        .iter()
        .all(|t| t.metrics.positives + t.metrics.negatives == 0)
    {
        tracing::warn!("the dataset has no labelled test windows: test metrics are empty");
    }

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
    checkpoints.discard()?;
    Ok(RunOutcome {
        fit: outcome,
        test,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Training's events as steps of `progress`: each epoch's training examples, then its
/// validation, whose progress is not counted (the epoch's losses are logged by [`fit`]).
fn report_to(progress: &dyn Progress) -> impl FnMut(FitEvent) + '_ {
    let mut done = 0;
    move |event| match event {
        FitEvent::EpochStarted {
            epoch,
            epochs,
            examples,
        } => {
            done = 0;
            progress.start(&format!("epoch {epoch}/{epochs}"), examples as u64);
        }
        FitEvent::Batch { examples_done, .. } => {
            progress.advance((examples_done - done) as u64);
            done = examples_done;
        }
        FitEvent::Validating { .. } => progress.start("validating", 0),
        FitEvent::Resumed { .. } | FitEvent::EpochFinished { .. } => {}
    }
}
