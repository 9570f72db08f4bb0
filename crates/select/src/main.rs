//! tfbind-select: write the TF list to pre-train on for a target TF.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use serde::Serialize;
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_select::{SelectParams, Selection, Strategy};

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
/// --include-target. The files are written atomically (temporary file, then rename).
#[derive(Parser)]
#[command(name = "tfbind-select", version, verbatim_doc_comment)]
struct Cli {
    /// The `regions` artifact directory (windows × TFs labels).
    #[arg(long, value_name = "DIR")]
    regions: PathBuf,
    /// Where to write the TF list; the scores go to <OUT>.scores.tsv.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Pipeline config file: its [select] section sets the parameters below (strategy, target,
    /// k, exclude_target, seed, min_bound, motifs); flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How to choose. [config: strategy; default: cobinding]
    #[arg(short, long, value_name = "NAME", value_parser = Strategy::NAMES)]
    strategy: Option<String>,
    /// The TF to choose pre-training TFs for (a name of the artifact's tfs.txt). Needed by
    /// cobinding, low-cobinding and motif. [config: target]
    #[arg(short, long, value_name = "TF")]
    target: Option<String>,
    /// How many TFs to choose (the N of "the N TFs with the fewest NA").
    /// [config: k; default: 50 for fewest-na, else 5]
    #[arg(short, value_name = "N")]
    k: Option<usize>,
    /// Leave the target out of the candidates (pre-training on it leaks its labels into the
    /// fine-tuning comparison). [config: exclude_target; default: on]
    #[arg(long, conflicts_with = "include_target")]
    exclude_target: bool,
    /// Let the target be chosen like any other TF.
    #[arg(long)]
    include_target: bool,
    /// Seed of the random strategy. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Only TFs with at least N bound windows are candidates; the others are reported as
    /// skipped. [config: min_bound; default: 0]
    #[arg(long, value_name = "N")]
    min_bound: Option<usize>,
    /// MEME motif file of the motif strategy.
    /// [config: motifs; default: data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme]
    #[arg(long, value_name = "FILE")]
    motifs: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

/// Resolves the parameters: defaults, then the config's [select] section, then the flags.
fn resolve(cli: &Cli) -> anyhow::Result<SelectParams> {
    let mut p: SelectParams = tfbind_cli::load_section(cli.config.as_deref(), "select")
        .map_err(|e| UsageError(format!("{e:#}")))?;
    if let Some(s) = &cli.strategy {
        p.strategy = s.parse().map_err(UsageError)?;
    }
    if let Some(t) = &cli.target {
        p.target = Some(t.clone());
    }
    if cli.k.is_some() {
        p.k = cli.k;
    }
    if cli.exclude_target {
        p.exclude_target = true;
    }
    if cli.include_target {
        p.exclude_target = false;
    }
    if let Some(seed) = cli.seed {
        p.seed = seed;
    }
    if let Some(n) = cli.min_bound {
        p.min_bound = n;
    }
    if let Some(m) = &cli.motifs {
        p.motifs = m.clone();
    }
    Ok(p)
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a Path,
    scores: &'a Path,
    #[serde(flatten)]
    selection: &'a Selection,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let params = resolve(&cli)?;
        let selection = tfbind_select::run(&cli.regions, &params).map_err(|e| {
            if e.is_usage() {
                anyhow::Error::new(UsageError(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
        let scores = tfbind_select::write_outputs(&selection, &cli.out)
            .with_context(|| format!("cannot write the TF list {}", cli.out.display()))?;
        let report = Report {
            out: &cli.out,
            scores: &scores,
            selection: &selection,
        };
        let human = format!(
            "{selection}wrote {} and {}",
            cli.out.display(),
            scores.display()
        );
        cli.common.report(&report, human);
        Ok(())
    })
}
