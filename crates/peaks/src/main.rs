//! tfbind-peaks: per-TF peak files → a `regions` artifact (windows × TFs labels 1/0/NA).

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_peaks::{Assign, BuildInputs, BuildParams, ImportInputs, OffEnd, Outcome, Summary};

/// Make a `regions` artifact: fixed-width windows and a windows × TFs label matrix
/// (1 bound, 0 unbound, NA unknown), from peak files (`build`) or from a precomputed matrix
/// (`import`). The artifact directory holds windows.bed (BED4), tfs.txt,
/// labels.safetensors (`labels` int8 [windows, TFs], NA = -1), summary.json and manifest.toml.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-peaks", version, verbatim_doc_comment)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten, next_help_heading = "Common options")]
    common: CommonArgs,
}

#[derive(Subcommand)]
enum Command {
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
struct BuildArgs {
    /// Peak files, or directories of them (*.narrowPeak, *.broadPeak, *.bed, optionally .gz or
    /// .bgz, in name order). [config: peaks]
    #[arg(value_name = "PEAKS")]
    peaks: Vec<PathBuf>,
    /// A TSV of `TF<TAB>peak file` lines naming the TFs; relative paths are relative to the list's
    /// directory. Adds to PEAKS. [config: peak_list]
    #[arg(long, value_name = "TSV")]
    peak_list: Option<PathBuf>,
    /// Genome FASTA (plain or bgzip) or its .fai, for chromosome names and lengths; a missing
    /// .fai is built beside it. [config: genome]
    #[arg(long, value_name = "FASTA")]
    genome: Option<PathBuf>,
    /// Accessible regions (BED3+, e.g. DHS): one window centred on each. [config: regions]
    #[arg(long, value_name = "BED")]
    regions: Option<PathBuf>,
    /// Leave out windows overlapping these intervals (BED3+, e.g. the ENCODE blacklist).
    /// [config: blacklist]
    #[arg(long, value_name = "BED")]
    blacklist: Option<PathBuf>,
    /// Where to write the `regions` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config file: its [peaks] section sets the inputs and parameters named in
    /// [config: …]; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Window width in bp. [config: width; default: 200]
    #[arg(long, value_name = "BP")]
    width: Option<u64>,
    /// How peaks mark windows bound: summit, best or overlap (see above).
    /// [config: assign; default: summit]
    #[arg(long, value_name = "RULE", value_parser = Assign::NAMES.to_vec())]
    assign: Option<String>,
    /// With --assign overlap: the fraction of the window a peak must cover, in (0, 1].
    /// [config: min_overlap; default: 0.5]
    #[arg(long, value_name = "F")]
    min_overlap: Option<f64>,
    /// Without --regions: summits at most this far from a cluster's first summit share its window.
    /// [config: merge_distance; default: width / 2]
    #[arg(long, value_name = "BP")]
    merge_distance: Option<u64>,
    /// Windows running off a chromosome end: shift (move inside, keeping the width; dropped if the
    /// chromosome is shorter), clip (cut it short; tfbind-encode needs one width, so not for
    /// training sets), drop, or error. [config: off_end; default: shift]
    #[arg(long, value_name = "WHAT", value_parser = OffEnd::NAMES.to_vec())]
    off_end: Option<String>,
    /// Skip (and count) peak, region and blacklist lines on chromosomes the genome lacks instead
    /// of failing.
    /// [config: skip_unknown_chroms]
    #[arg(long)]
    skip_unknown_chroms: bool,
    /// Windows overlapping a peak of the TF without being bound are NA, not 0.
    /// [config: na_overlap]
    #[arg(long)]
    na_overlap: bool,
    /// A TF's windows on chromosomes where it has no peak are NA, not 0.
    /// [config: na_chroms_without_peaks]
    #[arg(long)]
    na_chroms_without_peaks: bool,
    /// Rebuild even if the artifact is up to date.
    #[arg(long)]
    force: bool,
}

/// Import a precomputed label matrix: a windows BED (BED4, named) and a labels TSV.
///
/// The TSV (plain or gzip) has a header `region<TAB>TF1<TAB>TF2…` and one row per window, in the
/// order of the BED, starting with the window's BED name; values are 1 (bound), 0 (unbound) or NA
/// (unknown). A row whose name differs from the BED's, a missing or extra row, and any other value
/// are errors naming the file and line. Windows and TFs keep their order.
#[derive(Args)]
#[command(verbatim_doc_comment)]
struct ImportArgs {
    /// Windows, BED4+ (chrom start end name), plain or gzip.
    #[arg(long, value_name = "BED")]
    windows: PathBuf,
    /// Labels TSV, plain or gzip.
    #[arg(long, value_name = "TSV")]
    labels: PathBuf,
    /// Genome FASTA or .fai: when given, every window must lie within its chromosomes.
    #[arg(long, value_name = "FASTA")]
    genome: Option<PathBuf>,
    /// Where to write the `regions` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Rebuild even if the artifact is up to date.
    #[arg(long)]
    force: bool,
}

/// The config's [peaks] section: input paths, then the rules (whose type refuses unknown keys).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Section {
    peaks: Vec<PathBuf>,
    peak_list: Option<PathBuf>,
    genome: Option<PathBuf>,
    regions: Option<PathBuf>,
    blacklist: Option<PathBuf>,
    #[serde(flatten)]
    params: toml::Table,
}

/// Resolves inputs and parameters: defaults, then the config's [peaks] section, then the flags.
fn resolve(args: &BuildArgs) -> anyhow::Result<(BuildInputs, BuildParams)> {
    let config = args.config.as_deref();
    let usage = |message: String| {
        UsageError(match config {
            Some(path) => format!("{}: in [peaks]: {message}", path.display()),
            None => message,
        })
    };
    let section: Section =
        tfbind_cli::load_section(config, "peaks").map_err(|e| UsageError(format!("{e:#}")))?;
    let mut params = BuildParams::deserialize(toml::Value::Table(section.params))
        .map_err(|e| usage(e.message().to_owned()))?;
    if let Some(width) = args.width {
        params.width = width;
    }
    if let Some(assign) = &args.assign {
        params.assign = assign.parse().map_err(UsageError)?;
    }
    if let Some(f) = args.min_overlap {
        params.min_overlap = f;
    }
    if let Some(d) = args.merge_distance {
        params.merge_distance = Some(d);
    }
    if let Some(off_end) = &args.off_end {
        params.off_end = off_end.parse().map_err(UsageError)?;
    }
    params.skip_unknown_chroms |= args.skip_unknown_chroms;
    params.na_overlap |= args.na_overlap;
    params.na_chroms_without_peaks |= args.na_chroms_without_peaks;
    params.validate().map_err(UsageError)?;

    let peak_paths = if args.peaks.is_empty() {
        &section.peaks
    } else {
        &args.peaks
    };
    let mut peaks = tfbind_peaks::from_paths(peak_paths)?;
    if let Some(list) = args.peak_list.as_ref().or(section.peak_list.as_ref()) {
        peaks.extend(tfbind_peaks::from_list(list)?);
    }
    if peaks.is_empty() {
        return Err(UsageError("no peak files: give PEAKS or --peak-list".into()).into());
    }
    let genome = args.genome.clone().or(section.genome).ok_or_else(|| {
        UsageError("no genome: give --genome FASTA (or its .fai) or `genome` in [peaks]".into())
    })?;
    let inputs = BuildInputs {
        peaks,
        genome,
        regions: args.regions.clone().or(section.regions),
        blacklist: args.blacklist.clone().or(section.blacklist),
    };
    Ok((inputs, params))
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a Path,
    up_to_date: bool,
    #[serde(flatten)]
    summary: &'a Summary,
}

fn report(common: &CommonArgs, outcome: &Outcome) {
    let out = outcome.out.display();
    let human = if outcome.up_to_date {
        tracing::info!(%out, "up to date: same inputs and parameters, nothing to do");
        format!(
            "{out} is up to date; nothing to do (--force rebuilds it)\n{}",
            outcome.summary
        )
    } else {
        format!("wrote {out}\n{}", outcome.summary)
    };
    let report = Report {
        out: &outcome.out,
        up_to_date: outcome.up_to_date,
        summary: &outcome.summary,
    };
    common.report(&report, human);
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let outcome = match &cli.command {
            Command::Build(args) => {
                let (inputs, params) = resolve(args)?;
                let bar = tfbind_cli::bar(&cli.common, inputs.peaks.len() as u64, "peak files");
                let outcome =
                    tfbind_peaks::run_build(&inputs, &params, &args.out, args.force, &|n| {
                        bar.inc(n)
                    })
                    .with_context(|| format!("cannot build {}", args.out.display()))?;
                bar.finish_and_clear();
                outcome
            }
            Command::Import(args) => {
                let inputs = ImportInputs {
                    windows: args.windows.clone(),
                    labels: args.labels.clone(),
                    genome: args.genome.clone(),
                };
                let spinner = tfbind_cli::spinner(&cli.common, "label rows");
                let outcome =
                    tfbind_peaks::run_import(&inputs, &args.out, args.force, &|n| spinner.inc(n))
                        .with_context(|| format!("cannot import into {}", args.out.display()))?;
                spinner.finish_and_clear();
                outcome
            }
        };
        report(&cli.common, &outcome);
        Ok(())
    })
}
