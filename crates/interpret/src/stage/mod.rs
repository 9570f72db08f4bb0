//! The whole stage: a model artifact and a dataset artifact in, a `motifs` artifact out, run by
//! [`tfbind_artifact::stage::run`].
//!
//! [`analysis`] does the work; [`output`] writes the files; [`summary`] holds the headline
//! numbers.

mod analysis;
mod output;
mod summary;

pub use summary::{ComparisonSummary, SeqletMotif, SeqletSummary, Summary, TopFilter};

use std::path::PathBuf;

use tch::Device;
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{to_table, Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::DATASET;
use tfbind_model::artifact::KIND as MODEL;
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
pub const SEQLETS_TSV: &str = "seqlets.tsv";
pub const SEQLET_MOTIFS_TSV: &str = "seqlet_motifs.tsv";

/// What to interpret: the stage's inputs and parameters.
#[derive(Debug, Clone)]
pub struct InterpretStage {
    pub model: PathBuf,
    pub dataset: PathBuf,
    /// The motif database (MEME format) filters are compared with.
    pub database: PathBuf,
    /// Another model with the same first layer (the model this one was fine-tuned from).
    pub compare_to: Option<PathBuf>,
    /// Attribute the dataset windows overlapping these intervals instead of the strongest
    /// positives.
    pub windows_bed: Option<PathBuf>,
    pub params: InterpretParams,
    pub device: Device,
}

/// The opened input artifacts.
struct Inputs<'a> {
    model: ModelArtifact,
    dataset: &'a Artifact,
    other: Option<ModelArtifact>,
}

impl Stage for InterpretStage {
    const SECTION: &'static str = "interpret";
    const OUTPUT: Kind = KIND;
    type Summary = Summary;
    type Error = InterpretError;

    /// Naming a task the model lacks, parameters out of range, or a method the architecture has no
    /// rules for, is a mistake in the call.
    fn is_usage(error: &InterpretError) -> bool {
        matches!(
            error,
            InterpretError::UnknownTask { .. }
                | InterpretError::Parameters(_)
                | InterpretError::MethodUnsupported { .. }
        )
    }

    /// Pinned in this order, so that a change of any of them, or adding one, rebuilds.
    fn inputs(&self) -> Vec<Input> {
        let mut inputs = vec![
            Input::Artifact(self.model.clone(), MODEL),
            Input::Artifact(self.dataset.clone(), DATASET),
            Input::File(self.database.clone()),
        ];
        if let Some(other) = &self.compare_to {
            inputs.push(Input::Artifact(other.clone(), MODEL));
        }
        if let Some(bed) = &self.windows_bed {
            inputs.push(Input::File(bed.clone()));
        }
        inputs
    }

    fn parameters(&self) -> Result<toml::Table> {
        self.params.validate().map_err(InterpretError::Parameters)?;
        Ok(to_table(&self.params)?)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<Summary> {
        // In the order of `inputs`: the model, the dataset, then the other model if any.
        let inputs = Inputs {
            model: ModelArtifact::from_artifact(artifacts[0].clone())?,
            dataset: &artifacts[1],
            other: artifacts
                .get(2)
                .cloned()
                .map(ModelArtifact::from_artifact)
                .transpose()?,
        };
        let analysis = Analysis::compute(self, &inputs, progress)?;
        analysis.write(self, &inputs, builder)?;
        Ok(analysis.summary(self))
    }
}
