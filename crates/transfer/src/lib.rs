//! tfbind-transfer: the default path for a new TF (Novakovsky et al. 2021's best practice).
//!
//! One call ([`transfer`]) takes a target TF (its peak file, or a column of the project's
//! `regions` artifact) and:
//!
//! 1. labels it over the regions artifact's windows (tfbind-peaks build, into the run's own
//!    `labels/`; the shared artifact is only read);
//! 2. makes its single-task dataset (tfbind-negatives, tfbind-encode: `windows/`, `dataset/`);
//! 3. chooses its pre-training TFs ([`choose_set`]): co-binding when the target has at least
//!    `min_cobound` bound windows labelled for other TFs, else JASPAR motif similarity (the
//!    native Tomtom), never reading the target's test windows;
//! 4. pre-trains a small multi-task model on them, or reuses the one already built for the
//!    same set ([`PretrainCache`], keyed by the set and every setting, locked against
//!    concurrent builds);
//! 5. fine-tunes and evaluates ([`TransferModelStage`]: a `model` artifact whose manifest
//!    records the choice, the strategy and the numbers behind it).
//!
//! With `from`, steps 3–4 are skipped and fine-tuning starts from the model given. Every step
//! is a stage run by [`tfbind_artifact::stage::run`], so reruns reuse what is up to date and an
//! interrupted training resumes.

// The stages' errors are returned once per run, never in a loop: their size costs nothing.
#![allow(clippy::result_large_err)]

mod cache;
mod choice;
mod error;
mod model;
mod params;
mod run;
mod subsample;

pub use cache::{PretrainCache, PretrainSettings, KEY_FILE};
pub use choice::{choose_set, Chosen, Reason, SetChoice, Target};
pub use error::{Error, Result};
pub use model::{ModelSummary, TransferModelStage};
pub use params::{ChoiceParams, ChoiceStrategy, TransferParams};
pub use run::{default_cache, transfer, Report, Request, Settings};
pub use subsample::{SubsampleStage, SubsampleSummary};
