//! The command line of tfbind-predict.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};
use serde::Serialize;
use tfbind_cli::CommonArgs;
use tfbind_model::DeviceChoice;

/// Predict per-task binding probabilities with a `model` artifact (tfbind-pretrain or
/// tfbind-finetune) for regions of a genome (--bed with --genome) or for sequences (--fasta).
///
/// Regions of the model's window length are predicted as they are; longer ones are tiled with
/// windows every --stride bases plus one flush with the region's end; shorter ones are an error.
///
/// --out is a TSV with a header, one row per window: chrom, start, end (BED coordinates; for
/// FASTA, the record name and offsets in it), name (the BED name, else chrom:start-end with the
/// BED start and end; the FASTA record name), then one probability per task in the model's
/// order. --bedgraph writes one task's probabilities as bedGraph, each window covering the bases
/// nearest its centre.
/// Outputs are written to a temporary file and renamed, so they are complete or absent; an
/// output is never one of the inputs or the other output.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-predict", version, verbatim_doc_comment)]
#[command(group(ArgGroup::new("input").required(true).args(["bed", "fasta"])))]
pub(crate) struct Cli {
    /// The `model` artifact directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) model: PathBuf,
    /// Regions to predict, BED3+ (plain or gzip); needs --genome.
    #[arg(long, value_name = "BED", requires = "genome")]
    pub(crate) bed: Option<PathBuf>,
    /// Genome FASTA (plain or bgzip) for --bed; .fai/.gzi are built beside it when missing.
    #[arg(long, value_name = "FASTA")]
    pub(crate) genome: Option<PathBuf>,
    /// Sequences to predict, FASTA (plain or gzip), instead of --bed.
    #[arg(long, value_name = "FASTA", conflicts_with = "genome")]
    pub(crate) fasta: Option<PathBuf>,
    /// The TSV of probabilities to write.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Also write this task's probabilities as bedGraph (needs --task).
    #[arg(long, value_name = "FILE", requires = "task")]
    pub(crate) bedgraph: Option<PathBuf>,
    /// The task (TF) of --bedgraph, as named in the model's tasks.txt.
    #[arg(long, value_name = "NAME", requires = "bedgraph")]
    pub(crate) task: Option<String>,
    /// Pipeline config file: its [predict] section sets the options marked [config: …]; flags
    /// override it.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) flags: Flags,
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub(crate) device: DeviceChoice,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// The flags that set [predict] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Bases between window starts in regions longer than the window.
    /// [config: stride; default: the window length]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    stride: Option<u64>,
    /// Average each window's probabilities with its reverse complement's.
    /// [config: rc_average; default: false]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rc_average: bool,
    /// Windows per forward pass. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    batch_size: Option<usize>,
}
