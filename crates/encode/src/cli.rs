//! The command line of tfbind-encode.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_encode::SplitMethod;

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
pub(crate) struct Cli {
    /// The `windows` artifact directory to encode.
    #[arg(long, value_name = "DIR")]
    pub(crate) windows: PathBuf,
    #[command(flatten)]
    pub(crate) flags: Flags,
    /// Keep windows containing N even if the config says drop_n = true.
    #[arg(long, conflicts_with = "drop_n")]
    pub(crate) keep_n: bool,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [encode] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Genome FASTA, plain or bgzip (not plain gzip). Its .fai (and .gzi) are built beside it when
    /// missing, or kept in memory when that directory is read-only. [config: genome]
    #[arg(long, value_name = "FASTA")]
    #[serde(skip_serializing_if = "Option::is_none")]
    genome: Option<PathBuf>,
    /// How to split: `chromosome` holds out --valid-chroms and --test-chroms, `random` cuts a seeded
    /// permutation by --valid-fraction and --test-fraction, `hashed` draws each window's split
    /// from its coordinates and the seed (with those fractions), so every dataset made with the
    /// seed agrees on it: fine-tuned models are then tested on windows pre-training never saw.
    /// [config: split; default: chromosome]
    #[arg(long, value_name = "METHOD", value_parser = choice::<SplitMethod>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<SplitMethod>,
    /// Chromosomes of the validation set, comma-separated (chromosome split). An empty value
    /// means no validation set. [config: valid_chroms; default: chr7]
    #[arg(long, value_name = "CHROMS", value_delimiter = ',', num_args = 0..)]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "non_empty")]
    valid_chroms: Option<Vec<String>>,
    /// Chromosomes of the test set, comma-separated (chromosome split). An empty value means no
    /// test set. [config: test_chroms; default: chr8,chr9]
    #[arg(long, value_name = "CHROMS", value_delimiter = ',', num_args = 0..)]
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "non_empty")]
    test_chroms: Option<Vec<String>>,
    /// Fraction of windows for validation (random and hashed splits). [config: valid_fraction; default: 0.1]
    #[arg(long, value_name = "F")]
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_fraction: Option<f64>,
    /// Fraction of windows for test (random and hashed splits). [config: test_fraction; default: 0.1]
    #[arg(long, value_name = "F")]
    #[serde(skip_serializing_if = "Option::is_none")]
    test_fraction: Option<f64>,
    /// Seed of the random and hashed splits. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    /// Leave out windows whose sequence contains N (their number is logged and in summary.json).
    /// [config: drop_n; default: keep them]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    drop_n: bool,
}

/// `--test-chroms ""` means no test set.
fn non_empty<S: serde::Serializer>(chroms: &Option<Vec<String>>, s: S) -> Result<S::Ok, S::Error> {
    let chroms = chroms
        .iter()
        .flatten()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty());
    s.collect_seq(chroms)
}
