//! The whole stage: a model artifact and a dataset artifact in, a `motifs` artifact out.
//!
//! [`run`] opens the inputs and checks whether the artifact is up to date; [`analysis`] does the
//! work; [`output`] writes the files; [`summary`] holds the headline numbers.

mod analysis;
mod output;
mod summary;

pub use summary::{ComparisonSummary, Summary, TopFilter};

use std::path::{Path, PathBuf};

use tch::Device;
use tfbind_artifact::{
    input_artifact, input_file, to_table, up_to_date, Artifact, ArtifactBuilder, Kind,
};
use tfbind_dataset::DATASET;
use tfbind_model::ModelArtifact;

use crate::error::{InterpretError, Result};
use crate::params::InterpretParams;
use analysis::Analysis;

/// The `motifs` artifact (format in the crate documentation).
pub const KIND: Kind = tfbind_artifact::kinds::MOTIFS;
pub const FILTERS_MEME: &str = "filters.meme";
pub const FILTERS_TSV: &str = "filters.tsv";
pub const TOMTOM_TSV: &str = "tomtom.tsv";
pub const INFLUENCE_TSV: &str = "influence.tsv";
pub const COMPARISON_TSV: &str = "comparison.tsv";
pub const ATTRIBUTIONS_DIR: &str = "attributions";
pub const WINDOWS_TSV: &str = "windows.tsv";
pub const REPORT_HTML: &str = "report.html";
pub const SUMMARY_JSON: &str = "summary.json";

/// What to interpret, and where to write the result.
pub struct Request<'a> {
    pub model: &'a Path,
    pub dataset: &'a Path,
    /// The motif database (MEME format) filters are compared with.
    pub database: &'a Path,
    /// Another model with the same first layer (the model this one was fine-tuned from).
    pub compare_to: Option<&'a Path>,
    /// Attribute the dataset windows overlapping these intervals instead of the strongest
    /// positives.
    pub windows_bed: Option<&'a Path>,
    pub out: &'a Path,
    pub params: &'a InterpretParams,
    pub device: Device,
    /// Rebuild even if the artifact is up to date.
    pub force: bool,
}

/// Progress of the long steps, for a progress bar.
pub trait Progress {
    /// A step begins (ending the one before), `len` units long.
    fn start(&self, step: &str, len: u64);
    fn advance(&self, n: u64);
    /// The last step is over.
    fn finish(&self);
}

/// What the stage did.
pub struct Outcome {
    pub out: PathBuf,
    /// The artifact was already up to date and was left as it was.
    pub up_to_date: bool,
    pub summary: Summary,
}

/// The opened input artifacts.
struct Inputs {
    model: ModelArtifact,
    dataset: Artifact,
    other: Option<ModelArtifact>,
}

/// Runs the stage.
pub fn run(req: &Request, progress: &dyn Progress) -> Result<Outcome> {
    req.params.validate().map_err(InterpretError::Parameters)?;
    let inputs = Inputs {
        model: ModelArtifact::open(req.model)?,
        dataset: Artifact::open(req.dataset, DATASET)?,
        other: req.compare_to.map(ModelArtifact::open).transpose()?,
    };
    // Pinned in this order, so that a change of any of them, or adding one, rebuilds.
    let mut pins = vec![
        input_artifact(inputs.model.artifact()),
        input_artifact(&inputs.dataset),
        input_file(req.database)?,
    ];
    if let Some(other) = &inputs.other {
        pins.push(input_artifact(other.artifact()));
    }
    if let Some(bed) = req.windows_bed {
        pins.push(input_file(bed)?);
    }
    let parameters = to_table(req.params)?;
    if !req.force {
        if let Some(existing) = up_to_date(req.out, KIND, &parameters, &pins) {
            // A summary this build cannot read comes from an older build of the same version
            // (during development): rebuild rather than fail.
            match Summary::read(&existing.file(SUMMARY_JSON)?) {
                Ok(summary) => {
                    return Ok(Outcome {
                        out: req.out.to_path_buf(),
                        up_to_date: true,
                        summary,
                    })
                }
                Err(e) => tracing::warn!("rebuilding {}: {e}", req.out.display()),
            }
        }
    }
    let analysis = Analysis::compute(req, &inputs, progress)?;
    let summary = analysis.summary(req);
    let builder = ArtifactBuilder::new(req.out, KIND, parameters, pins)?;
    analysis.write(req, &inputs, &summary, &builder)?;
    builder.commit()?;
    Ok(Outcome {
        out: req.out.to_path_buf(),
        up_to_date: false,
        summary,
    })
}
