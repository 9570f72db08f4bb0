//! The command line of tfbind-predict.

use std::path::PathBuf;

use clap::{ArgGroup, Parser};
use serde::Serialize;
use tfbind_cli::CommonArgs;
use tfbind_model::DeviceChoice;
use tfbind_predict::{InputFiles, Tracks};

/// Predict per-task binding probabilities with a `model` artifact (tfbind-pretrain or
/// tfbind-finetune) for regions of a genome (--bed, or whole chromosomes with --chroms or
/// --genome-wide; each with --genome) or for sequences (--fasta).
///
/// Regions of the model's window length are predicted as they are; longer ones are tiled with
/// windows every --stride bases plus one flush with the region's end; shorter ones are an error.
/// --chroms and --genome-wide tile each chromosome's stretches of A, C, G and T (maximal runs
/// without N), so no window holds an N; N bases, and stretches shorter than the window, get no
/// value. BED regions are predicted as they are, N and all.
///
/// Outputs (at least one):
///   --out       TSV with a header, one row per window: chrom, start, end (BED coordinates; for
///               FASTA, the record name and offsets in it), name (the BED name, else
///               chrom:start-end with the BED start and end; the FASTA record name; for
///               --chroms and --genome-wide, the stretch's chrom:start-end), then one
///               probability per task in the model's order.
///   --bedgraph  one task's track: each base takes the probability of the window whose centre
///               is nearest (a region's windows cut at the midpoints between their centres).
///   --bigwig    the same track for every task, DIR/<task>.bw, with zoom levels, written
///               chromosome by chromosome as the windows are predicted.
///   --calls     per task, the stretches where its track is at least --threshold (adjacent
///               bases merged; a base without a value ends a stretch), as narrowPeak-like BED
///               in genome order: chrom, start, end, task, score (1000 × the highest
///               probability, rounded), strand ".", signalValue (the highest probability),
///               pValue -1, qValue -1, peak (offset from start of the centre of the window
///               with the highest probability, the first one on ties).
/// With --bigwig or --calls, BED regions are put in genome order (the TSV's rows too) and may
/// not overlap; FASTA input has no genome coordinates for them.
/// Outputs are written to temporary files and all renamed once every one is complete, so they
/// are complete or absent; an output is never one of the inputs or another output.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-predict", version, verbatim_doc_comment)]
#[command(group(ArgGroup::new("input").required(true)
    .args(["bed", "fasta", "chroms", "genome_wide"])))]
#[command(group(ArgGroup::new("output").required(true).multiple(true)
    .args(["out", "bedgraph", "bigwig", "calls"])))]
pub(crate) struct Cli {
    /// The `model` artifact directory.
    #[arg(long, value_name = "DIR")]
    pub(crate) model: PathBuf,
    /// Regions to predict, BED3+ (plain or gzip); needs --genome.
    #[arg(long, value_name = "BED", requires = "genome")]
    pub(crate) bed: Option<PathBuf>,
    /// Whole chromosomes of --genome to predict, comma-separated (chr21,chr22), taken in the
    /// genome's order.
    #[arg(long, value_name = "LIST", value_delimiter = ',', requires = "genome")]
    pub(crate) chroms: Option<Vec<String>>,
    /// Predict every chromosome of --genome.
    #[arg(long, requires = "genome")]
    pub(crate) genome_wide: bool,
    /// Genome FASTA (plain or bgzip) for --bed, --chroms and --genome-wide; .fai/.gzi are
    /// built beside it when missing.
    #[arg(long, value_name = "FASTA")]
    pub(crate) genome: Option<PathBuf>,
    /// Sequences to predict, FASTA (plain or gzip), instead of a genome.
    #[arg(long, value_name = "FASTA", conflicts_with = "genome")]
    pub(crate) fasta: Option<PathBuf>,
    /// The TSV of probabilities to write.
    #[arg(long, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Write this task's probabilities as bedGraph (needs --task).
    #[arg(long, value_name = "FILE", requires = "task")]
    pub(crate) bedgraph: Option<PathBuf>,
    /// The task (TF) of --bedgraph, as named in the model's tasks.txt.
    #[arg(long, value_name = "NAME", requires = "bedgraph")]
    pub(crate) task: Option<String>,
    /// Write one bigWig per task, DIR/<task>.bw. DIR is made when missing; one that holds
    /// anything is refused unless --force.
    #[arg(long, value_name = "DIR", conflicts_with = "fasta")]
    pub(crate) bigwig: Option<PathBuf>,
    /// Write into a --bigwig DIR that is not empty, replacing its <task>.bw files (other files
    /// are left as they are).
    #[arg(long, requires = "bigwig")]
    pub(crate) force: bool,
    /// Write the calls of every task (stretches at or above --threshold) to this BED.
    #[arg(long, value_name = "FILE", conflicts_with = "fasta")]
    pub(crate) calls: Option<PathBuf>,
    /// The probability from which a base is called, in (0, 1]. [default: 0.5]
    #[arg(long, value_name = "P", requires = "calls", value_parser = probability)]
    pub(crate) threshold: Option<f32>,
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

impl Cli {
    /// The input, as the flags name it.
    pub(crate) fn input(&self) -> InputFiles {
        match (&self.bed, &self.fasta, &self.genome) {
            (Some(bed), _, Some(genome)) => InputFiles::Bed {
                bed: bed.clone(),
                genome: genome.clone(),
            },
            (_, Some(fasta), _) => InputFiles::Fasta(fasta.clone()),
            // --chroms, or --genome-wide: every chromosome.
            (None, None, Some(genome)) => InputFiles::Chroms {
                genome: genome.clone(),
                chroms: self.chroms.clone().unwrap_or_default(),
            },
            _ => unreachable!("clap requires one input, with --genome unless it is --fasta"),
        }
    }

    pub(crate) fn tracks(&self) -> Tracks {
        Tracks {
            bigwig: self.bigwig.clone(),
            force: self.force,
            calls: self
                .calls
                .clone()
                .map(|calls| (calls, self.threshold.unwrap_or(0.5))),
        }
    }
}

/// A threshold in (0, 1]: at 0 every base would be one call, above 1 none.
fn probability(text: &str) -> Result<f32, String> {
    match text.parse::<f32>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!("{text:?} is not a probability in (0, 1]")),
    }
}
