//! tfbind-encode: fetch and encode the windows of a `windows` artifact into a `dataset` artifact.

#[cfg(target_os = "linux")]
mod huge_pages;

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use clap::Parser;
use serde::Serialize;
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_encode::{EncodeParams, SplitMethod, Summary};

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: huge_pages::HugePages = huge_pages::HugePages;

/// Encode the windows of a `windows` artifact (tfbind-negatives) as uint8 sequence codes
/// (A C G T N = 0 1 2 3 4; lowercase folded, other IUPAC letters → N) read from a genome, with their
/// labels and a train/valid/test split, into a `dataset` artifact: dataset.safetensors
/// (`sequences` uint8 [N, L], `labels` int8 [N, T] 1/0/-1, `split` uint8 [N] 0 train / 1 valid /
/// 2 test), windows.bed, tasks.txt, summary.json.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
///
/// Examples:
///   tfbind-encode --windows multi.windows --genome hg38.fa.gz --out multi.dataset
///   tfbind-encode --windows jund.windows --genome hg38.fa.gz --out jund.dataset \
///       --split random --seed 1 --drop-n
#[derive(Parser)]
#[command(name = "tfbind-encode", version, verbatim_doc_comment)]
struct Cli {
    /// The `windows` artifact directory to encode.
    #[arg(long, value_name = "DIR")]
    windows: PathBuf,
    /// Genome FASTA, plain or bgzip (not plain gzip). Its .fai (and .gzi) are built beside it when
    /// missing, or kept in memory when that directory is read-only. [config: genome]
    #[arg(long, value_name = "FASTA")]
    genome: Option<PathBuf>,
    /// Where to write the `dataset` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config file: its [encode] section sets `genome` and the parameters below; flags
    /// override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How to split: `chromosome` holds out --valid-chroms and --test-chroms, `random` cuts a seeded
    /// permutation by --valid-fraction and --test-fraction, `hashed` draws each window's split
    /// from its coordinates and the seed (with those fractions), so every dataset made with the
    /// seed agrees on it: fine-tuned models are then tested on windows pre-training never saw.
    /// [config: split; default: chromosome]
    #[arg(long, value_name = "METHOD", value_parser = SplitMethod::NAMES)]
    split: Option<String>,
    /// Chromosomes of the validation set, comma-separated (chromosome split). An empty value
    /// means no validation set. [config: valid_chroms; default: chr7]
    #[arg(long, value_name = "CHROMS", value_delimiter = ',', num_args = 0..)]
    valid_chroms: Option<Vec<String>>,
    /// Chromosomes of the test set, comma-separated (chromosome split). An empty value means no
    /// test set. [config: test_chroms; default: chr8,chr9]
    #[arg(long, value_name = "CHROMS", value_delimiter = ',', num_args = 0..)]
    test_chroms: Option<Vec<String>>,
    /// Fraction of windows for validation (random and hashed splits). [config: valid_fraction; default: 0.1]
    #[arg(long, value_name = "F")]
    valid_fraction: Option<f64>,
    /// Fraction of windows for test (random and hashed splits). [config: test_fraction; default: 0.1]
    #[arg(long, value_name = "F")]
    test_fraction: Option<f64>,
    /// Seed of the random and hashed splits. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Leave out windows whose sequence contains N (their number is logged and in summary.json).
    /// [config: drop_n; default: keep them]
    #[arg(long, conflicts_with = "keep_n")]
    drop_n: bool,
    /// Keep windows containing N even if the config says drop_n = true.
    #[arg(long)]
    keep_n: bool,
    /// Rebuild the dataset even if it is up to date.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// Resolves the parameters: defaults, then the config's [encode] section, then the flags.
fn resolve(cli: &Cli) -> anyhow::Result<(PathBuf, EncodeParams)> {
    let (config_genome, mut params): (_, EncodeParams) =
        tfbind_cli::load_params_and_path(cli.config.as_deref(), "encode", "genome")?;
    if let Some(split) = &cli.split {
        params.split = split.parse().map_err(UsageError)?;
    }
    if let Some(chroms) = &cli.valid_chroms {
        params.valid_chroms = non_empty(chroms);
    }
    if let Some(chroms) = &cli.test_chroms {
        params.test_chroms = non_empty(chroms);
    }
    if let Some(f) = cli.valid_fraction {
        params.valid_fraction = f;
    }
    if let Some(f) = cli.test_fraction {
        params.test_fraction = f;
    }
    if let Some(seed) = cli.seed {
        params.seed = seed;
    }
    if cli.drop_n {
        params.drop_n = true;
    }
    if cli.keep_n {
        params.drop_n = false;
    }
    params.validate().map_err(UsageError)?;
    let genome = cli.genome.clone().or(config_genome).ok_or_else(|| {
        UsageError("no genome: give --genome FASTA or `genome` in the config's [encode]".into())
    })?;
    Ok((genome, params))
}

/// `--test-chroms ""` means no test set.
fn non_empty(chroms: &[String]) -> Vec<String> {
    chroms
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a std::path::Path,
    up_to_date: bool,
    #[serde(flatten)]
    summary: &'a Summary,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let (genome, params) = resolve(&cli)?;
        let bar = tfbind_cli::bar(&cli.common, 0, "encode");
        let started = std::time::Instant::now();
        let outcome = tfbind_encode::run(
            &cli.windows,
            &genome,
            &cli.out,
            &params,
            cli.force,
            &|n| {
                tracing::info!(
                    windows = n,
                    genome = %genome.display(),
                    split = %params.split,
                    "encoding"
                );
                bar.set_length(n as u64);
            },
            &|n| bar.inc(n as u64),
        )
        .with_context(|| format!("cannot build the dataset {}", cli.out.display()))?;
        bar.finish_and_clear();
        let s = &outcome.summary;
        let human = if outcome.up_to_date {
            tracing::info!(out = %outcome.out.display(), "up to date: same inputs and parameters");
            format!(
                "{} is up to date ({} windows); nothing to do (--force rebuilds it)",
                outcome.out.display(),
                s.windows
            )
        } else {
            tracing::info!(
                out = %outcome.out.display(),
                seconds = format!("{:.2}", started.elapsed().as_secs_f64()),
                "wrote dataset"
            );
            let n_note = match (s.with_n, s.dropped_n) {
                (0, _) => String::new(),
                (n, 0) => format!("; {n} contain N (kept)"),
                (_, d) => format!("; {d} containing N dropped"),
            };
            format!(
                "{}: {} windows of {} bp, {} tasks; train {}, valid {}, test {}{}",
                outcome.out.display(),
                s.windows,
                s.seq_len,
                s.tasks,
                s.train,
                s.valid,
                s.test,
                n_note
            )
        };
        let report = Report {
            out: &outcome.out,
            up_to_date: outcome.up_to_date,
            summary: s,
        };
        cli.common.report(&report, human);
        Ok(())
    })
}
