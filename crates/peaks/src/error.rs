use std::{io, path::PathBuf};

/// Errors of the peaks stage. Each names the file, and the line where there is one, so that the
/// binary prints one line a user can act on. Underlying errors are part of the message, not
/// `#[source]`s: `tfbind_cli::run` prints the whole chain, which would repeat them.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A mistake in how the stage was called: no peak files, no genome, impossible rules.
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {cause}", path = .path.display())]
    Io { path: PathBuf, cause: io::Error },
    /// A line that is not what the file should hold (too few fields, a bad number, ...).
    #[error("{path}:{line}: {message}", path = .path.display())]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(
        "{path}:{line}: its {width} bp window {window} runs off {chrom} ({len} bp); \
         --off-end shift, clip or drop handles such windows",
        path = .path.display()
    )]
    WindowOffEnd {
        path: PathBuf,
        line: u64,
        width: u64,
        /// `chrom:start-end`, where start may be negative.
        window: String,
        chrom: String,
        len: u64,
    },
    /// An input without the records it must have (no regions, no TFs, no header).
    #[error("{path}: {message}", path = .path.display())]
    Empty { path: PathBuf, message: String },
    #[error("{path}: {message}", path = .path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("TF {name:?} is named twice: by {first} and by {second}")]
    DuplicateTf {
        name: String,
        first: String,
        second: String,
    },
    #[error("no windows left: {reason}")]
    NoWindows { reason: String },
    // The shared crates' errors already put their cause in the message (and also mark it as
    // their `#[source]`): wrapped without a source, so it is printed once.
    #[error("{0}")]
    Genome(tfbind_genome::Error),
    #[error("{0}")]
    Dataset(tfbind_dataset::Error),
    #[error("{0}")]
    Artifact(tfbind_artifact::Error),
}

macro_rules! wrap {
    ($($variant:ident($t:ty)),+) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Self::$variant(e)
            }
        }
    )+};
}

wrap!(
    Genome(tfbind_genome::Error),
    Dataset(tfbind_dataset::Error),
    Artifact(tfbind_artifact::Error)
);

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error about line `line` of `path`.
    pub(crate) fn at(path: &std::path::Path, line: u64, message: impl Into<String>) -> Self {
        Self::Line {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Self {
        let path = path.into();
        move |cause| Self::Io { path, cause }
    }
}
