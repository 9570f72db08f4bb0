//! The command line of tfbind-tomtom.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, AtomicFile, CommonArgs};
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
pub(crate) struct Cli {
    /// Query motifs (MEME format).
    pub(crate) query: PathBuf,
    /// Target motif database (MEME format).
    pub(crate) target: PathBuf,
    /// Write the table here instead of standard output (under a temporary name until complete;
    /// never over QUERY or TARGET).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
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
    pub(crate) common: CommonArgs,
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
pub(crate) struct Summary {
    #[serde(flatten)]
    pub(crate) counts: Counts,
    pub(crate) output: Option<PathBuf>,
    pub(crate) seconds: f64,
}

impl Cli {
    pub(crate) fn options(&self) -> Options {
        let threshold = match self.evalue {
            true => Threshold::EValue(self.thresh),
            false => Threshold::QValue(self.thresh),
        };
        Options {
            distance: self.dist,
            min_overlap: self.min_overlap,
            reverse_complement: !self.norc,
            threshold,
            ..Options::default()
        }
    }
}

/// Writes the table to `output`, or to standard output without one.
pub(crate) fn write_table(c: &Comparison, output: Option<&Path>) -> anyhow::Result<()> {
    if let Some(path) = output {
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
    Ok(())
}
