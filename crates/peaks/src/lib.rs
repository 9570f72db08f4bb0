//! tfbind-peaks: TF peak files → a `regions` artifact (fixed-width windows and a windows × TFs
//! label matrix, 1 bound / 0 unbound / -1 NA).
//!
//! - `build` ([`PeaksStage::from_peaks`]): windows centred on accessible regions (e.g. DHS) or on
//!   merged peak summits, labelled by an assignment rule ([`Assign`]) with optional NA rules
//!   ([`BuildParams`]). Windows keep their region's BED name; the others are named
//!   `chrom:start-end` with the BED start and end ([`tfbind_genome::window_name`], the convention
//!   tfbind-predict shares).
//! - `import` ([`PeaksStage::from_matrix`]): a precomputed matrix (windows BED + labels TSV)
//!   taken as it is.
//!
//! Inputs may be plain, gzip or bgzip (told apart by their first bytes). Every error names its
//! file and line. [`PeaksStage`] is run by [`tfbind_artifact::stage::run`].

mod bed;
mod build;
mod error;
mod import;
mod labels;
mod narrowpeak;
mod params;
mod stage;
mod summary;
mod tfs;
mod windows;

pub use build::{build, BuildInputs};
pub use error::{Error, Result};
pub use import::{import, ImportInputs};
pub use params::{Assign, BuildParams, OffEnd};
pub use stage::{chrom_sizes, PeaksStage};
pub use summary::{BuildStats, Summary, TfCounts};
pub use tfs::{check_unique, from_list, from_paths, tf_name, PeakSource};
pub use windows::EndStats;
