//! tfbind-tomtom: compare query motifs with a motif database, as MEME's Tomtom does.

use std::{
    io::{self, BufWriter, Write},
    path::PathBuf,
    process::ExitCode,
    time::Instant,
};

use anyhow::Context;
use clap::{Parser, ValueEnum};
use serde::Serialize;
use tfbind_cli::{AtomicFile, CommonArgs, UsageError};
use tfbind_motifs::{read_meme, tomtom, write_tsv, Distance, Options, Threshold};

/// Compare the motifs of QUERY with those of TARGET (MEME format) and write the significant
/// matches as Tomtom's tab-separated table: Query_ID, Target_ID, Optimal_offset, p-value, E-value,
/// q-value, Overlap, Query_consensus, Target_consensus, Orientation. Each query is aligned with
/// each target (and its reverse complement) at every offset; p-values come from the exact null
/// distribution of the best alignment score, built from the TARGET columns, so use a whole
/// database (e.g. data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme) as TARGET.
#[derive(Debug, Parser)]
#[command(
    version,
    max_term_width = 100,
    after_help = "Example: tfbind-tomtom filters.meme \
                  data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme -o matches.tsv\n\n\
                  Exit status: 0 success, 1 bad data or I/O error, 2 bad usage."
)]
struct Cli {
    /// Query motifs (MEME format).
    query: PathBuf,
    /// Target motif database (MEME format).
    target: PathBuf,
    /// Write the table here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Column similarity: Pearson correlation (Tomtom's default) or Euclidean distance (memelite's).
    #[arg(long, value_enum, default_value_t = Dist::Pearson)]
    dist: Dist,
    /// Only alignments overlapping by at least N columns (or the whole shorter motif).
    #[arg(long, value_name = "N", default_value_t = 1)]
    min_overlap: usize,
    /// Report matches with q-value (with --evalue: E-value) at most this.
    #[arg(long, value_name = "X", default_value_t = 0.5)]
    thresh: f64,
    /// Apply --thresh to E-values instead of q-values.
    #[arg(long)]
    evalue: bool,
    /// Do not align queries with the reverse complements of the targets.
    #[arg(long)]
    norc: bool,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Dist {
    /// Pearson correlation coefficient of the columns.
    Pearson,
    /// Euclidean distance between the columns.
    Ed,
}

#[derive(Serialize)]
struct Summary {
    queries: usize,
    targets: usize,
    matches: usize,
    output: Option<PathBuf>,
    seconds: f64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| run(&cli))
}

fn run(cli: &Cli) -> anyhow::Result<()> {
    if cli.min_overlap == 0 {
        return Err(UsageError("--min-overlap must be at least 1".to_string()).into());
    }
    if cli.thresh.is_nan() || cli.thresh < 0.0 {
        return Err(UsageError(format!("--thresh {} must be a number ≥ 0", cli.thresh)).into());
    }
    if cli.common.json && cli.output.is_none() {
        return Err(UsageError(
            "--json prints a summary on standard output; give the table a file with -o".to_string(),
        )
        .into());
    }
    let start = Instant::now();
    let queries = read_meme(&cli.query).context("reading the queries")?;
    // All against all (a database against itself) reads the file once.
    let targets = if cli.target == cli.query {
        queries.clone()
    } else {
        read_meme(&cli.target).context("reading the targets")?
    };
    tracing::debug!("read the motifs in {:.3} s", start.elapsed().as_secs_f64());
    let options = Options {
        distance: match cli.dist {
            Dist::Pearson => Distance::Pearson,
            Dist::Ed => Distance::Euclidean,
        },
        min_overlap: cli.min_overlap,
        reverse_complement: !cli.norc,
        threshold: if cli.evalue {
            Threshold::EValue(cli.thresh)
        } else {
            Threshold::QValue(cli.thresh)
        },
        ..Options::default()
    };
    let compared = Instant::now();
    let matches = tomtom(&queries, &targets, &options)?;
    tracing::debug!("compared in {:.3} s", compared.elapsed().as_secs_f64());
    let written = Instant::now();

    match &cli.output {
        Some(path) => {
            // Under a temporary name until complete, so a failed or killed run leaves no
            // half-written table.
            let mut out = AtomicFile::create(path)?;
            write_tsv(&mut out.writer, &matches, &queries, &targets)
                .with_context(|| format!("writing {}", path.display()))?;
            out.commit()?;
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write_tsv(&mut out, &matches, &queries, &targets)
                .and_then(|()| out.flush())
                .context("writing the table to standard output")?;
        }
    }

    tracing::debug!(
        "wrote the table in {:.3} s",
        written.elapsed().as_secs_f64()
    );
    let summary = Summary {
        queries: queries.len(),
        targets: targets.len(),
        matches: matches.len(),
        output: cli.output.clone(),
        seconds: start.elapsed().as_secs_f64(),
    };
    let human = format!(
        "{} queries × {} targets: {} matches in {:.2} s",
        summary.queries, summary.targets, summary.matches, summary.seconds
    );
    // With the table on standard output, the summary goes to the log (stderr) instead.
    if cli.output.is_some() {
        cli.common.report(&summary, human);
    } else {
        tracing::info!("{human}");
    }
    Ok(())
}
