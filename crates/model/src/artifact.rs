//! The `model` artifact (kind `model`, schema 1): a trained network that any stage rebuilds from
//! the directory alone.
//!
//! | file | content |
//! |---|---|
//! | `manifest.toml` | the [`tfbind_artifact`] manifest: `parameters` = the resolved training configuration; `inputs` = the dataset artifact, then (fine-tuned models) the parent model artifact, then (`tfbind-finetune --test-dataset`) the dataset whose test windows were measured |
//! | `architecture.toml` | [`ModelSpec`]: `architecture` (`convnet-deep`, `convnet-shallow`, `danq`), `window_len` (bp), `n_tasks` |
//! | `model.safetensors` | every tensor by name, float32 (see below); the weights of the kept (lowest validation loss) epoch |
//! | `tasks.txt` | the task (TF) names, one per line, in output order |
//! | `config.toml` | the resolved configuration again, as a `[section]` that `--config` accepts |
//! | `epochs.tsv` | one row per trained epoch: `epoch train_loss valid_loss seconds train_windows_per_s kept` (`kept` = 1 on the epoch whose weights were kept) |
//! | `test_metrics.tsv` | one row per task on the test split: `task positives negatives auroc auprc auprc_trapezoid mcc tp fp tn fn` (`NA` where a metric is undefined); `auprc` is average precision, `auprc_trapezoid` the authors' trapezoidal AUPRC |
//! | `parent.toml` | models that started from another's weights (fine-tuned ones, and pre-trained ones given a model to start from): [`Parent`], that model |
//!
//! Tensor names are the module names of the authors' PyTorch classes (`models.py` of
//! Novakovsky et al. 2021) followed by PyTorch's parameter names, so
//! `model.load_state_dict(safetensors.torch.load_file(...), strict=False)` loads them into those
//! classes; only BatchNorm's `num_batches_tracked` counters are absent. For `convnet-deep`:
//! `c1 c2 c3` (Conv1d `weight [out, in, k]`, `bias`), `bn1`…`bn5` (BatchNorm `weight bias
//! running_mean running_var`), `d4 d5 d6` (Linear `weight [out, in]`, `bias`); `convnet-shallow`:
//! `c1 c2 bn1 bn2 bn3 d3 d4`; `danq`: `Conv1`, `BiLSTM` (`weight_ih_l0`, `weight_hh_l0`,
//! `bias_ih_l0`, `bias_hh_l0`, the same with `_l1` and `_reverse`), `Linear1`, `Linear2`.
//! [`Architecture::blocks`](crate::Architecture::blocks) groups them into the blocks fine-tuning
//! freezes or replaces (`head` is the output layer). `crates/model/python/tfbind_models.py`
//! holds the three networks in PyTorch under these names, with a loading example.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;
use tfbind_artifact::{Artifact, Kind};

use crate::error::{ModelError, Result};
use crate::model::Model;
use crate::spec::ModelSpec;

pub const KIND: Kind = tfbind_artifact::kinds::MODEL;
pub const WEIGHTS_FILE: &str = "model.safetensors";
pub const ARCHITECTURE_FILE: &str = "architecture.toml";
pub const TASKS_FILE: &str = "tasks.txt";
pub const CONFIG_FILE: &str = "config.toml";
pub const EPOCHS_FILE: &str = "epochs.tsv";
pub const TEST_METRICS_FILE: &str = "test_metrics.tsv";
pub const PARENT_FILE: &str = "parent.toml";

/// The model whose weights a model started from (`parent.toml`): a fine-tuned model's, or a
/// pre-trained one's given a model to start from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Parent {
    /// The parent model artifact's directory, as given.
    pub path: String,
    /// The sha256 of the parent's `manifest.toml`, which pins it.
    pub manifest_sha256: String,
    /// The parent's tasks.
    pub tasks: Vec<String>,
    /// Blocks initialised afresh instead of loaded from the parent (at least `head`).
    pub reinitialized: Vec<String>,
    /// Blocks kept fixed during fine-tuning.
    pub frozen: Vec<String>,
}

/// An opened, verified model artifact.
#[derive(Debug, Clone)]
pub struct ModelArtifact {
    artifact: Artifact,
    spec: ModelSpec,
    tasks: Vec<String>,
    parent: Option<Parent>,
}

impl ModelArtifact {
    /// Opens a model artifact, verifying its kind, schema and checksums, and reads its
    /// architecture and tasks.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self> {
        Self::from_artifact(Artifact::open(dir, KIND)?)
    }

    /// Reads the architecture and tasks of an artifact already opened as a model artifact (its
    /// kind, and its files as far as the caller needs, checked by the caller).
    pub fn from_artifact(artifact: Artifact) -> Result<Self> {
        let spec: ModelSpec = read_toml(&artifact.file(ARCHITECTURE_FILE)?)?;
        spec.validate()?;
        let tasks_path = artifact.file(TASKS_FILE)?;
        let tasks = read_tasks(&tasks_path)?;
        if tasks.len() != spec.n_tasks {
            return Err(ModelError::Parse {
                path: tasks_path,
                message: format!(
                    "{} task names for a model with {} outputs",
                    tasks.len(),
                    spec.n_tasks
                ),
            });
        }
        let parent = if artifact.has_file(PARENT_FILE) {
            Some(read_toml(&artifact.file(PARENT_FILE)?)?)
        } else {
            None
        };
        Ok(Self {
            artifact,
            spec,
            tasks,
            parent,
        })
    }

    pub fn artifact(&self) -> &Artifact {
        &self.artifact
    }

    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    pub fn tasks(&self) -> &[String] {
        &self.tasks
    }

    pub fn parent(&self) -> Option<&Parent> {
        self.parent.as_ref()
    }

    /// The path of the weights file.
    pub fn weights_path(&self) -> PathBuf {
        self.artifact.dir().join(WEIGHTS_FILE)
    }

    /// Rebuilds the network and loads its weights.
    pub fn load(&self, device: Device) -> Result<Model> {
        let mut model = Model::new(&self.spec, device)?;
        model.load_weights(&self.weights_path())?;
        Ok(model)
    }
}

/// Writes the files that define a model into an artifact directory being built: the weights,
/// `architecture.toml`, `tasks.txt`, and `parent.toml` when given.
pub fn write_model_files(
    dir: &Path,
    model: &Model,
    tasks: &[String],
    parent: Option<&Parent>,
) -> Result<()> {
    if tasks.len() != model.spec().n_tasks {
        return Err(ModelError::Parse {
            path: dir.join(TASKS_FILE),
            message: format!(
                "{} task names for a model with {} outputs",
                tasks.len(),
                model.spec().n_tasks
            ),
        });
    }
    model.save_weights(&dir.join(WEIGHTS_FILE))?;
    write_toml(&dir.join(ARCHITECTURE_FILE), model.spec())?;
    let mut text = tasks.join("\n");
    text.push('\n');
    let path = dir.join(TASKS_FILE);
    std::fs::write(&path, text).map_err(ModelError::io(&path))?;
    if let Some(parent) = parent {
        write_toml(&dir.join(PARENT_FILE), parent)?;
    }
    Ok(())
}

fn read_tasks(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(ModelError::io(path))?;
    Ok(text.lines().map(str::to_string).collect())
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(ModelError::io(path))?;
    toml::from_str(&text).map_err(|e| ModelError::Parse {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

fn write_toml<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = toml::to_string(value).map_err(|e| ModelError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    std::fs::write(path, text).map_err(ModelError::io(path))
}
