use std::path::PathBuf;

/// Errors of the encode stage; each names the file (and line) or parameter at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Window {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no windows to encode")]
    Empty { path: PathBuf },
    #[error("{path}: all {windows} windows contain N, so --drop-n leaves none")]
    AllDropped { path: PathBuf, windows: usize },
    #[error("{path}: synthetic sequences are {len} bp but the windows are {expected} bp")]
    SyntheticLength {
        path: PathBuf,
        len: usize,
        expected: usize,
    },
    #[error("{path}: synthetic sequence code {code} is not one of 0..=4 (A C G T N)")]
    SyntheticCode { path: PathBuf, code: u8 },
    #[error("split: {message}")]
    Split { message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
