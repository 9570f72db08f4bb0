//! tfbind-finetune: a pre-trained `model` artifact + a single-task `dataset` artifact → a new
//! `model` artifact for the target TF (or the same network trained from scratch).

mod config;
mod test_windows;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Parser;
use serde::Serialize;
use tfbind_artifact::{input_artifact, to_table, Artifact};
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::{Architecture, ModelArtifact, ModelSpec, Parent, HEAD};
use tfbind_train::stage::{fmt_metric, MetricsRow, Report, RunSummary, TrainArgs};
use tfbind_train::{init_model, train_and_write, RunSpec};

use config::{Finetune, FinetuneArgs, FinetuneConfig, Init};

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
    #[command(flatten)]
    finetune: FinetuneArgs,
    #[command(flatten)]
    train: TrainArgs<Finetune>,
    #[command(flatten)]
    common: CommonArgs,
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
    #[serde(flatten)]
    run: RunSummary,
    test: MetricsRow,
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
        "{}: {} {origin}; {} on {} bp windows, lr {}; {}\n\
         test {}: AUROC {}, AUPRC {} (trapezoid {}), MCC {:.3} on {} positives, {} negatives{on}",
        out.display(),
        t.target,
        t.architecture,
        t.window_len,
        t.learning_rate,
        t.run,
        t.target,
        fmt_metric(test.auroc),
        fmt_metric(test.auprc),
        fmt_metric(test.auprc_trapezoid),
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
        let config = FinetuneConfig::load(cli.config.as_deref(), &cli.finetune, &cli.train)?;
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
        if cli.train.up_to_date(&cli.out, &parameters, &inputs) {
            let (report, text) = Report::<Training>::up_to_date(&cli.out);
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
        let device = cli.train.device.resolve()?;
        let options = config.options();
        let mut model = init_model(&spec, device, options.seed)?;
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

        let bar = tfbind_cli::bar(&cli.common, 0, "");
        let mut observer = tfbind_train::progress::bar_observer(&bar);
        let run = RunSpec {
            out: &cli.out,
            parameters,
            section: "finetune",
            inputs,
            restart: cli.train.restart,
            eval_batch_size: cli.train.eval_batch_size,
            parent: record,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, &mut observer)
            .with_context(|| format!("cannot fine-tune {}", cli.out.display()))?;
        bar.finish_and_clear();

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
            run: RunSummary::from(&outcome),
            test: MetricsRow::from(&outcome.test[0].metrics),
        };
        tracing::info!(
            out = %cli.out.display(),
            seconds = format!("{:.1}", outcome.seconds),
            test_auprc = fmt_metric(training.test.auprc),
            "wrote model"
        );
        let text = human(&cli.out, &training);
        cli.common
            .report(&Report::trained(&cli.out, training), text);
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
