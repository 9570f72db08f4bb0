//! tfbind-negatives: the labelled windows of a dataset from a regions artifact.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use indicatif::ProgressBar;
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_negatives::params::SplitName;
use tfbind_negatives::{Params, Progress, Request, Strategy};

const EXAMPLES: &str = "\
Examples:
  # NRF1 against GC-matched unbound windows, 1:1
  tfbind-negatives --regions regions --genome hg38.fa.gz --tf NRF1 --out nrf1.windows
  # 500 positives, GC-stratified, without the pre-training train and validation windows
  tfbind-negatives --regions regions --genome hg38.fa.gz --tf JUND --max-positives 500 \\
      --exclude pretrain.dataset --out jund-500.windows
  # the 50 TFs with the fewest NA, for multi-task pre-training
  tfbind-negatives --regions regions --genome hg38.fa.gz --fewest-na 50 --out multi.windows

The artifact holds windows.bed, labels.safetensors, tasks.txt, gc.tsv (GC histogram of positives
and negatives per task), summary.json (this run's report) and, for dinucleotide-shuffle,
synthetic.safetensors. Exit status: 0 ok, 1 data error, 2 usage error.";

/// Choose the labelled windows of a dataset from a regions artifact: one TF's positives with
/// GC-matched, random or dinucleotide-shuffled negatives (single-task), or several TFs' labels
/// with NA kept as a mask (multi-task). Writes a `windows` artifact for tfbind-encode.
#[derive(Parser)]
#[command(name = "tfbind-negatives", version, after_help = EXAMPLES)]
struct Cli {
    /// The regions artifact (windows × TFs labels, from tfbind-peaks).
    #[arg(long, value_name = "DIR")]
    regions: PathBuf,
    /// The genome FASTA the regions are on, plain or bgzip; .fai/.gzi are built when missing.
    #[arg(long, value_name = "FASTA")]
    genome: PathBuf,
    /// The windows artifact to write.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config; its [negatives] section sets any option below (same names, with
    /// underscores), and flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Rebuild even when OUT was made from the same inputs and parameters.
    #[arg(long)]
    force: bool,

    /// Single-task: the target TF.
    #[arg(long, value_name = "NAME", group = "task", help_heading = "Task")]
    tf: Option<String>,
    /// Multi-task: these TFs (comma-separated), NA kept as a mask.
    #[arg(
        long,
        value_name = "NAMES",
        value_delimiter = ',',
        group = "task",
        help_heading = "Task"
    )]
    tfs: Option<Vec<String>>,
    /// Multi-task: the TFs of a list file, one per line (as tfbind-select writes it).
    #[arg(long, value_name = "FILE", group = "task", help_heading = "Task")]
    tf_list: Option<PathBuf>,
    /// Multi-task: the N TFs with the fewest NA labels (ties by name).
    #[arg(long, value_name = "N", group = "task", help_heading = "Task")]
    fewest_na: Option<usize>,

    /// How negatives are chosen: gc-matched (unbound windows matching the positives' GC
    /// histogram, and within each bin their GC to a tenth of the bin), random (unbound windows), dinucleotide-shuffle (the positives shuffled,
    /// dinucleotide counts kept) [default: gc-matched].
    #[arg(long, value_name = "STRATEGY", help_heading = "Single-task")]
    strategy: Option<Strategy>,
    /// Negatives per positive [default: 1].
    #[arg(long, value_name = "R", help_heading = "Single-task")]
    ratio: Option<f64>,
    /// Subsample the positives to at most N, stratified by GC.
    #[arg(long, value_name = "N", help_heading = "Single-task")]
    max_positives: Option<usize>,
    /// With too few unbound windows for the ratio, keep them all instead of failing.
    #[arg(long, help_heading = "Single-task")]
    allow_fewer: bool,

    /// GC bins over [0, 1] for matching, subsampling and the report [default: 10].
    #[arg(long, value_name = "B", help_heading = "Windows")]
    gc_bins: Option<usize>,
    /// Drop windows whose fraction of N bases exceeds F [default: 0.1].
    #[arg(long, value_name = "F", help_heading = "Windows")]
    max_n_fraction: Option<f64>,
    /// Leave out windows (same coordinates) of this regions, windows or dataset artifact;
    /// repeatable.
    #[arg(long, value_name = "DIR", help_heading = "Windows")]
    exclude: Vec<PathBuf>,
    /// Splits of an excluded dataset artifact to leave out (comma-separated: train, valid,
    /// test) [default: train,valid].
    #[arg(
        long,
        value_name = "SPLITS",
        value_delimiter = ',',
        help_heading = "Windows"
    )]
    exclude_splits: Option<Vec<SplitName>>,
    /// Seed of every random draw [default: 0].
    #[arg(long, value_name = "N", help_heading = "Windows")]
    seed: Option<u64>,

    #[command(flatten)]
    common: CommonArgs,
}

impl Cli {
    /// The config file's [negatives] section with this command line's flags applied.
    fn params(&self) -> anyhow::Result<Params> {
        let mut p: Params = tfbind_cli::load_section(self.config.as_deref(), "negatives")
            .map_err(|e| UsageError(format!("{e:#}")))?;
        let listed = match &self.tf_list {
            Some(path) => Some(tfbind_dataset::read_tf_list(path)?),
            None => self.tfs.clone(),
        };
        if self.tf.is_some() || listed.is_some() || self.fewest_na.is_some() {
            p.tf.clone_from(&self.tf);
            p.tfs = listed;
            p.fewest_na = self.fewest_na;
        }
        p.strategy = self.strategy.unwrap_or(p.strategy);
        p.ratio = self.ratio.unwrap_or(p.ratio);
        p.max_positives = self.max_positives.or(p.max_positives);
        p.allow_fewer |= self.allow_fewer;
        p.gc_bins = self.gc_bins.unwrap_or(p.gc_bins);
        p.max_n_fraction = self.max_n_fraction.unwrap_or(p.max_n_fraction);
        if let Some(splits) = &self.exclude_splits {
            p.exclude_splits.clone_from(splits);
        }
        p.seed = self.seed.unwrap_or(p.seed);
        Ok(p)
    }
}

/// One progress bar per step of the stage.
struct Bars<'a> {
    common: &'a CommonArgs,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars<'_> {
    fn start(&self, step: &str, total: u64) {
        let mut bar = self.bar.lock().expect("no panic while holding the bar");
        if let Some(done) = bar.replace(tfbind_cli::bar(self.common, total, step)) {
            done.finish_and_clear();
        }
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = &*self.bar.lock().expect("no panic while holding the bar") {
            bar.inc(n);
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let request = Request {
            regions: cli.regions.clone(),
            genome: cli.genome.clone(),
            exclude: cli.exclude.clone(),
            out: cli.out.clone(),
            force: cli.force,
            params: cli.params()?,
        };
        let bars = Bars {
            common: &cli.common,
            bar: Mutex::new(None),
        };
        let outcome = tfbind_negatives::run(&request, &bars);
        if let Some(bar) = bars
            .bar
            .lock()
            .expect("no panic while holding the bar")
            .take()
        {
            bar.finish_and_clear();
        }
        let outcome = outcome.map_err(|e| {
            if e.is_usage() {
                anyhow::Error::new(UsageError(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
        cli.common.report(&outcome, &outcome);
        Ok(())
    })
}
