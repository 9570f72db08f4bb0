//! The command line of tfbind-select.

use std::path::{Path, PathBuf};

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, CommonArgs};
use tfbind_select::{Selection, Strategy};

/// Choose the TFs to pre-train on for a target TF, from the label matrix of a `regions`
/// artifact (tfbind-peaks), and write them as a TF list: one name per line, best first, the
/// format tfbind-negatives and tfbind-pretrain take. The chosen TFs and their scores are
/// printed (a table, or JSON with --json) and stored beside the list as <OUT>.scores.tsv.
///
/// Strategies:
///   cobinding      the k TFs whose binding is most similar to the target's: cosine of the
///                  0/1 labels over the windows labelled (not NA) for both; the paper's
///                  cofactor sets
///   low-cobinding  the k least similar by the same cosine (consider --min-bound: rarely bound
///                  TFs have a cosine near 0 with anything)
///   motif          the k TFs whose JASPAR motifs are most similar to the target's: smallest
///                  Tomtom p-value between any motif of the target and any of the TF, the whole
///                  motif file as database. TFs map to motifs by name, case-insensitively, also
///                  through dimers (MAX::MYC is a motif of MAX and of MYC); only the latest
///                  version of a matrix ID counts. TFs without a motif are reported and skipped.
///   random         k TFs drawn with --seed (the same seed and target give the same list)
///   fewest-na      the k TFs with the fewest NA windows (the paper's 50-TF multi-task model;
///                  the target is optional, and left out when given)
///
/// Ties are broken by TF name. The target is never among the candidates unless
/// --include-target. Both files are written under temporary names and renamed into place once
/// both are whole, so a failed run leaves neither.
#[derive(Parser)]
#[command(name = "tfbind-select", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The `regions` artifact directory (windows × TFs labels).
    #[arg(long, value_name = "DIR")]
    pub(crate) regions: PathBuf,
    /// Where to write the TF list; the scores go to <OUT>.scores.tsv. Neither may be an input.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: PathBuf,
    /// Pipeline config file: its [select] section sets the options marked [config: …]; flags
    /// override it.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) flags: Flags,
    /// Let the target be chosen like any other TF.
    #[arg(long, conflicts_with = "exclude_target")]
    pub(crate) include_target: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// The flags that set [select] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// How to choose. [config: strategy; default: cobinding]
    #[arg(short, long, value_name = "NAME", value_parser = choice::<Strategy>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<Strategy>,
    /// The TF to choose pre-training TFs for (a name of the artifact's tfs.txt). Needed by
    /// cobinding, low-cobinding and motif. [config: target]
    #[arg(short, long, value_name = "TF")]
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    /// How many TFs to choose (the N of "the N TFs with the fewest NA").
    /// [config: k; default: 50 for fewest-na, else 5]
    #[arg(short, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<usize>,
    /// Leave the target out of the candidates (pre-training on it leaks its labels into the
    /// fine-tuning comparison). [config: exclude_target; default: on]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    exclude_target: bool,
    /// Seed of the random strategy. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    /// Only TFs with at least N bound windows are candidates; the others are reported as
    /// skipped. [config: min_bound; default: 0]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_bound: Option<usize>,
    /// MEME motif file of the motif strategy.
    /// [config: motifs; default: $TFBIND_JASPAR, else
    /// data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme of the tfbind tree holding this
    /// binary, else of the working directory]
    #[arg(long, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    motifs: Option<PathBuf>,
}

#[derive(Serialize)]
pub(crate) struct Report<'a> {
    pub(crate) out: &'a Path,
    pub(crate) scores: &'a Path,
    #[serde(flatten)]
    pub(crate) selection: &'a Selection,
}
