//! Fine-tuning: a pre-trained `model` artifact + a single-task `dataset` artifact → a new `model`
//! artifact for the target TF (or the same network trained from scratch); the stage run by
//! [`tfbind_artifact::stage::run`].

// The stage's errors are returned once per run, never in a loop: their size costs nothing.
#![allow(clippy::result_large_err)]

mod config;
mod test_windows;

pub use config::{FinetuneParams, Init};
pub use test_windows::{replace_test_split, TestWindowsError};

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{input_artifact, to_table, Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::artifact::KIND as MODEL;
use tfbind_model::{Architecture, ModelArtifact, ModelError, ModelSpec, Parent, HEAD};
use tfbind_train::stage::{fmt_metric, MetricsRow, RunSummary, Runtime};
use tfbind_train::{init_model, train_and_write, RunSpec, TrainError};

/// The stage. `params` are as configured: they are resolved against the pre-trained model's
/// architecture when the stage runs.
#[derive(Debug, Clone)]
pub struct FinetuneStage {
    /// The target TF's single-task dataset.
    pub dataset: PathBuf,
    /// The model to start from; with `init = "scratch"`, only its architecture is taken.
    pub pretrained: Option<PathBuf>,
    /// A dataset whose test windows replace `dataset`'s own.
    pub test_dataset: Option<PathBuf>,
    pub params: FinetuneParams,
    pub runtime: Runtime,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("--pretrained DIR is needed (or --init scratch to train from random weights)")]
    NoPretrained,
    #[error("architecture {asked} was asked for, but the pre-trained model is {parent}")]
    OtherArchitecture {
        asked: Architecture,
        parent: Architecture,
    },
    #[error("{0}")]
    Block(ModelError),
    #[error("cannot freeze '{HEAD}': the output layer is new and is what fine-tuning must learn")]
    FreezeHead,
    /// A network that cannot take the dataset's windows.
    #[error("{0}")]
    Spec(ModelError),
    #[error("cannot open the pre-trained model {path}: {source}")]
    Parent { path: PathBuf, source: ModelError },
    #[error("cannot load the pre-trained weights of {path}: {source}")]
    Weights { path: PathBuf, source: ModelError },
    #[error("cannot read the dataset {path}: {source}")]
    Dataset {
        path: PathBuf,
        source: tfbind_dataset::Error,
    },
    #[error("cannot test on {path}: {source}")]
    TestWindows {
        path: PathBuf,
        source: TestWindowsError,
    },
    #[error(
        "the dataset {path} has {} tasks ({}); fine-tuning needs a single-task dataset \
         (tfbind-negatives --tf NAME)",
        tasks.len(),
        tasks.join(", ")
    )]
    NotSingleTask { path: PathBuf, tasks: Vec<String> },
    #[error(
        "the dataset {path} has {window_len} bp windows but the pre-trained model {parent} \
         takes {parent_len} bp: encode the target's windows at {parent_len} bp"
    )]
    WindowLength {
        path: PathBuf,
        window_len: usize,
        parent: PathBuf,
        parent_len: usize,
    },
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What fine-tuning reports, and `summary.json` of the model artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub target: String,
    pub init: Init,
    /// The pre-trained model the weights came from (none from scratch).
    pub parent: Option<String>,
    /// The target was one of the parent's tasks: its labels were seen in pre-training.
    pub target_in_pretraining: bool,
    /// Where the test windows came from, when not from the training dataset.
    pub test_dataset: Option<PathBuf>,
    pub architecture: Architecture,
    pub window_len: usize,
    /// Tensors copied from the parent (every one outside the re-initialised blocks).
    pub loaded_tensors: usize,
    pub reinitialized: Vec<String>,
    pub frozen: Vec<String>,
    pub learning_rate: f64,
    #[serde(flatten)]
    pub run: RunSummary,
    pub test: MetricsRow,
}

impl FinetuneStage {
    /// Whether the pre-trained model's weights are an input (not only its architecture).
    fn loads_parent(&self) -> bool {
        self.params.init == Init::Pretrained && self.pretrained.is_some()
    }

    /// The parameters resolved against the pre-trained model: what the artifact records.
    fn resolved(&self) -> Result<FinetuneParams> {
        let parent = match (&self.pretrained, self.params.init) {
            (Some(dir), _) => Some(open_parent(dir)?.spec().architecture),
            (None, Init::Pretrained) => return Err(Error::NoPretrained),
            (None, Init::Scratch) => None,
        };
        self.params.clone().resolve(parent)
    }
}

/// The pre-trained model's architecture and tasks, read before the runner verifies its files
/// (which it does before anything is trained).
fn open_parent(dir: &Path) -> Result<ModelArtifact> {
    let open = || {
        let artifact = Artifact::open_unverified(dir)?;
        artifact.expect_kind(MODEL)?;
        ModelArtifact::from_artifact(artifact)
    };
    open().map_err(parent_error(dir))
}

fn parent_error(dir: &Path) -> impl FnOnce(ModelError) -> Error {
    let path = dir.to_path_buf();
    |source| Error::Parent { path, source }
}

fn read_dataset(artifact: &Artifact) -> Result<Dataset> {
    Dataset::read(artifact).map_err(|source| Error::Dataset {
        path: artifact.dir().to_path_buf(),
        source,
    })
}

/// Whether `target` was a pre-training task of `parent` or of the model it was itself
/// fine-tuned from.
fn seen_in_pretraining(parent: &ModelArtifact, target: &str) -> bool {
    parent.tasks().iter().any(|t| t == target)
        || parent
            .parent()
            .is_some_and(|p| p.tasks.iter().any(|t| t == target))
}

impl Stage for FinetuneStage {
    const SECTION: &'static str = "finetune";
    const OUTPUT: Kind = MODEL;
    const PIN_BEFORE_BUILD: bool = true;
    type Summary = Summary;
    type Error = Error;

    fn is_usage(error: &Error) -> bool {
        matches!(
            error,
            Error::NoPretrained
                | Error::OtherArchitecture { .. }
                | Error::Block(_)
                | Error::FreezeHead
                | Error::Spec(_)
                | Error::Train(TrainError::Options(_))
        )
    }

    fn inputs(&self) -> Vec<Input> {
        let mut inputs = vec![Input::Artifact(self.dataset.clone(), DATASET)];
        if let Some(dir) = &self.pretrained {
            inputs.push(if self.loads_parent() {
                Input::Artifact(dir.clone(), MODEL)
            } else {
                // A scratch model takes only the architecture, which the parameters record.
                Input::Unpinned(dir.clone())
            });
        }
        inputs.extend(
            self.test_dataset
                .iter()
                .map(|dir| Input::Artifact(dir.clone(), DATASET)),
        );
        inputs
    }

    fn parameters(&self) -> Result<toml::Table> {
        Ok(to_table(&self.resolved()?)?)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        let params = self.resolved()?;
        let mut opened = artifacts.iter();
        let mut data = read_dataset(opened.next().expect("the dataset is the first input"))?;
        let parent = if self.loads_parent() {
            let artifact = opened.next().expect("the parent follows the dataset");
            let model = ModelArtifact::from_artifact(artifact.clone());
            Some(model.map_err(parent_error(artifact.dir()))?)
        } else {
            None
        };
        if let Some(artifact) = opened.next() {
            let test = read_dataset(artifact)?;
            data = replace_test_split(data, &test).map_err(|source| Error::TestWindows {
                path: artifact.dir().to_path_buf(),
                source,
            })?;
        }
        let target = match data.labels.names() {
            [one] => one.clone(),
            names => {
                return Err(Error::NotSingleTask {
                    path: self.dataset.clone(),
                    tasks: names.to_vec(),
                })
            }
        };
        if let Some(p) = &parent {
            if p.spec().window_len != data.seq_len {
                return Err(Error::WindowLength {
                    path: self.dataset.clone(),
                    window_len: data.seq_len,
                    parent: p.artifact().dir().to_path_buf(),
                    parent_len: p.spec().window_len,
                });
            }
        }
        let target_in_pretraining = parent
            .as_ref()
            .is_some_and(|p| seen_in_pretraining(p, &target));
        if target_in_pretraining {
            tracing::warn!(
                target,
                "the target TF was among the pre-training TFs: the pre-trained model has seen \
                 its labels, so a comparison with scratch overstates transfer"
            );
        }

        let spec = ModelSpec::new(params.architecture(), data.seq_len, 1).map_err(Error::Spec)?;
        let device = self.runtime.device.resolve()?;
        let options = params.options();
        let mut model = init_model(&spec, device, options.seed)?;
        let reinitialized = vec![HEAD.to_string()];
        let loaded = match &parent {
            Some(p) => {
                let report = model
                    .load_weights_except(&p.weights_path(), &reinitialized)
                    .map_err(|source| Error::Weights {
                        path: p.artifact().dir().to_path_buf(),
                        source,
                    })?;
                report.loaded.len()
            }
            None => 0,
        };
        model.freeze(&params.freeze)?;
        tracing::info!(
            target,
            init = %params.init,
            architecture = %spec.architecture,
            window_len = spec.window_len,
            loaded_tensors = loaded,
            frozen = params.freeze.join(","),
            windows = data.len(),
            ?device,
            threads = tch::get_num_threads(),
            "fine-tuning"
        );
        let parent_path = parent
            .as_ref()
            .map(|p| p.artifact().dir().display().to_string());
        let record = parent.as_ref().map(|p| Parent {
            path: p.artifact().dir().display().to_string(),
            manifest_sha256: p.artifact().manifest_sha256().to_string(),
            tasks: p.tasks().to_vec(),
            reinitialized: reinitialized.clone(),
            frozen: params.freeze.clone(),
        });
        let run = RunSpec {
            parameters: to_table(&params)?,
            section: Self::SECTION,
            inputs: artifacts.iter().map(input_artifact).collect(),
            restart: self.runtime.restart,
            eval_batch_size: self.runtime.eval_batch_size,
            parent: record,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, builder, progress)?;
        let summary = Summary {
            target,
            init: params.init,
            parent: parent_path,
            target_in_pretraining,
            test_dataset: self.test_dataset.clone(),
            architecture: spec.architecture,
            window_len: spec.window_len,
            loaded_tensors: loaded,
            reinitialized: if parent.is_some() {
                reinitialized
            } else {
                Vec::new()
            },
            frozen: params.freeze,
            learning_rate: options.learning_rate,
            run: RunSummary::from(&outcome),
            test: MetricsRow::from(&outcome.test[0].metrics),
        };
        tracing::info!(
            seconds = format!("{:.1}", outcome.seconds),
            test_auprc = fmt_metric(summary.test.auprc),
            "trained"
        );
        Ok(summary)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = match &self.parent {
            Some(p) => format!(
                "fine-tuned from {p} ({} tensors loaded; new: {}; frozen: {})",
                self.loaded_tensors,
                self.reinitialized.join(","),
                if self.frozen.is_empty() {
                    "none".to_string()
                } else {
                    self.frozen.join(",")
                }
            ),
            None => "trained from scratch".to_string(),
        };
        let test = &self.test;
        let on = self
            .test_dataset
            .as_ref()
            .map(|d| format!(" (test windows of {})", d.display()))
            .unwrap_or_default();
        write!(
            f,
            "{} {origin}; {} on {} bp windows, lr {}; {}\n\
             test {}: AUROC {}, AUPRC {} (trapezoid {}), MCC {:.3} on {} positives, {} \
             negatives{on}",
            self.target,
            self.architecture,
            self.window_len,
            self.learning_rate,
            self.run,
            self.target,
            fmt_metric(test.auroc),
            fmt_metric(test.auprc),
            fmt_metric(test.auprc_trapezoid),
            test.mcc,
            test.positives,
            test.negatives,
        )
    }
}
