//! The command line of tfbind-finetune.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_finetune::Init;
use tfbind_model::Architecture;
use tfbind_train::cli::{Defaults, RunArgs, TrainFlags};
use tfbind_train::TrainOptions;

/// Fine-tune a pre-trained model on one target TF, as Novakovsky et al. 2021: every weight is
/// loaded by name from the pre-trained model except the output layer, which is new (one
/// output); all layers train unless --freeze keeps some fixed. Adam, lr 0.0003, batch 100,
/// 10 epochs, the epoch with the lowest validation loss kept, then the test split's metrics.
/// --init scratch trains the same network from random weights instead (lr 0.003): the
/// baseline that transfer learning is measured against.
///
/// Needs only the pre-trained model artifact and the target's single-task dataset
/// (tfbind-negatives --tf, then tfbind-encode at the model's window length), so a new TF is
/// fine-tuned without touching pre-training. A target that was among the pre-training TFs is
/// allowed but warned about: the model has already seen its labels.
///
/// Writes a `model` artifact: model.safetensors, architecture.toml, tasks.txt, config.toml,
/// epochs.tsv, test_metrics.tsv, and parent.toml (the pre-trained model's path, manifest
/// checksum and tasks, and the blocks re-initialised and frozen); its manifest lists the
/// dataset, the pre-trained model and the --test-dataset, if any, as inputs.
///
/// Blocks (for --freeze):
///   convnet-deep     conv1 conv2 conv3 fc1 fc2 head
///   convnet-shallow  conv1 conv2 fc1 head
///   danq             conv1 lstm fc1 head
///
/// A checkpoint is written after every epoch beside --out (.<out>.checkpoints/); rerunning the
/// same command after an interruption (even kill -9) resumes from it, and on CPU ends with the
/// same weights as an uninterrupted run. Rerunning with the same inputs and parameters does
/// nothing unless --force.
///
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
///
/// Examples:
///   # JUND from the 50-TF model
///   tfbind-finetune --pretrained runs/pretrain/model --dataset runs/jund/dataset \
///       --out runs/jund/model
///   # the same with the convolutional layers fixed
///   tfbind-finetune --pretrained runs/pretrain/model --dataset runs/jund/dataset \
///       --freeze conv1,conv2,conv3 --out runs/jund/model-frozen
///   # the baseline: the same network from random weights
///   tfbind-finetune --init scratch --dataset runs/jund/dataset --out runs/jund/scratch
#[derive(Parser)]
#[command(name = "tfbind-finetune", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The pre-trained `model` artifact (tfbind-pretrain) to start from. Needed unless
    /// --init scratch; with it, a scratch model takes its architecture (and nothing else).
    #[arg(long, value_name = "DIR")]
    pub(crate) pretrained: Option<PathBuf>,
    /// The target TF's single-task `dataset` artifact (tfbind-encode).
    #[arg(long, value_name = "DIR")]
    pub(crate) dataset: PathBuf,
    /// Measure the model on the test windows of this `dataset` artifact (same TF and window
    /// length) instead of --dataset's own test split, which is then left unused: models trained
    /// on different subsets of a TF's data are compared on the same windows.
    #[arg(long, value_name = "DIR")]
    pub(crate) test_dataset: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) flags: Flags,
    #[command(flatten)]
    pub(crate) run: RunArgs<Finetune>,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [finetune] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Start from the pre-trained weights, or from random ones. [config: init; default: pretrained]
    #[arg(long, value_name = "FROM", value_parser = choice::<Init>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    init: Option<Init>,
    /// Network of a scratch model without --pretrained (with a pre-trained model, it must be that
    /// model's). [config: architecture; default: the pre-trained model's, else convnet-deep]
    #[arg(long, value_name = "NAME", value_parser = choice::<Architecture>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    architecture: Option<Architecture>,
    /// Blocks to keep fixed, comma-separated (see Blocks above; not head). An empty value
    /// freezes nothing. [config: freeze = [...]; default: none]
    #[arg(long, value_name = "BLOCKS", value_delimiter = ',')]
    #[serde(skip_serializing_if = "Option::is_none")]
    freeze: Option<Vec<String>>,
    #[command(flatten)]
    #[serde(flatten)]
    train: TrainFlags<Finetune>,
}

/// tfbind-finetune, with the paper's fine-tuning defaults.
pub(crate) struct Finetune;

impl Defaults for Finetune {
    fn defaults() -> TrainOptions {
        TrainOptions::fine_tuning()
    }
    const LEARNING_RATE_NOTE: &'static str = ", or 0.003 with --init scratch";
    const SEEDED_WEIGHTS: &'static str =
        "the new weights (the output layer, or all of them from scratch)";
    const EVAL_BATCH_SIZE: usize = 1000;
}
