//! tfbind-select: which TFs to pre-train on for a target TF (Novakovsky et al. 2021).
//!
//! From the label matrix of a `regions` artifact (windows × TFs, 1 bound / 0 unbound / -1 NA)
//! and, for motifs, a JASPAR MEME file, a [`Strategy`] ranks the other TFs and the best `k` are
//! chosen:
//!
//! - `cobinding`: highest cosine similarity of binding with the target, over the windows where
//!   both are labelled (the paper's cofactor sets); `low-cobinding`: lowest;
//! - `motif`: most similar JASPAR motif (smallest Tomtom p-value between any motif of the target
//!   and any of the TF);
//! - `random`: a seeded draw; `fewest-na`: the TFs with the fewest NA windows (the paper's 50-TF
//!   multi-task model; no target needed).
//!
//! The target is left out unless asked otherwise. The result ([`Selection`]) is written by
//! [`write`] as a TF list (one name per line, [`tfbind_dataset::tf_list_text`]) with a scores
//! table beside it ([`scores_path`]).

mod cobinding;
mod error;
mod motif;
mod params;
mod select;
mod selection;
mod strategy;
mod tf_list;

pub use cobinding::{cobinding, Cobinding};
pub use error::{Error, Result};
pub use motif::{MotifIndex, MotifMatch};
pub use params::SelectParams;
pub use select::select;
pub use selection::{Choice, Evidence, Selection, SkipReason, Skipped};
pub use strategy::Strategy;
pub use tf_list::{scores_path, write};

use std::path::Path;

use tfbind_artifact::Artifact;
use tfbind_dataset::{Regions, REGIONS};

/// The files a selection reads: the `regions` artifact, and the motif file for `motif`.
pub fn inputs<'a>(regions: &'a Path, params: &'a SelectParams) -> Vec<&'a Path> {
    let mut inputs = vec![regions];
    if params.strategy == Strategy::Motif {
        inputs.push(&params.motifs);
    }
    inputs
}

/// Opens the `regions` artifact at `regions` (verifying it), reads the motif file when the
/// strategy needs it, and selects.
pub fn run(regions: &Path, params: &SelectParams) -> Result<Selection> {
    // A bad request fails before seconds are spent verifying and reading the artifact.
    params.validate()?;
    let motifs = if params.strategy == Strategy::Motif {
        if !params.motifs.is_file() {
            return Err(Error::MissingMotifFile {
                path: params.motifs.clone(),
            });
        }
        Some(MotifIndex::new(&tfbind_motifs::read_meme(&params.motifs)?))
    } else {
        None
    };
    let artifact = Artifact::open(regions, REGIONS)?;
    let regions = Regions::read(&artifact)?;
    select(&regions.labels, params, motifs.as_ref())
}
