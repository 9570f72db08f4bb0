use std::{io, path::PathBuf};

use crate::Interval;

/// Errors of the genome library. Each names the file, chromosome or interval it is about, so a
/// binary can print it as one line.
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
    /// Decompression failed at `line`: a truncated download or a damaged file.
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
        "{path}: compressed with {format}, which tfbind does not read; give it plain, gzip or \
         bgzip",
        path = .path.display()
    )]
    UnsupportedCompression { path: PathBuf, format: &'static str },
    /// A line of a BED-like file on a chromosome the genome lacks.
    #[error(
        "{path}:{line}: chromosome {chrom:?} is not in {reference}, which has {context}",
        path = .path.display()
    )]
    UnknownChromAt {
        path: PathBuf,
        line: u64,
        chrom: String,
        /// What the names are checked against: "the genome", ….
        reference: &'static str,
        /// Some of the known names, then how to fix it (a naming mismatch, an option that skips
        /// such lines) if anything says.
        context: String,
    },
    /// A line of a BED-like file past its chromosome's end: almost always another assembly.
    #[error(
        "{path}:{line}: {interval} runs off the end of {chrom}, which is {len} bp long: are the \
         genome and this file of the same assembly?",
        path = .path.display()
    )]
    OffChromEndAt {
        path: PathBuf,
        line: u64,
        interval: Interval,
        chrom: String,
        len: u64,
    },
    /// A BED-like file none of whose lines is on a known chromosome: a naming mismatch (`21`
    /// against `chr21`) or a file of another organism, never something to ignore.
    #[error(
        "{path}: none of its {lines} intervals is on a chromosome of {reference}: it names \
         {chroms}, {reference} has {context}",
        path = .path.display()
    )]
    NoKnownChrom {
        path: PathBuf,
        lines: u64,
        chroms: String,
        reference: &'static str,
        /// As in [`Error::UnknownChromAt`].
        context: String,
    },
    #[error(
        "{path}: gzip-compressed but not bgzip, so it cannot be indexed for random access; \
         recompress it with `zcat {path} | bgzip > genome.fa.gz` (bgzip is in htslib/samtools)",
        path = .path.display()
    )]
    NotBgzip { path: PathBuf },
    #[error("{path}: corrupt BGZF block at compressed byte {offset}: {reason}", path = .path.display())]
    Bgzf {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    #[error("{path}: cannot index FASTA: {source}", path = .path.display())]
    Index {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {message}", path = .path.display())]
    InvalidIndex { path: PathBuf, message: String },
    #[error(
        "{path}: byte {byte:?} where {interval} should have a base: the FASTA holds a \
         character that is not a letter there, or was edited inside a line after it was indexed \
         (delete its .fai to rebuild it)",
        path = .path.display(),
        byte = char::from(*.byte)
    )]
    BadSequence {
        path: PathBuf,
        interval: Interval,
        byte: u8,
    },
    #[error("unknown chromosome {chrom:?} in {interval} (the genome has {known})")]
    UnknownChrom {
        chrom: String,
        interval: Interval,
        known: String,
    },
    #[error("{interval} runs off the end of {chrom}, which is {len} bp long")]
    OffChromEnd {
        interval: Interval,
        chrom: String,
        len: u64,
    },
    #[error("chromosome {chrom:?} appears twice")]
    DuplicateChrom { chrom: String },
    #[error("{interval} is empty or reversed (start must be < end)")]
    EmptyInterval { interval: Interval },
    #[error("{interval} is {len} bp long, expected windows of {expected} bp")]
    WrongLength {
        interval: Interval,
        len: u64,
        expected: usize,
    },
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
