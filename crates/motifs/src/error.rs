use std::{io, path::PathBuf};

/// Errors of the motif library. File errors name the file and, where there is one, the line, so a
/// binary can print them as one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}:{line}: {message}", path = .path.display())]
    Parse {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: {message}", path = .path.display())]
    Format { path: PathBuf, message: String },
    #[error("motif {id:?}, row {row}: {message}")]
    BadRow {
        id: String,
        row: usize,
        message: String,
    },
    #[error("motif {id:?} has no columns")]
    EmptyMotif { id: String },
    #[error("background frequencies {freqs:?}: {message}")]
    BadBackground { freqs: [f64; 4], message: String },
    #[error("tomtom option {name}: {message}")]
    BadOption { name: &'static str, message: String },
    #[error("tomtom needs at least one target motif")]
    NoTargets,
    #[error("motif {id:?} is {width} columns wide; tomtom compares motifs of at most {max}")]
    TooWide {
        id: String,
        width: usize,
        max: usize,
    },
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
