//! The command line of tfbind-peaks.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_peaks::{Assign, OffEnd};

/// Make a `regions` artifact: fixed-width windows and a windows × TFs label matrix
/// (1 bound, 0 unbound, NA unknown), from peak files (`build`) or from a precomputed matrix
/// (`import`). The artifact directory holds windows.bed (BED4), tfs.txt,
/// labels.safetensors (`labels` int8 [windows, TFs], NA = -1), summary.json and manifest.toml.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-peaks", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    Build(BuildArgs),
    Import(ImportArgs),
}

/// Build windows and their labels from per-TF peak files.
///
/// Peaks: narrowPeak (summit = start + field 10, -1 = none) or BED3+ (summit = midpoint), plain,
/// gzip or bgzip (told apart by content). The TF is the file name without its suffixes
/// (JUND.narrowPeak.gz → JUND) or the name given in --peak-list. A peak file without peaks is
/// allowed (an experiment can find none): its TF is bound nowhere.
///
/// Windows: --width bp, centred on the midpoint of each --regions interval (e.g. DHS clusters, as
/// Novakovsky et al. 2021) and named by the region's BED name; without --regions, centred on the
/// summits of all TFs pooled, summits within --merge-distance of a cluster's first sharing one
/// window, named chrom:start-end (BED start and end). Windows are sorted in genome order, a window with the
/// coordinates of an earlier one is dropped, windows overlapping --blacklist are dropped, and
/// windows running off a chromosome end follow --off-end.
///
/// Labels, per TF and window:
///   --assign summit   1 if a summit of the TF lies in the window (default). Where windows
///                     overlap, one summit can mark several windows.
///   --assign best     each peak marks one window: of those holding its summit, the one whose
///                     centre is nearest the summit; ties go to the larger overlap with the
///                     peak, then to the first window in genome order.
///   --assign overlap  1 if one peak of the TF covers at least --min-overlap of the window.
/// Every window not bound is 0 (unbound), except:
///   --na-overlap               windows overlapping a peak of the TF without being bound
///                              by the rule are NA (ambiguous, left out of training losses);
///   --na-chroms-without-peaks  a TF's windows on chromosomes where it has no peak at all are
///                              NA: use it when peak files cover only some chromosomes.
/// The rules are recorded in the manifest.
///
/// Checks: a peak, region or blacklist line on a chromosome the genome lacks is an error naming
/// its file and line (--skip-unknown-chroms skips them, with a warning and the count), and a file
/// none of whose lines is on a chromosome of the genome always is (`1` against `chr1`); so is a
/// line past a chromosome's end (another assembly?), a malformed or short line, start > end, a
/// summit outside its peak, a truncated gzip, and two peak files for one TF.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    pub(crate) flags: BuildFlags,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [peaks] keys of the same name.
#[derive(Args, Serialize)]
pub(crate) struct BuildFlags {
    /// Peak files, or directories of them (*.narrowPeak, *.broadPeak, *.bed, optionally .gz or
    /// .bgz, in name order). [config: peaks]
    #[arg(value_name = "PEAKS")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    peaks: Vec<PathBuf>,
    /// A TSV of `TF<TAB>peak file` lines naming the TFs; relative paths are relative to the list's
    /// directory. Adds to PEAKS. [config: peak_list]
    #[arg(long, value_name = "TSV")]
    #[serde(skip_serializing_if = "Option::is_none")]
    peak_list: Option<PathBuf>,
    /// Genome FASTA (plain or bgzip) or its .fai, for chromosome names and lengths; a missing
    /// .fai is built beside it. [config: genome]
    #[arg(long, value_name = "FASTA")]
    #[serde(skip_serializing_if = "Option::is_none")]
    genome: Option<PathBuf>,
    /// Accessible regions (BED3+, e.g. DHS): one window centred on each. [config: regions]
    #[arg(long, value_name = "BED")]
    #[serde(skip_serializing_if = "Option::is_none")]
    regions: Option<PathBuf>,
    /// Leave out windows overlapping these intervals (BED3+, e.g. the ENCODE blacklist).
    /// [config: blacklist]
    #[arg(long, value_name = "BED")]
    #[serde(skip_serializing_if = "Option::is_none")]
    blacklist: Option<PathBuf>,
    /// Window width in bp. [config: width; default: 200]
    #[arg(long, value_name = "BP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u64>,
    /// How peaks mark windows bound: summit, best or overlap (see above).
    /// [config: assign; default: summit]
    #[arg(long, value_name = "RULE", value_parser = choice::<Assign>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    assign: Option<Assign>,
    /// With --assign overlap: the fraction of the window a peak must cover, in (0, 1].
    /// [config: min_overlap; default: 0.5]
    #[arg(long, value_name = "F")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_overlap: Option<f64>,
    /// Without --regions: summits at most this far from a cluster's first summit share its window.
    /// [config: merge_distance; default: width / 2]
    #[arg(long, value_name = "BP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    merge_distance: Option<u64>,
    /// Windows running off a chromosome end: shift (move inside, keeping the width; dropped if the
    /// chromosome is shorter), clip (cut it short; tfbind-encode needs one width, so not for
    /// training sets), drop, or error. [config: off_end; default: shift]
    #[arg(long, value_name = "WHAT", value_parser = choice::<OffEnd>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    off_end: Option<OffEnd>,
    /// Skip (and count) peak, region and blacklist lines on chromosomes the genome lacks instead
    /// of failing.
    /// [config: skip_unknown_chroms]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skip_unknown_chroms: bool,
    /// Windows overlapping a peak of the TF without being bound are NA, not 0.
    /// [config: na_overlap]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    na_overlap: bool,
    /// A TF's windows on chromosomes where it has no peak are NA, not 0.
    /// [config: na_chroms_without_peaks]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    na_chroms_without_peaks: bool,
}

/// Import a precomputed label matrix: a windows BED (BED4, named) and a labels TSV.
///
/// The TSV (plain or gzip) has a header `region<TAB>TF1<TAB>TF2…` and one row per window, in the
/// order of the BED, starting with the window's BED name; values are 1 (bound), 0 (unbound) or NA
/// (unknown). A row whose name differs from the BED's, a missing or extra row, and any other value
/// are errors naming the file and line. Windows and TFs keep their order. Of the config's [peaks]
/// section, only `genome` applies to import.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ImportArgs {
    /// Windows, BED4+ (chrom start end name), plain or gzip.
    #[arg(long, value_name = "BED")]
    pub(crate) windows: PathBuf,
    /// Labels TSV, plain or gzip.
    #[arg(long, value_name = "TSV")]
    pub(crate) labels: PathBuf,
    #[command(flatten)]
    pub(crate) flags: ImportFlags,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

#[derive(Args, Serialize)]
pub(crate) struct ImportFlags {
    /// Genome FASTA or .fai: when given, every window must lie within its chromosomes.
    /// [config: genome]
    #[arg(long, value_name = "FASTA")]
    #[serde(skip_serializing_if = "Option::is_none")]
    genome: Option<PathBuf>,
}
