//! tfbind-pretrain: train a multi-task model on a `dataset` artifact and write a `model` artifact.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use serde::{Deserialize, Serialize};
use tfbind_artifact::{input_artifact, to_table, Artifact};
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_dataset::{Dataset, DATASET};
use tfbind_model::{Architecture, ModelSpec};
use tfbind_train::stage::{
    fmt_metric, MetricsRow, Report, RunSummary, Stage, TrainArgs, TrainSection,
};
use tfbind_train::{init_model, summarize, train_and_write, MetricSummary, RunSpec, TrainOptions};

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
    #[command(flatten)]
    train: TrainArgs<Pretrain>,
    #[command(flatten)]
    common: CommonArgs,
}

/// tfbind-pretrain, with the paper's pre-training defaults.
struct Pretrain;

impl Stage for Pretrain {
    fn defaults() -> TrainOptions {
        TrainOptions::pretraining()
    }
    const SEEDED_WEIGHTS: &'static str = "initial weights";
    const EVAL_BATCH_SIZE: usize = 100;
    const EVAL_BATCH_SIZE_NOTE: &'static str =
        " (100 runs fastest on CPU; larger batches fall out of cache)";
}

/// The [pretrain] section of a pipeline config; also the parameters recorded in the artifact.
#[derive(Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PretrainConfig {
    architecture: Architecture,
    #[serde(flatten)]
    train: TrainSection,
}

/// Defaults, then the config's [pretrain] section, then the flags; and the options they give.
fn resolve(cli: &Cli) -> anyhow::Result<(PretrainConfig, TrainOptions)> {
    let mut config: PretrainConfig = tfbind_cli::load_params(cli.config.as_deref(), "pretrain")?;
    config.architecture = cli.architecture.unwrap_or(config.architecture);
    config.train = cli.train.over(config.train);
    let options = config
        .train
        .resolve(Pretrain::defaults())
        .map_err(|e| UsageError(e.to_string()))?;
    Ok((config, options))
}

#[derive(Serialize)]
struct Training<'a> {
    architecture: Architecture,
    window_len: usize,
    tasks: usize,
    #[serde(flatten)]
    run: RunSummary,
    test: MetricSummary,
    test_per_task: Vec<TaskRow<'a>>,
}

#[derive(Serialize)]
struct TaskRow<'a> {
    task: &'a str,
    #[serde(flatten)]
    metrics: MetricsRow,
}

fn human(out: &Path, t: &Training) -> String {
    let mut s = format!(
        "{}: {} on {} bp windows, {} tasks; {}\n",
        out.display(),
        t.architecture,
        t.window_len,
        t.tasks,
        t.run
    );
    s += &format!(
        "test: median AUROC {}, AUPRC {} (trapezoid {}), MCC {} over {} tasks\n",
        fmt_metric(t.test.median_auroc),
        fmt_metric(t.test.median_auprc),
        fmt_metric(t.test.median_auprc_trapezoid),
        fmt_metric(t.test.median_mcc),
        t.test.tasks
    );
    s += "task\tpositives\tnegatives\tauroc\tauprc\tmcc\n";
    for row in &t.test_per_task {
        let m = &row.metrics;
        s += &format!(
            "{}\t{}\t{}\t{}\t{}\t{:.3}\n",
            row.task,
            m.positives,
            m.negatives,
            fmt_metric(m.auroc),
            fmt_metric(m.auprc),
            m.mcc
        );
    }
    s
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_model::set_threads(cli.common.threads());
    tfbind_cli::run(|| {
        let (config, options) = resolve(&cli)?;
        let parameters = to_table(&config)?;
        let dataset_artifact = Artifact::open(&cli.dataset, DATASET)
            .with_context(|| format!("cannot open the dataset {}", cli.dataset.display()))?;
        let inputs = vec![input_artifact(&dataset_artifact)];
        if cli.train.up_to_date(&cli.out, &parameters, &inputs) {
            let (report, text) = Report::<Training>::up_to_date(&cli.out);
            cli.common.report(&report, text);
            return Ok(());
        }

        let data = Dataset::read(&dataset_artifact)
            .with_context(|| format!("cannot read the dataset {}", cli.dataset.display()))?;
        let spec = ModelSpec::new(config.architecture, data.seq_len, data.labels.n_cols())
            .map_err(|e| UsageError(e.to_string()))?;
        let device = cli.train.device.resolve()?;
        tracing::info!(
            architecture = %spec.architecture,
            window_len = spec.window_len,
            tasks = spec.n_tasks,
            windows = data.len(),
            ?device,
            threads = tch::get_num_threads(),
            "pre-training"
        );
        let mut model = init_model(&spec, device, options.seed)?;

        let bar = tfbind_cli::bar(&cli.common, 0, "");
        let mut observer = tfbind_train::progress::bar_observer(&bar);
        let run = RunSpec {
            out: &cli.out,
            parameters,
            section: "pretrain",
            inputs,
            restart: cli.train.restart,
            eval_batch_size: cli.train.eval_batch_size,
            parent: None,
        };
        let outcome = train_and_write(&mut model, &data, &options, run, &mut observer)
            .with_context(|| format!("cannot pre-train {}", cli.out.display()))?;
        bar.finish_and_clear();

        let training = Training {
            architecture: spec.architecture,
            window_len: spec.window_len,
            tasks: spec.n_tasks,
            run: RunSummary::from(&outcome),
            test: summarize(&outcome.test),
            test_per_task: outcome
                .test
                .iter()
                .map(|t| TaskRow {
                    task: &t.task,
                    metrics: MetricsRow::from(&t.metrics),
                })
                .collect(),
        };
        tracing::info!(
            out = %cli.out.display(),
            seconds = format!("{:.1}", outcome.seconds),
            median_auroc = fmt_metric(training.test.median_auroc),
            "wrote model"
        );
        let text = human(&cli.out, &training);
        cli.common
            .report(&Report::trained(&cli.out, training), text);
        Ok(())
    })
}
