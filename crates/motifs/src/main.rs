//! tfbind-tomtom: compare query motifs with a motif database, as MEME's Tomtom does.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, AtomicFile, CommonArgs, UsageError};
use tfbind_motifs::{Comparison, Counts, Distance, Options, Threshold};

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
    /// Write the table here instead of standard output (under a temporary name until complete;
    /// never over QUERY or TARGET).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Column similarity: pearson (Pearson correlation, Tomtom's default) or ed (euclidean in
    /// config files: Euclidean distance, memelite's score).
    #[arg(long, value_name = "SCORE", default_value = "pearson", value_parser = choice::<Distance>())]
    dist: Distance,
    /// Only alignments overlapping by at least N columns (or the whole shorter motif).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = at_least(1usize))]
    min_overlap: usize,
    /// Report matches with q-value (with --evalue: E-value) at most this.
    #[arg(long, value_name = "X", default_value_t = 0.5, value_parser = at_least(0.0))]
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

/// A number flag's parser that refuses values below `min`.
fn at_least<T>(min: T) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy + Send + Sync + 'static,
{
    move |value| {
        value
            .parse()
            .ok()
            .filter(|x| *x >= min)
            .ok_or(format!("must be a number ≥ {min}"))
    }
}

#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: Counts,
    output: Option<PathBuf>,
    seconds: f64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        if cli.common.json && cli.output.is_none() {
            let message =
                "--json prints a summary on standard output; give the table a file with -o";
            return Err(UsageError(message.into()).into());
        }
        if let Some(path) = &cli.output {
            tfbind_artifact::stage::check_out_files(&[path], &[&cli.query, &cli.target])?;
        }
        let start = Instant::now();
        let threshold = match cli.evalue {
            true => Threshold::EValue(cli.thresh),
            false => Threshold::QValue(cli.thresh),
        };
        let options = Options {
            distance: cli.dist,
            min_overlap: cli.min_overlap,
            reverse_complement: !cli.norc,
            threshold,
            ..Options::default()
        };
        let c = Comparison::of_files(&cli.query, &cli.target, &options)?;
        if let Some(path) = &cli.output {
            let mut out = AtomicFile::create(path)?;
            c.write_tsv(&mut out.writer)
                .with_context(|| format!("writing {}", path.display()))?;
            out.commit()?;
        } else {
            let mut out = BufWriter::new(io::stdout().lock());
            if let Err(e) = c.write_tsv(&mut out).and_then(|()| out.flush()) {
                // A reader that closed stdout early (`| head`) wanted no more of the table.
                if e.kind() != io::ErrorKind::BrokenPipe {
                    return Err(e).context("writing the table to standard output");
                }
            }
        }
        let output = cli.output.clone();
        let summary = Summary {
            counts: c.counts(),
            output,
            seconds: start.elapsed().as_secs_f64(),
        };
        let human = format!("{} in {:.2} s", summary.counts, summary.seconds);
        match cli.output {
            Some(_) => cli.common.report(&summary, human),
            // With the table on standard output, the summary goes to the log (stderr) instead.
            None => tracing::info!("{human}"),
        }
        Ok(())
    })
}
