//! The transfer-learning experiment of Novakovsky et al. 2021 as a program: for each target TF,
//! training-set size and seed, single-task models fine-tuned from differently pre-trained models
//! (or trained from scratch) on the same subsample of the target's data, measured on the same test
//! windows, and compared.
//!
//! A TOML config ([`Config`]) names the bundle, the split, the targets, sizes and seeds and the
//! conditions. [`Experiment`] runs the stages in-process (tfbind-peaks import, -select,
//! -negatives, -encode, -pretrain, -finetune through [`tfbind_artifact::stage::run`]), so every
//! up-to-date artifact is reused and training resumes from checkpoints; its tasks (the shared
//! steps, then one per target) are what a Slurm array runs. [`summarise`] reads the results back
//! through the artifacts' typed summaries and writes the tables ([`stats`] has their statistics),
//! a markdown page and an SVG plot. [`interpret`] runs tfbind-interpret on the models of one size
//! and measures the paper's interpretation claims (filter refinement, features beyond the target
//! motif).

mod config;
mod error;
mod inputs;
mod interpretation;
pub mod layout;
mod plot;
mod report;
mod results;
mod runner;
pub mod stats;
mod timings;

pub use config::{scaled_min_bound, Bundle, Condition, Config, Settings, Split};
pub use error::{Error, Result};
pub use interpretation::{
    aggregate, interpret, Family, Features, InterpretOptions, InterpretationSummary, ModelResult,
    Part, Refinement, Row, TOP_FILTERS,
};
pub use layout::Layout;
pub use report::{summarise, Comparison, Summary};
pub use results::{collect, Run};
pub use runner::{Experiment, Task, TaskReport};
pub use timings::Timings;
