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
//! positives and negatives) and `summary.json` (the [`Report`]). [`NegativesStage`] is the stage,
//! run by [`tfbind_artifact::stage::run`].

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
pub use report::Report;

use std::collections::HashSet;
use std::path::PathBuf;

use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::{Regions, REGIONS, WINDOWS};
use tfbind_genome::Genome;

use params::Mode;
use source::Source;

/// The stage: a `regions` artifact, the genome and the artifacts to exclude → a `windows`
/// artifact.
#[derive(Debug, Clone)]
pub struct NegativesStage {
    /// The `regions` artifact windows and labels come from.
    pub regions: PathBuf,
    /// The genome FASTA (plain or bgzip) the regions were made on.
    pub genome: PathBuf,
    /// `regions`, `windows` or `dataset` artifacts whose windows are left out, with their kind.
    pub exclude: Vec<(PathBuf, Kind)>,
    pub params: Params,
}

impl NegativesStage {
    /// The stage over `exclude` artifacts of any kind it can leave windows out of (their kind is
    /// read from their manifests).
    pub fn new(
        regions: PathBuf,
        genome: PathBuf,
        exclude: &[PathBuf],
        params: Params,
    ) -> Result<Self> {
        let exclude = exclude
            .iter()
            .map(|dir| Ok((dir.clone(), exclude::kind(dir)?)))
            .collect::<Result<_>>()?;
        Ok(Self {
            regions,
            genome,
            exclude,
            params,
        })
    }
}

impl Stage for NegativesStage {
    const SECTION: &'static str = "negatives";
    const OUTPUT: Kind = WINDOWS;
    type Summary = Report;
    type Error = Error;

    fn is_usage(error: &Error) -> bool {
        error.is_usage()
    }

    fn inputs(&self) -> Vec<Input> {
        let mut inputs = vec![
            Input::Artifact(self.regions.clone(), REGIONS),
            Input::File(self.genome.clone()),
        ];
        inputs.extend(
            self.exclude
                .iter()
                .map(|(dir, kind)| Input::Artifact(dir.clone(), *kind)),
        );
        inputs
    }

    fn parameters(&self) -> Result<toml::Table> {
        // A bad request fails before the inputs are read.
        self.params.mode()?;
        Ok(tfbind_artifact::to_table(&self.params)?)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Report> {
        let params = &self.params;
        let mode = params.mode()?;
        let (regions_artifact, excluded) = artifacts.split_first().expect("regions is an input");
        let regions = Regions::read(regions_artifact)?;
        let genome = Genome::open(&self.genome)?;
        let mut skip = HashSet::new();
        for artifact in excluded {
            exclude::collect(artifact, &params.excluded_splits(), &mut skip)?;
        }
        let source = Source::new(
            &regions,
            &self.regions,
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
        windows.write(builder.dir())?;
        report.write_gc(builder.dir())?;
        Ok(report)
    }
}
