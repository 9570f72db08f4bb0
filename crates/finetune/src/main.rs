//! tfbind-finetune: a pre-trained `model` artifact + a single-task `dataset` artifact → a new
//! `model` artifact for the target TF (or the same network trained from scratch).

mod config;
mod test_windows;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Parser;
use serde::Serialize;
use tfbind_artifact::{input_artifact, to_table, up_to_date, Artifact};
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::{
    artifact::KIND as MODEL, Architecture, DeviceChoice, ModelArtifact, ModelSpec, Parent, HEAD,
};
use tfbind_train::{init_model, train_and_write, RunSpec, TaskMetrics};

use config::{FinetuneConfig, Init, Overrides};

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
struct Cli {
    /// The pre-trained `model` artifact (tfbind-pretrain) to start from. Needed unless
    /// --init scratch; with it, a scratch model takes its architecture (and nothing else).
    #[arg(long, value_name = "DIR")]
    pretrained: Option<PathBuf>,
    /// The target TF's single-task `dataset` artifact (tfbind-encode).
    #[arg(long, value_name = "DIR")]
    dataset: PathBuf,
    /// Measure the model on the test windows of this `dataset` artifact (same TF and window
    /// length) instead of --dataset's own test split, which is then left unused: models trained
    /// on different subsets of a TF's data are compared on the same windows.
    #[arg(long, value_name = "DIR")]
    test_dataset: Option<PathBuf>,
    /// Where to write the `model` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config file: its [finetune] section sets the parameters below; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Start from the pre-trained weights, or from random ones. [config: init; default: pretrained]
    #[arg(long, value_name = "FROM")]
    init: Option<Init>,
    /// Network of a scratch model without --pretrained: convnet-deep, convnet-shallow or danq
    /// (with a pre-trained model, it must be that model's). [config: architecture; default:
    /// the pre-trained model's, else convnet-deep]
    #[arg(long, value_name = "NAME")]
    architecture: Option<Architecture>,
    /// Blocks to keep fixed, comma-separated (see Blocks above; not head). An empty value
    /// freezes nothing. [config: freeze = [...]; default: none]
    #[arg(long, value_name = "BLOCKS")]
    freeze: Option<String>,
    /// Adam learning rate. [config: learning_rate; default: 0.0003, or 0.003 with --init scratch]
    #[arg(long, value_name = "LR")]
    learning_rate: Option<f64>,
    /// Windows per training step. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Maximum number of epochs. [config: epochs; default: 10]
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Stop after N epochs without a lower validation loss. [config: patience; default: none]
    #[arg(long, value_name = "N")]
    patience: Option<usize>,
    /// Train and validate on the forward strand only (default: both strands, each window also
    /// reverse-complemented, as the paper). [config: rc_augment = false]
    #[arg(long)]
    no_rc_augment: bool,
    /// Seed of the new weights (the output layer, or all of them from scratch), window order and
    /// dropout. [config: seed; default: 1]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    device: DeviceChoice,
    /// Windows per batch when computing validation loss and test predictions.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    eval_batch_size: usize,
    /// Retrain even if the model is up to date.
    #[arg(long)]
    force: bool,
    /// Discard checkpoints of an interrupted run instead of resuming from them.
    #[arg(long)]
    restart: bool,
    #[command(flatten)]
    common: CommonArgs,
}

impl Cli {
    fn overrides(&self) -> Overrides {
        Overrides {
            init: self.init,
            architecture: self.architecture,
            freeze: self.freeze.clone(),
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            epochs: self.epochs,
            patience: self.patience,
            no_rc_augment: self.no_rc_augment,
            seed: self.seed,
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a Path,
    up_to_date: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    training: Option<Training<'a>>,
}

#[derive(Serialize)]
struct Training<'a> {
    target: &'a str,
    init: &'static str,
    /// The pre-trained model the weights came from (none from scratch).
    parent: Option<&'a str>,
    /// The target was one of the parent's tasks: its labels were seen in pre-training.
    target_in_pretraining: bool,
    /// Where the test windows came from, when not from the training dataset.
    test_dataset: Option<&'a Path>,
    architecture: Architecture,
    window_len: usize,
    /// Tensors copied from the parent (every one outside the re-initialised blocks).
    loaded_tensors: usize,
    reinitialized: Vec<String>,
    frozen: Vec<String>,
    learning_rate: f64,
    epochs_trained: usize,
    best_epoch: usize,
    best_valid_loss: f64,
    stopped_early: bool,
    resumed_after: Option<usize>,
    seconds: f64,
    test: TestRow,
}

#[derive(Serialize)]
struct TestRow {
    positives: u64,
    negatives: u64,
    auroc: Option<f64>,
    auprc: Option<f64>,
    auprc_trapezoid: Option<f64>,
    mcc: f64,
}

impl From<&TaskMetrics> for TestRow {
    fn from(t: &TaskMetrics) -> Self {
        let m = &t.metrics;
        Self {
            positives: m.positives,
            negatives: m.negatives,
            auroc: m.auroc,
            auprc: m.average_precision,
            auprc_trapezoid: m.auprc_trapezoid,
            mcc: m.mcc,
        }
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |v| format!("{v:.3}"))
}

fn human(out: &Path, t: &Training) -> String {
    let origin = match t.parent {
        Some(p) => format!(
            "fine-tuned from {p} ({} tensors loaded; new: {}; frozen: {})",
            t.loaded_tensors,
            t.reinitialized.join(","),
            if t.frozen.is_empty() {
                "none".to_string()
            } else {
                t.frozen.join(",")
            }
        ),
        None => "trained from scratch".to_string(),
    };
    let test = &t.test;
    let on = t
        .test_dataset
        .map(|d| format!(" (test windows of {})", d.display()))
        .unwrap_or_default();
    format!(
        "{}: {} {origin}; {} on {} bp windows, lr {}; kept epoch {} of {} (valid loss {:.5}){}{}; \
         {:.1} s\ntest {}: AUROC {}, AUPRC {} (trapezoid {}), MCC {:.3} on {} positives, {} negatives{on}",
        out.display(),
        t.target,
        t.architecture,
        t.window_len,
        t.learning_rate,
        t.best_epoch,
        t.epochs_trained,
        t.best_valid_loss,
        if t.stopped_early { ", stopped early" } else { "" },
        t.resumed_after
            .map(|e| format!(", resumed after epoch {e}"))
            .unwrap_or_default(),
        t.seconds,
        t.target,
        fmt_opt(test.auroc),
        fmt_opt(test.auprc),
        fmt_opt(test.auprc_trapezoid),
        test.mcc,
        test.positives,
        test.negatives,
    )
}

/// Whether `target` was a pre-training task of `parent` or of the model it was itself
/// fine-tuned from.
fn seen_in_pretraining(parent: &ModelArtifact, target: &str) -> bool {
    parent.tasks().iter().any(|t| t == target)
        || parent
            .parent()
            .is_some_and(|p| p.tasks.iter().any(|t| t == target))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_model::set_threads(cli.common.threads());
    tfbind_cli::run(|| {
        let config = FinetuneConfig::load(cli.config.as_deref(), cli.overrides())?;
        let parent =
            match (config.init, &cli.pretrained) {
                (_, Some(dir)) => Some(ModelArtifact::open(dir).with_context(|| {
                    format!("cannot open the pre-trained model {}", dir.display())
                })?),
                (Init::Pretrained, None) => return Err(UsageError(
                    "--pretrained DIR is needed (or --init scratch to train from random weights)"
                        .into(),
                )
                .into()),
                (Init::Scratch, None) => None,
            };
        let config = config.resolve(parent.as_ref().map(|p| p.spec().architecture))?;
        // A scratch model takes only the architecture from --pretrained, which the parameters
        // record; its weights are no input of the result.
        let parent = parent.filter(|_| config.init == Init::Pretrained);
        let parameters = to_table(&config)?;
        let dataset_artifact = Artifact::open(&cli.dataset, DATASET)
            .with_context(|| format!("cannot open the dataset {}", cli.dataset.display()))?;
        let test_artifact = match &cli.test_dataset {
            Some(dir) => Some(
                Artifact::open(dir, DATASET)
                    .with_context(|| format!("cannot open the test dataset {}", dir.display()))?,
            ),
            None => None,
        };
        let mut inputs = vec![input_artifact(&dataset_artifact)];
        inputs.extend(parent.as_ref().map(|p| input_artifact(p.artifact())));
        inputs.extend(test_artifact.as_ref().map(input_artifact));
        if !cli.force && up_to_date(&cli.out, MODEL, &parameters, &inputs).is_some() {
            tracing::info!(out = %cli.out.display(), "up to date: same inputs and parameters");
            let report = Report {
                out: &cli.out,
                up_to_date: true,
                training: None,
            };
            let text = format!(
                "{} is up to date; nothing to do (--force retrains it)",
                cli.out.display()
            );
            cli.common.report(&report, text);
            return Ok(());
        }

        let mut data = Dataset::read(&dataset_artifact)
            .with_context(|| format!("cannot read the dataset {}", cli.dataset.display()))?;
        if let Some(artifact) = &test_artifact {
            let dir = artifact.dir().display();
            let test = Dataset::read(artifact)
                .with_context(|| format!("cannot read the test dataset {dir}"))?;
            data = test_windows::replace_test_split(data, &test)
                .with_context(|| format!("cannot test on {dir}"))?;
        }
        let target = match data.labels.names() {
            [one] => one.as_str(),
            names => bail!(
                "the dataset {} has {} tasks ({}); fine-tuning needs a single-task dataset \
                 (tfbind-negatives --tf NAME)",
                cli.dataset.display(),
                names.len(),
                names.join(", ")
            ),
        };
        if let Some(p) = &parent {
            if p.spec().window_len != data.seq_len {
                bail!(
                    "the dataset {} has {} bp windows but the pre-trained model {} takes {} bp: \
                     encode the target's windows at {} bp",
                    cli.dataset.display(),
                    data.seq_len,
                    p.artifact().dir().display(),
                    p.spec().window_len,
                    p.spec().window_len
                );
            }
        }
        let target_in_pretraining = parent
            .as_ref()
            .is_some_and(|p| seen_in_pretraining(p, target));
        if target_in_pretraining {
            tracing::warn!(
                target,
                "the target TF was among the pre-training TFs: the pre-trained model has seen \
                 its labels, so a comparison with scratch overstates transfer"
            );
        }

        let spec = ModelSpec::new(config.architecture(), data.seq_len, 1)
            .map_err(|e| UsageError(e.to_string()))?;
        let device = cli.device.resolve()?;
        let mut model = init_model(&spec, device, config.seed)?;
        let reinitialized = vec![HEAD.to_string()];
        let loaded = match &parent {
            Some(p) => {
                let report = model
                    .load_weights_except(&p.weights_path(), &reinitialized)
                    .with_context(|| {
                        format!(
                            "cannot load the pre-trained weights of {}",
                            p.artifact().dir().display()
                        )
                    })?;
                report.loaded.len()
            }
            None => 0,
        };
        model.freeze(&config.freeze)?;
        tracing::info!(
            target,
            init = config.init.name(),
            architecture = %spec.architecture,
            window_len = spec.window_len,
            loaded_tensors = loaded,
            frozen = config.freeze.join(","),
            windows = data.len(),
            ?device,
            threads = tch::get_num_threads(),
            "fine-tuning"
        );
        let record = parent.as_ref().map(|p| Parent {
            path: p.artifact().dir().display().to_string(),
            manifest_sha256: p.artifact().manifest_sha256().to_string(),
            tasks: p.tasks().to_vec(),
            reinitialized: reinitialized.clone(),
            frozen: config.freeze.clone(),
        });

        let options = config.options();
        let bar = tfbind_cli::bar(&cli.common, 0, "");
        let mut observer = tfbind_train::progress::bar_observer(&bar);
        let run = RunSpec {
            out: &cli.out,
            parameters,
            section: "finetune",
            inputs,
            restart: cli.restart,
            eval_batch_size: cli.eval_batch_size,
            parent: record,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, &mut observer)
            .with_context(|| format!("cannot fine-tune {}", cli.out.display()))?;
        bar.finish_and_clear();

        let state = &outcome.fit.state;
        let parent_path = parent
            .as_ref()
            .map(|p| p.artifact().dir().display().to_string());
        let training = Training {
            target,
            init: config.init.name(),
            parent: parent_path.as_deref(),
            target_in_pretraining,
            test_dataset: cli.test_dataset.as_deref(),
            architecture: spec.architecture,
            window_len: spec.window_len,
            loaded_tensors: loaded,
            reinitialized: if parent.is_some() {
                reinitialized
            } else {
                Vec::new()
            },
            frozen: config.freeze.clone(),
            learning_rate: options.learning_rate,
            epochs_trained: state.epochs_done,
            best_epoch: outcome.fit.best_epoch(),
            best_valid_loss: state.best_valid_loss().unwrap_or(f64::NAN),
            stopped_early: outcome.fit.stopped_early,
            resumed_after: outcome.fit.resumed_after,
            seconds: outcome.seconds,
            test: TestRow::from(&outcome.test[0]),
        };
        tracing::info!(
            out = %cli.out.display(),
            seconds = format!("{:.1}", outcome.seconds),
            test_auprc = fmt_opt(training.test.auprc),
            "wrote model"
        );
        let text = human(&cli.out, &training);
        let report = Report {
            out: &cli.out,
            up_to_date: false,
            training: Some(training),
        };
        cli.common.report(&report, text);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn help_lists_every_architectures_blocks() {
        let help = Cli::command().render_long_help().to_string();
        for a in Architecture::ALL {
            let line = format!("{}  ", a.name());
            let listed = help
                .lines()
                .find(|l| l.trim_start().starts_with(&line))
                .unwrap_or_else(|| panic!("no Blocks line for {a}:\n{help}"));
            let names: Vec<_> = listed.split_whitespace().skip(1).collect();
            assert_eq!(names, a.block_names(), "{listed}");
        }
    }
}
