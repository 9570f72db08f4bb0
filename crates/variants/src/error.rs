use std::path::{Path, PathBuf};

use crate::input::Unit;

pub type Result<T, E = VariantsError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum VariantsError {
    #[error("{}:{}{place}: {message}", path.display(), match unit { Unit::Line => "", Unit::Record => "record " })]
    At {
        path: PathBuf,
        unit: Unit,
        place: u64,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("writing {what}: {source}")]
    Write {
        what: &'static str,
        source: std::io::Error,
    },
    /// Parameters out of range or inconsistent: a mistake in the call.
    #[error("{0}")]
    Parameters(String),
    /// Shard artifacts that do not make one whole run.
    #[error("{0}")]
    Shards(String),
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
    #[error(transparent)]
    Model(#[from] tfbind_model::ModelError),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

impl VariantsError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        VariantsError::Io {
            path: path.to_owned(),
            source,
        }
    }
}
