//! Motifs for tfbind: position frequency matrices, information content and log-odds weights,
//! the MEME motif format, and Tomtom motif comparison in Rust.
//!
//! ```no_run
//! use tfbind_motifs::{read_meme, tomtom, Options};
//! let queries = read_meme("filters.meme")?;
//! let jaspar = read_meme("data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme")?;
//! for m in tomtom(&queries, &jaspar, &Options::default())? {
//!     println!("{} ~ {} p={:.2e}", queries[m.query].id(), jaspar[m.target].id(), m.p_value);
//! }
//! # Ok::<(), tfbind_motifs::Error>(())
//! ```

mod comparison;
mod error;
mod meme;
mod motif;
mod shipped;
mod tomtom;

pub use comparison::{Comparison, Counts};
pub use error::{Error, Result};
pub use meme::{read_meme, write_meme, MemeFile, Strands};
pub use motif::{Background, Motif, ALPHABET, ROW_SUM_TOLERANCE};
pub use shipped::{default_database, DATABASE_ENV, SHIPPED_DATABASE};
pub use tomtom::{tomtom, write_tsv, Distance, Match, Options, Orientation, Threshold, MAX_WIDTH};
