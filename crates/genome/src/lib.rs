//! Genome access for tfbind: BED intervals, chromosome sizes, indexed FASTA (plain or bgzip),
//! sequence codes (A C G T N = 0 1 2 3 4) and their dinucleotide shuffles; and the one way every
//! stage opens text inputs ([`text::LineReader`]: plain, gzip or bgzip) and reads BED lines
//! ([`bed::Reader`], checked against a genome's chromosomes with [`bed::ChromCheck`]), and the
//! name of a window without one ([`window_name`]: `chrom:start-end`, BED start and end).

pub mod bed;
pub mod codes;
mod error;
mod fai;
mod genome;
mod interval;
pub mod shuffle;
mod sizes;
mod storage;
pub mod text;

pub use error::{Error, Result};
pub use genome::Genome;
pub use interval::{window_name, Interval, Locus};
pub use sizes::ChromSizes;
