//! The command line of tfbind-pretrain.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_model::Architecture;
use tfbind_train::cli::{Defaults, RunArgs, TrainFlags};
use tfbind_train::TrainOptions;

/// Pre-train a multi-task model (one output per task of the dataset) as Novakovsky et al. 2021:
/// Adam, masked binary cross-entropy (NA labels contribute nothing), the epoch with the lowest
/// validation loss kept, then per-task metrics on the test split.
///
/// Writes a `model` artifact: model.safetensors, architecture.toml, tasks.txt, config.toml,
/// epochs.tsv, test_metrics.tsv (AUROC, AUPRC, trapezoid AUPRC, MCC, counts per task).
///
/// A checkpoint is written after every epoch beside --out (.<out>.checkpoints/); rerunning the
/// same command after an interruption resumes from it, and on CPU ends with the same weights as
/// an uninterrupted run. Rerunning with the same inputs and parameters does nothing unless --force.
///
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
///
/// Examples:
///   # the paper's 50-TF model
///   tfbind-pretrain --dataset runs/tf50/dataset --out runs/tf50/model
///   # DanQ, at most 30 epochs, stopping after 3 without improvement
///   tfbind-pretrain --dataset runs/tf50/dataset --architecture danq --epochs 30 --patience 3 \
///       --out runs/tf50/danq
///   # a 5-TF model started from the 50-TF one's weights, 1 epoch at a lower rate
///   tfbind-pretrain --dataset runs/jund-set/dataset --init-from runs/tf50/model --epochs 1 \
///       --learning-rate 0.001 --out runs/jund-set/model
#[derive(Parser)]
#[command(name = "tfbind-pretrain", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The `dataset` artifact directory (tfbind-encode) to train on.
    #[arg(long, value_name = "DIR")]
    pub(crate) dataset: PathBuf,
    /// Start from this `model` artifact's weights (all but its output layer, which is new: one
    /// output per task of the dataset) instead of random ones. Same architecture and window
    /// length; recorded as an input and in the model's parent.toml.
    #[arg(long, value_name = "DIR")]
    pub(crate) init_from: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) flags: Flags,
    #[command(flatten)]
    pub(crate) run: RunArgs<Pretrain>,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [pretrain] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Network. [config: architecture; default: convnet-deep]
    #[arg(long, value_name = "NAME", value_parser = choice::<Architecture>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    architecture: Option<Architecture>,
    #[command(flatten)]
    #[serde(flatten)]
    train: TrainFlags<Pretrain>,
}

/// tfbind-pretrain, with the paper's pre-training defaults.
pub(crate) struct Pretrain;

impl Defaults for Pretrain {
    fn defaults() -> TrainOptions {
        TrainOptions::pretraining()
    }
    const SEEDED_WEIGHTS: &'static str = "initial weights";
    const EVAL_BATCH_SIZE: usize = 100;
    const EVAL_BATCH_SIZE_NOTE: &'static str =
        " (100 runs fastest on CPU; larger batches fall out of cache)";
}
