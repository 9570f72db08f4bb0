//! Genome access for tfbind: BED intervals, chromosome sizes, indexed FASTA (plain or bgzip),
//! sequence codes (A C G T N = 0 1 2 3 4) and their dinucleotide shuffles.

pub mod bed;
pub mod codes;
mod error;
mod fai;
mod genome;
mod interval;
pub mod shuffle;
mod sizes;
mod storage;

pub use error::{Error, Result};
pub use genome::Genome;
pub use interval::{Interval, Locus};
pub use sizes::ChromSizes;
