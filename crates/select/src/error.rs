use std::path::PathBuf;

use crate::Strategy;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a selection could not be made. Variants about the request itself (an unknown TF name, a
/// missing target, an impossible k) are usage errors: see [`Error::is_usage`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Motifs(#[from] tfbind_motifs::Error),
    #[error("{0}")]
    UnknownTf(#[from] tfbind_dataset::UnknownTf),
    #[error("the {strategy} strategy needs a target TF (--target, or `target` in [select])")]
    NeedsTarget { strategy: Strategy },
    #[error("k must be at least 1")]
    ZeroK,
    #[error("{strategy} can rank only {available} TFs but k is {k}{}", skipped_list(.skipped))]
    TooFewCandidates {
        strategy: Strategy,
        k: usize,
        available: usize,
        /// The TFs that could not be ranked.
        skipped: Vec<String>,
    },
    #[error("target {target} has no bound window, so its co-binding with other TFs is undefined")]
    TargetNeverBound { target: String },
    #[error(
        "target {target} has no motif in the motif file: none is named {target} \
         (case-insensitive, alone or in a dimer such as MAX::MYC)"
    )]
    TargetWithoutMotif { target: String },
    #[error(
        "motif file {path} not found: give --motifs FILE (a JASPAR MEME file, e.g. \
         JASPAR_CORE_vertebrates_nonredundant.meme)",
        path = .path.display()
    )]
    MissingMotifFile { path: PathBuf },
    #[error("the motif strategy needs a motif file")]
    NoMotifs,
    #[error("cannot write {}", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Whether the error is in how the stage was asked (exit code 2) rather than in the data.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::UnknownTf(_)
                | Error::NeedsTarget { .. }
                | Error::ZeroK
                | Error::TooFewCandidates { .. }
                | Error::MissingMotifFile { .. }
                | Error::NoMotifs
        )
    }
}

/// How many skipped TFs an error names before it only counts them.
const MAX_LISTED: usize = 10;

fn skipped_list(skipped: &[String]) -> String {
    match skipped.len() {
        0 => String::new(),
        n if n <= MAX_LISTED => format!(" ({n} skipped: {})", skipped.join(", ")),
        n => format!(" ({n} skipped: {}, ...)", skipped[..MAX_LISTED].join(", ")),
    }
}
