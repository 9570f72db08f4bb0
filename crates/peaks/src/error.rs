use std::{io, path::PathBuf};

/// Errors of the peaks stage. Each names the file, and the line where there is one, so that the
/// binary prints one line a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A line that is not what the file should hold (too few fields, a bad number, ...).
    #[error("{path}:{line}: {message}", path = .path.display())]
    Line {
        path: PathBuf,
        line: u64,
        message: String,
    },
    /// Decompression failed: a truncated download or a damaged file.
    #[error(
        "{path}:{line}: truncated or corrupt gzip data ({source}); the file is damaged or was \
         not fully downloaded",
        path = .path.display()
    )]
    Corrupt {
        path: PathBuf,
        line: u64,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path}: compressed with {format}, which tfbind-peaks does not read; give it plain, \
         gzip or bgzip",
        path = .path.display()
    )]
    UnsupportedCompression { path: PathBuf, format: &'static str },
    /// An interval on a chromosome the genome lacks (a genome error, located in the input).
    #[error(
        "{path}:{line}: {source}; --skip-unknown-chroms skips such lines",
        path = .path.display()
    )]
    UnknownChrom {
        path: PathBuf,
        line: u64,
        #[source]
        source: tfbind_genome::Error,
    },
    /// An interval past the end of its chromosome: almost always another assembly's coordinates.
    #[error(
        "{path}:{line}: {source}: are the genome and this file of the same assembly?",
        path = .path.display()
    )]
    OutsideChrom {
        path: PathBuf,
        line: u64,
        #[source]
        source: tfbind_genome::Error,
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
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

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
        move |source| Self::Io { path, source }
    }
}
