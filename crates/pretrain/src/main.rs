//! tfbind-pretrain: train a multi-task model on a `dataset` artifact and write a `model` artifact.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use serde::{Deserialize, Serialize};
use tfbind_artifact::{input_artifact, to_table, up_to_date, Artifact};
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::{artifact::KIND as MODEL, Architecture, DeviceChoice, ModelSpec};
use tfbind_train::{
    init_model, summarize, train_and_write, MetricSummary, RunSpec, TaskMetrics, TrainOptions,
};

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
#[derive(Parser)]
#[command(name = "tfbind-pretrain", version, verbatim_doc_comment)]
struct Cli {
    /// The `dataset` artifact directory (tfbind-encode) to train on.
    #[arg(long, value_name = "DIR")]
    dataset: PathBuf,
    /// Where to write the `model` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config file: its [pretrain] section sets the parameters below; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Network: convnet-deep (the paper's), convnet-shallow or danq.
    /// [config: architecture; default: convnet-deep]
    #[arg(long, value_name = "NAME")]
    architecture: Option<Architecture>,
    /// Adam learning rate. [config: learning_rate; default: 0.003]
    #[arg(long, value_name = "LR")]
    learning_rate: Option<f64>,
    /// Windows per training step. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Maximum number of epochs. [config: epochs; default: 15]
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Stop after N epochs without a lower validation loss. [config: patience; default: none]
    #[arg(long, value_name = "N")]
    patience: Option<usize>,
    /// Train and validate on the forward strand only (default: both strands, each window also
    /// reverse-complemented, as the paper). [config: rc_augment = false]
    #[arg(long)]
    no_rc_augment: bool,
    /// Seed of initial weights, window order and dropout. [config: seed; default: 1]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    device: DeviceChoice,
    /// Windows per batch when computing validation loss and test predictions (100 runs fastest
    /// on CPU; larger batches fall out of cache).
    #[arg(long, value_name = "N", default_value_t = 100)]
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

/// The [pretrain] section of a pipeline config; also the parameters recorded in the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PretrainConfig {
    architecture: Architecture,
    learning_rate: f64,
    batch_size: usize,
    epochs: usize,
    patience: Option<usize>,
    rc_augment: bool,
    seed: u64,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        let o = TrainOptions::pretraining();
        Self {
            architecture: Architecture::ConvNetDeep,
            learning_rate: o.learning_rate,
            batch_size: o.batch_size,
            epochs: o.epochs,
            patience: o.patience,
            rc_augment: o.rc_augment,
            seed: o.seed,
        }
    }
}

impl PretrainConfig {
    fn options(&self) -> TrainOptions {
        TrainOptions {
            learning_rate: self.learning_rate,
            batch_size: self.batch_size,
            epochs: self.epochs,
            patience: self.patience,
            rc_augment: self.rc_augment,
            seed: self.seed,
        }
    }
}

/// Defaults, then the config's [pretrain] section, then the flags.
fn resolve(cli: &Cli) -> anyhow::Result<PretrainConfig> {
    let section: toml::Table = tfbind_cli::load_section(cli.config.as_deref(), "pretrain")?;
    let mut c = PretrainConfig::deserialize(toml::Value::Table(section)).map_err(|e| {
        let file = cli.config.as_deref().unwrap_or(Path::new("")).display();
        UsageError(format!("{file}: in [pretrain]: {}", e.message()))
    })?;
    if let Some(a) = cli.architecture {
        c.architecture = a;
    }
    if let Some(lr) = cli.learning_rate {
        c.learning_rate = lr;
    }
    if let Some(b) = cli.batch_size {
        c.batch_size = b;
    }
    if let Some(e) = cli.epochs {
        c.epochs = e;
    }
    if cli.patience.is_some() {
        c.patience = cli.patience;
    }
    if cli.no_rc_augment {
        c.rc_augment = false;
    }
    if let Some(s) = cli.seed {
        c.seed = s;
    }
    c.options()
        .validate()
        .map_err(|e| UsageError(e.to_string()))?;
    Ok(c)
}

#[derive(Serialize)]
struct TaskRow<'a> {
    task: &'a str,
    positives: u64,
    negatives: u64,
    auroc: Option<f64>,
    auprc: Option<f64>,
    auprc_trapezoid: Option<f64>,
    mcc: f64,
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
    architecture: Architecture,
    window_len: usize,
    tasks: usize,
    epochs_trained: usize,
    best_epoch: usize,
    best_valid_loss: f64,
    stopped_early: bool,
    resumed_after: Option<usize>,
    seconds: f64,
    test: MetricSummary,
    test_per_task: Vec<TaskRow<'a>>,
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "NA".into(), |v| format!("{v:.3}"))
}

fn human(out: &Path, t: &Training, per_task: &[TaskMetrics]) -> String {
    let mut s =
        format!(
        "{}: {} on {} bp windows, {} tasks; kept epoch {} of {} (valid loss {:.5}){}{}; {:.1} s\n",
        out.display(),
        t.architecture,
        t.window_len,
        t.tasks,
        t.best_epoch,
        t.epochs_trained,
        t.best_valid_loss,
        if t.stopped_early { ", stopped early" } else { "" },
        t.resumed_after
            .map(|e| format!(", resumed after epoch {e}"))
            .unwrap_or_default(),
        t.seconds
    );
    s += &format!(
        "test: median AUROC {}, AUPRC {} (trapezoid {}), MCC {} over {} tasks\n",
        fmt_opt(t.test.median_auroc),
        fmt_opt(t.test.median_auprc),
        fmt_opt(t.test.median_auprc_trapezoid),
        fmt_opt(t.test.median_mcc),
        t.test.tasks
    );
    s += "task\tpositives\tnegatives\tauroc\tauprc\tmcc\n";
    for m in per_task {
        let b = &m.metrics;
        s += &format!(
            "{}\t{}\t{}\t{}\t{}\t{:.3}\n",
            m.task,
            b.positives,
            b.negatives,
            fmt_opt(b.auroc),
            fmt_opt(b.average_precision),
            b.mcc
        );
    }
    s
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_model::set_threads(cli.common.threads());
    tfbind_cli::run(|| {
        let config = resolve(&cli)?;
        let parameters = to_table(&config)?;
        let dataset_artifact = Artifact::open(&cli.dataset, DATASET)
            .with_context(|| format!("cannot open the dataset {}", cli.dataset.display()))?;
        let inputs = vec![input_artifact(&dataset_artifact)];
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

        let data = Dataset::read(&dataset_artifact)
            .with_context(|| format!("cannot read the dataset {}", cli.dataset.display()))?;
        let spec = ModelSpec::new(config.architecture, data.seq_len, data.labels.n_cols())
            .map_err(|e| UsageError(e.to_string()))?;
        let device = cli.device.resolve()?;
        tracing::info!(
            architecture = %spec.architecture,
            window_len = spec.window_len,
            tasks = spec.n_tasks,
            windows = data.len(),
            ?device,
            threads = tch::get_num_threads(),
            "pre-training"
        );
        let mut model = init_model(&spec, device, config.seed)?;
        let options = config.options();

        let bar = tfbind_cli::bar(&cli.common, 0, "");
        let mut observer = tfbind_train::progress::bar_observer(&bar);
        let run = RunSpec {
            out: &cli.out,
            parameters,
            section: "pretrain",
            inputs,
            restart: cli.restart,
            eval_batch_size: cli.eval_batch_size,
            parent: None,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, &mut observer)
            .with_context(|| format!("cannot pre-train {}", cli.out.display()))?;
        bar.finish_and_clear();

        let state = &outcome.fit.state;
        let training = Training {
            architecture: spec.architecture,
            window_len: spec.window_len,
            tasks: spec.n_tasks,
            epochs_trained: state.epochs_done,
            best_epoch: outcome.fit.best_epoch(),
            best_valid_loss: state.best_valid_loss().unwrap_or(f64::NAN),
            stopped_early: outcome.fit.stopped_early,
            resumed_after: outcome.fit.resumed_after,
            seconds: outcome.seconds,
            test: summarize(&outcome.test),
            test_per_task: outcome
                .test
                .iter()
                .map(|t| TaskRow {
                    task: &t.task,
                    positives: t.metrics.positives,
                    negatives: t.metrics.negatives,
                    auroc: t.metrics.auroc,
                    auprc: t.metrics.average_precision,
                    auprc_trapezoid: t.metrics.auprc_trapezoid,
                    mcc: t.metrics.mcc,
                })
                .collect(),
        };
        tracing::info!(
            out = %cli.out.display(),
            seconds = format!("{:.1}", outcome.seconds),
            median_auroc = fmt_opt(training.test.median_auroc),
            "wrote model"
        );
        let text = human(&cli.out, &training, &outcome.test);
        let report = Report {
            out: &cli.out,
            up_to_date: false,
            training: Some(training),
        };
        cli.common.report(&report, text);
        Ok(())
    })
}
