//! Training and evaluation of tfbind models, shared by pre-training (multi-task) and fine-tuning
//! (single-task from a parent model, or from scratch).
//!
//! - [`fit`]: Adam on masked binary cross-entropy with logits (NA labels contribute nothing),
//!   shuffled batches, optional reverse-complement augmentation of train and validation, the
//!   epoch with the lowest validation loss kept, optional patience; a checkpoint after every epoch
//!   ([`checkpoint`]) so that a killed run resumes and ends with the same weights, bit for bit on
//!   CPU, as an uninterrupted one.
//! - [`evaluate`]: per-task AUROC, AUPRC (average precision and the authors' trapezoid), MCC
//!   and counts on a split.
//! - [`train_and_write`]: a whole stage, from a prepared model to the files of the `model`
//!   artifact.
//! - [`stage`]: the config keys, run settings and summary parts that the training stages share;
//!   `cli` (feature `cli`): their flags.
//!
//! A fine-tuning stage prepares its model with `tfbind_model` and then calls the same functions:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use tfbind_model::{ModelArtifact, ModelSpec, HEAD};
//! use tfbind_train::{init_model, TrainOptions};
//! let parent = ModelArtifact::open("runs/pretrain")?;
//! let options = TrainOptions::fine_tuning();
//! let spec = ModelSpec { n_tasks: 1, ..parent.spec().clone() };
//! let mut model = init_model(&spec, tch::Device::Cpu, options.seed)?;
//! model.load_weights_except(&parent.weights_path(), &[HEAD])?;
//! model.freeze(&["conv1"])?;
//! // ... then `train_and_write(&mut model, &dataset, &options, RunSpec { parent: Some(..), .. },
//! // &builder, &progress)`.
//! # Ok(()) }
//! ```

mod adam;
mod batch;
pub mod checkpoint;
#[cfg(feature = "cli")]
pub mod cli;
mod error;
mod evaluate;
mod fit;
mod options;
mod run;
pub mod stage;

pub use batch::masked_bce_sum;
pub use checkpoint::{Checkpoints, EpochLog, TrainState};
pub use error::{Result, TrainError};
pub use evaluate::{
    epochs_tsv, evaluate, metrics_tsv, predict_rows, summarize, MetricSummary, TaskMetrics,
};
pub use fit::{check_compatible, fit, init_model, loss_on, FitEvent, FitOutcome};
pub use options::{derive_seed, SeedUse, TrainOptions};
pub use run::{train_and_write, RunOutcome, RunSpec};

#[cfg(test)]
#[path = "../tests/common/mod.rs"]
mod test_support;
