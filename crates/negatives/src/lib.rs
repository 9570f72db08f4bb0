//! tfbind-negatives: chooses the labelled windows of a dataset from a `regions` artifact and
//! writes them as a `windows` artifact.
//!
//! - Single-task (`tf`): the TF's bound windows are the positives (optionally subsampled,
//!   stratified by GC); negatives are unbound windows matched to the positives' GC histogram
//!   (`gc-matched`, the default, as Novakovsky et al. 2021), drawn uniformly (`random`), or
//!   synthetic dinucleotide shuffles of the positives (`dinucleotide-shuffle`).
//! - Multi-task (`tfs` or `fewest_na`): the chosen TFs' label columns over every window with a
//!   known label for at least one of them; NA is kept as -1 (a mask).
//!
//! Windows present in `--exclude` artifacts and windows with too many N are dropped first. The
//! artifact holds, beside the `windows` files of `tfbind-dataset`, `gc.tsv` (per-bin GC counts of
//! positives and negatives) and `summary.json` (the [`Report`]).

pub mod error;
pub mod exclude;
pub mod gc;
mod multitask;
pub mod params;
pub mod report;
pub mod sample;
mod seeds;
mod singletask;
mod source;
pub mod tasks;

pub use error::{Error, Result};
pub use params::{Params, Strategy};
pub use report::{Outcome, Report};

use std::collections::HashSet;
use std::path::PathBuf;

use tfbind_artifact::{input_artifact, input_file, up_to_date, Artifact, ArtifactBuilder};
use tfbind_dataset::{Regions, REGIONS, WINDOWS};
use tfbind_genome::Genome;

use params::Mode;
use source::Source;

/// Reports progress through the stage's long steps (reading sequences from the genome).
pub trait Progress: Sync {
    /// A step over `total` windows begins.
    fn start(&self, step: &str, total: u64);
    /// `n` more windows of the current step are done.
    fn advance(&self, n: u64);
}

/// No progress reporting.
impl Progress for () {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// One run of the stage.
#[derive(Debug, Clone)]
pub struct Request {
    /// The `regions` artifact windows and labels come from.
    pub regions: PathBuf,
    /// The genome FASTA (plain or bgzip) the regions were made on.
    pub genome: PathBuf,
    /// `regions`, `windows` or `dataset` artifacts whose windows are left out.
    pub exclude: Vec<PathBuf>,
    /// Where the `windows` artifact goes.
    pub out: PathBuf,
    /// Rebuild even when the artifact is up to date.
    pub force: bool,
    pub params: Params,
}

/// Runs the stage: reuses the artifact at `out` when it was made from the same inputs and
/// parameters, else chooses the windows and writes the artifact.
pub fn run(request: &Request, progress: &dyn Progress) -> Result<Outcome> {
    let params = &request.params;
    let mode = params.mode()?;
    let regions_artifact = Artifact::open_unverified(&request.regions)?;
    regions_artifact.expect_kind(REGIONS)?;
    let excluded = request
        .exclude
        .iter()
        .map(|dir| exclude::open(dir))
        .collect::<Result<Vec<_>>>()?;
    let mut inputs = vec![
        input_artifact(&regions_artifact),
        input_file(&request.genome)?,
    ];
    inputs.extend(excluded.iter().map(input_artifact));
    let table = tfbind_artifact::to_table(params)?;

    if !request.force {
        if let Some(existing) = up_to_date(&request.out, WINDOWS, &table, &inputs) {
            tracing::info!(out = %request.out.display(), "up to date; nothing to do (--force rebuilds)");
            return Ok(Outcome {
                out: request.out.clone(),
                reused: true,
                report: Report::read(&existing)?,
            });
        }
    }

    regions_artifact.verify()?;
    let regions = Regions::read(&regions_artifact)?;
    let genome = Genome::open(&request.genome)?;
    let mut skip = HashSet::new();
    for artifact in &excluded {
        exclude::collect(artifact, &params.excluded_splits(), &mut skip)?;
    }
    let source = Source::new(
        &regions,
        &request.regions,
        &genome,
        &skip,
        params.max_n_fraction,
        progress,
    )?;
    let (windows, report) = match mode {
        Mode::SingleTask(tf) => singletask::build(&source, tf, params)?,
        Mode::MultiTask(choice) => multitask::build(&source, &choice, params)?,
    };
    if report.dropped.n_rich > 0 {
        tracing::warn!(
            windows = report.dropped.n_rich,
            max_n_fraction = params.max_n_fraction,
            "dropped windows with too many N"
        );
    }

    let builder = ArtifactBuilder::new(&request.out, WINDOWS, table, inputs)?;
    windows.write(builder.dir())?;
    report.write(builder.dir())?;
    builder.commit()?;
    Ok(Outcome {
        out: request.out.clone(),
        reused: false,
        report,
    })
}
