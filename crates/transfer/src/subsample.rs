//! At most N windows of a multi-task `windows` artifact, so that the small pre-training takes
//! seconds rather than minutes: every window bound by a task first (they carry the motifs that
//! fine-tuning transfers; a uniform draw would keep only a fraction of them), the rest drawn at
//! random among the others. Order is kept, so the dataset reads the genome in order.

use std::fmt;
use std::path::PathBuf;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{Artifact, ArtifactBuilder, Kind};
use tfbind_dataset::{Windows, BOUND, WINDOWS};

use crate::{Error, Result};

/// The ChaCha stream of the subsample, apart from the other seeded draws of the same seed.
const SUBSAMPLE_STREAM: u64 = 0x5b5a_3e00;

/// The stage: a `windows` artifact → a `windows` artifact of at most `max_windows` of its rows.
#[derive(Debug, Clone)]
pub struct SubsampleStage {
    pub windows: PathBuf,
    pub max_windows: usize,
    pub seed: u64,
}

/// What the subsample kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubsampleSummary {
    pub input_windows: usize,
    pub windows: usize,
    /// Windows bound by at least one task: in the input, and kept.
    pub bound_windows: usize,
    pub bound_kept: usize,
}

impl fmt::Display for SubsampleSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kept {} of {} windows ({} of {} bound by a task)",
            self.windows, self.input_windows, self.bound_kept, self.bound_windows
        )
    }
}

impl Stage for SubsampleStage {
    const SECTION: &'static str = "transfer";
    const OUTPUT: Kind = WINDOWS;
    type Summary = SubsampleSummary;
    type Error = Error;

    fn inputs(&self) -> Vec<Input> {
        vec![Input::Artifact(self.windows.clone(), WINDOWS)]
    }

    fn parameters(&self) -> Result<toml::Table> {
        let mut table = toml::Table::new();
        table.insert("subsample_windows".into(), (self.max_windows as i64).into());
        table.insert("seed".into(), (self.seed as i64).into());
        Ok(table)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        _: &dyn Progress,
    ) -> Result<SubsampleSummary> {
        let input = Windows::read(&artifacts[0])?;
        let n = input.windows.len();
        let (mut bound, mut other): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&r| input.labels.row(r).contains(&BOUND));
        let bound_windows = bound.len();
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(SUBSAMPLE_STREAM);
        bound.shuffle(&mut rng);
        other.shuffle(&mut rng);
        bound.truncate(self.max_windows);
        let bound_kept = bound.len();
        other.truncate(self.max_windows - bound_kept);
        let mut rows = bound;
        rows.extend(other);
        rows.sort_unstable();
        let cols: Vec<usize> = (0..input.labels.n_cols()).collect();
        let kept = Windows {
            windows: rows.iter().map(|&r| input.windows[r].clone()).collect(),
            labels: input.labels.select(&rows, &cols),
            synthetic: None,
        };
        kept.write(builder.dir())?;
        Ok(SubsampleSummary {
            input_windows: n,
            windows: rows.len(),
            bound_windows,
            bound_kept,
        })
    }
}
