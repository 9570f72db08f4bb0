//! Seqlets: the spans of the attributed windows that carry high attribution, called natively
//! ([`recursive`], tangermeme's recursive seqlet caller), each annotated with its best database
//! motif by Tomtom, and summarised per motif.

pub mod recursive;

pub use recursive::{recursive_seqlets, RecursiveParams, Seqlet};
