use std::path::PathBuf;

use crate::spec::Architecture;

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

/// Errors of building, running, saving and loading models.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("a model needs at least one task (output)")]
    NoTasks,
    #[error("{architecture} needs windows of at least {min} bp; got {window_len}")]
    WindowTooShort {
        architecture: Architecture,
        window_len: usize,
        min: usize,
    },
    #[error("{architecture} has no block '{name}' (its blocks: {known})")]
    UnknownBlock {
        name: String,
        architecture: Architecture,
        known: String,
    },
    #[error(
        "input of shape {found:?}: expected uint8 sequence codes of shape [batch, {window_len}]"
    )]
    InputShape { window_len: usize, found: Vec<i64> },
    #[error("{len} sequence codes are not a whole number of {window_len}-bp windows")]
    RaggedInput { len: usize, window_len: usize },
    #[error(
        "a substitution at position {at} of {window_len}-bp windows with {bases} bases for \
         {windows} windows: it needs one base per window, at a position within the window"
    )]
    Substitution {
        at: usize,
        window_len: usize,
        bases: usize,
        windows: usize,
    },
    #[error("sequence code {value} at position {index} is not one of 0..=4 (A C G T N)")]
    BadCode { index: usize, value: u8 },
    #[error("{path}: weight '{name}' is missing")]
    MissingWeight { path: PathBuf, name: String },
    #[error("{path}: weight '{name}' is not part of this {architecture} model")]
    UnexpectedWeight {
        path: PathBuf,
        name: String,
        architecture: Architecture,
    },
    #[error("{path}: weight '{name}' has shape {found:?}, the model expects {expected:?}")]
    WeightShape {
        path: PathBuf,
        name: String,
        expected: Vec<i64>,
        found: Vec<i64>,
    },
    #[error("device {requested}: {reason}")]
    Device {
        requested: String,
        reason: &'static str,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{context}: {source}")]
    Torch {
        context: String,
        source: tch::TchError,
    },
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

impl ModelError {
    pub(crate) fn torch(context: impl Into<String>) -> impl FnOnce(tch::TchError) -> Self {
        let context = context.into();
        move |source| Self::Torch { context, source }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}
