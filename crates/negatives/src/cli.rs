//! The command line of tfbind-negatives.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_negatives::params::SplitName;
use tfbind_negatives::Strategy;

/// Choose the labelled windows of a dataset from a regions artifact: one TF's positives with
/// GC-matched, random or dinucleotide-shuffled negatives (single-task), or several TFs' labels
/// with NA kept as a mask (multi-task). Writes a `windows` artifact for tfbind-encode.
///
/// The artifact holds windows.bed, labels.safetensors, tasks.txt, gc.tsv (GC histogram of
/// positives and negatives per task), summary.json (this run's report) and, for
/// dinucleotide-shuffle, synthetic.safetensors. Rerunning with the same inputs and parameters
/// does nothing unless --force. Exit status: 0 ok, 1 data error, 2 usage error.
///
/// Examples:
///   # NRF1 against GC-matched unbound windows, 1:1
///   tfbind-negatives --regions regions --genome hg38.fa.gz --tf NRF1 --out nrf1.windows
///   # 500 positives, GC-stratified, without the pre-training train and validation windows
///   tfbind-negatives --regions regions --genome hg38.fa.gz --tf JUND --max-positives 500 \
///       --exclude pretrain.dataset --out jund-500.windows
///   # the 50 TFs with the fewest NA, for multi-task pre-training
///   tfbind-negatives --regions regions --genome hg38.fa.gz --fewest-na 50 --out multi.windows
#[derive(Parser)]
#[command(name = "tfbind-negatives", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The regions artifact (windows × TFs labels, from tfbind-peaks).
    #[arg(long, value_name = "DIR")]
    pub(crate) regions: PathBuf,
    /// The genome FASTA the regions are on, plain or bgzip; .fai/.gzi are built when missing.
    #[arg(long, value_name = "FASTA")]
    pub(crate) genome: PathBuf,
    /// Multi-task: the TFs of a list file, one per line (as tfbind-select writes it).
    #[arg(long, value_name = "FILE", group = "task", help_heading = "Task")]
    pub(crate) tf_list: Option<PathBuf>,
    /// Leave out windows (same coordinates) of this regions, windows or dataset artifact;
    /// repeatable.
    #[arg(long, value_name = "DIR", help_heading = "Windows")]
    pub(crate) exclude: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) flags: Flags,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [negatives] keys of the same name; a task flag (--tf, --tfs, --tf-list,
/// --fewest-na) replaces the config's task, whichever key that used.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Single-task: the target TF.
    #[arg(long, value_name = "NAME", group = "task", help_heading = "Task")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf: Option<String>,
    /// Multi-task: these TFs (comma-separated), NA kept as a mask.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        group = "task",
        help_heading = "Task"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tfs: Option<Vec<String>>,
    /// Multi-task: the N TFs with the fewest NA labels (ties by name).
    #[arg(long, value_name = "N", group = "task", help_heading = "Task")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fewest_na: Option<usize>,
    /// How negatives are chosen: gc-matched (unbound windows matching the positives' GC
    /// histogram, and within each bin their GC to a tenth of the bin), random (unbound windows),
    /// dinucleotide-shuffle (the positives shuffled, dinucleotide counts kept) [default: gc-matched].
    #[arg(long, value_name = "STRATEGY", value_parser = choice::<Strategy>(), help_heading = "Single-task")]
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<Strategy>,
    /// Negatives per positive [default: 1].
    #[arg(long, value_name = "R", help_heading = "Single-task")]
    #[serde(skip_serializing_if = "Option::is_none")]
    ratio: Option<f64>,
    /// Subsample the positives to at most N, stratified by GC.
    #[arg(long, value_name = "N", help_heading = "Single-task")]
    #[serde(skip_serializing_if = "Option::is_none")]
    max_positives: Option<usize>,
    /// With too few unbound windows for the ratio, keep them all instead of failing.
    #[arg(long, help_heading = "Single-task")]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    allow_fewer: bool,
    /// GC bins over [0, 1] for matching, subsampling and the report [default: 10].
    #[arg(long, value_name = "B", help_heading = "Windows")]
    #[serde(skip_serializing_if = "Option::is_none")]
    gc_bins: Option<usize>,
    /// Drop windows whose fraction of N bases exceeds F [default: 0.1].
    #[arg(long, value_name = "F", help_heading = "Windows")]
    #[serde(skip_serializing_if = "Option::is_none")]
    max_n_fraction: Option<f64>,
    /// Splits of an excluded dataset artifact to leave out (comma-separated: train, valid,
    /// test) [default: train,valid].
    #[arg(long, value_name = "SPLITS", value_delimiter = ',', value_parser = choice::<SplitName>(), help_heading = "Windows")]
    #[serde(skip_serializing_if = "Option::is_none")]
    exclude_splits: Option<Vec<SplitName>>,
    /// Seed of every random draw [default: 0].
    #[arg(long, value_name = "N", help_heading = "Windows")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
}
