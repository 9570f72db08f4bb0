//! Variant effects: how each ALT allele of a VCF (or BCF, or a `chrom pos ref alt [id]` TSV)
//! changes the binding probability that trained tfbind models predict around it.
//!
//! For every record and ALT allele, a reference and an alternate window of each model's length
//! are centred on the allele ([`windows`] says exactly how indels are placed and cut to length),
//! both predicted (averaged with their reverse complements unless `rc_average = false`, and over
//! shifts `-shifts..=shifts` when asked), and compared.
//!
//! The `variants` artifact holds `variants.tsv`: a header, then one row per record and ALT
//! allele in input order, with `chrom pos id ref alt` as the input gives them (`pos` 1-based)
//! and four columns per model and task, named by the task (or `model-directory.task` when two
//! models share a task name):
//! - `<task>_ref`, `<task>_alt`: the predicted probability of binding with each allele;
//! - `<task>_diff`: alt − ref, the change of probability;
//! - `<task>_log_odds`: logit(alt) − logit(ref), the log odds ratio, which, unlike the
//!   difference, is as large for a change from 0.001 to 0.01 as from 0.5 to 0.91 (probabilities
//!   are held within [1e-7, 1 − 1e-7] for it). Both are 0 when the allele changes nothing.
//!
//! With `annotated_vcf`, the artifact also holds `variants.vcf.gz` and its tabix index
//! ([`vcf_out`]).
//!
//! A score is `NA` where a model's windows would run off the chromosome's end. Symbolic alleles
//! (`<DEL>`), breakends, `*` and records without an ALT are left out and counted. A REF that
//! differs from the genome is an error naming the file and line (or skipped and counted), and
//! so is a record on a chromosome the genome lacks; a file none of whose records is on the
//! genome's chromosomes is always an error that points out `chr1` against `1`.
//!
//! Records stream through in chunks (see [`score`]): memory does not grow with the input, and
//! `region`/`shard` split one input into contiguous parts whose TSVs concatenate to the whole
//! ([`MergeStage`]).

mod error;
pub mod input;
mod params;
pub mod score;
mod stage;
pub mod vcf_out;
pub mod windows;

pub use error::{Result, VariantsError};
pub use params::{parse_region, Params, Shard};
pub use stage::{group_names, MergeStage, Summary, VariantsStage, KIND, VARIANTS_TSV};
