//! The command line of the tfbind-variants binary.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;
use tfbind_cli::StageArgs;
use tfbind_model::DeviceChoice;
use tfbind_variants::Shard;

/// Score how variants change the binding that trained models predict, into a `variants`
/// artifact: for each record and ALT allele, a reference and an alternate window of each model's
/// length centred on the allele, predicted and compared.
///
/// The artifact holds variants.tsv: `chrom pos id ref alt` as the input gives them, then per
/// model and task four columns: `<task>_ref` and `<task>_alt` (the probability of binding with
/// each allele), `<task>_diff` (alt − ref) and `<task>_log_odds` (logit alt − logit ref). NA
/// where a window would run off a chromosome end. Rows are in input order, one per ALT.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-variants", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    Score(ScoreArgs),
    Merge(MergeArgs),
}

/// Score the variants of a VCF, VCF.gz, BCF or TSV with one or more models.
///
/// Input: VCF (plain, gzip or bgzip), BCF, or a TSV of `chrom pos ref alt [id]` lines (1-based
/// as VCF, several ALTs comma-separated, `#` lines and a first `chrom…` header line skipped),
/// told apart by content. SNVs, MNVs and indels are scored, each ALT of a multi-allelic record on
/// its own row; symbolic alleles (<DEL>), breakends, `*` and records without ALT are skipped and
/// counted.
///
/// Windows: the REF allele is centred in the reference window (an SNV at index L/2 of an
/// L-bp window) and the ALT allele in the alternate window, which is cut from the left flank, the
/// ALT allele and the flank after REF, so both keep length L (an insertion pushes flank out,
/// a deletion pulls flank in; an allele longer than L is cut to its middle). With --shifts K,
/// both are averaged over windows moved by -K..=K bases.
///
/// Checks: a REF that differs from the genome is an error naming the file and line
/// (--skip-ref-mismatch skips and counts them), and so is a record on a chromosome the genome
/// lacks (--skip-unknown-chroms); a file with no record on the genome's chromosomes is always
/// an error, which points out `chr1` against `1`.
///
/// Splitting for a job array: --region keeps the records in a region; --shard i/n keeps the
/// i-th of n contiguous parts of them, and `tfbind-variants merge` joins the parts into what one
/// run would have written.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct ScoreArgs {
    /// A `model` artifact directory; repeat for several (e.g. every fine-tuned TF of a run).
    #[arg(long = "model", value_name = "DIR", required = true)]
    pub(crate) models: Vec<PathBuf>,
    /// Genome FASTA (plain or bgzip) the variants' coordinates refer to; a missing .fai is
    /// built beside it.
    #[arg(long, value_name = "FASTA")]
    pub(crate) genome: PathBuf,
    /// Variants: VCF, VCF.gz, BCF, or `chrom pos ref alt [id]` TSV.
    #[arg(long, value_name = "FILE")]
    pub(crate) variants: PathBuf,
    #[command(flatten)]
    pub(crate) flags: Flags,
    /// Device to run the models on: auto (a GPU when libtorch sees one), cpu, cuda or cuda:N.
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub(crate) device: DeviceChoice,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [variants] keys of the same name.
#[derive(Args, Serialize)]
pub(crate) struct Flags {
    /// Also average over windows shifted by -K..=K bases. [config: shifts; default: 0]
    #[arg(long, value_name = "K")]
    #[serde(skip_serializing_if = "Option::is_none")]
    shifts: Option<usize>,
    /// Score the forward strand only instead of averaging each window with its reverse
    /// complement. [config: rc_average = false]
    #[arg(long)]
    #[serde(
        rename = "rc_average",
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "negated"
    )]
    no_rc_average: bool,
    /// Windows per forward pass. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    batch_size: Option<usize>,
    /// Also write the scores as INFO fields of variants.vcf.gz (bgzip, with a tabix index when
    /// the records are sorted): TFBIND_<task>_REF, _ALT and _LOR (log odds ratio) per model task.
    /// From VCF text input it is the input with these fields added (header, QUAL, FILTER, INFO,
    /// FORMAT, samples and every ALT kept; `.` for alleles not scored); from BCF or TSV input
    /// the records are written from the scores (`bcftools annotate -a variants.vcf.gz -c INFO`
    /// adds the fields to a BCF). [config: annotated_vcf]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    annotated_vcf: bool,
    /// Skip (and count) records whose REF differs from the genome instead of failing.
    /// [config: skip_ref_mismatch]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skip_ref_mismatch: bool,
    /// Skip (and count) records on chromosomes the genome lacks instead of failing.
    /// [config: skip_unknown_chroms]
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    skip_unknown_chroms: bool,
    /// Only the records in this region: `chrom` or `chrom:start-end` (1-based, inclusive).
    /// [config: region]
    #[arg(long, value_name = "REGION")]
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<String>,
    /// Only the i-th of n contiguous parts of the records (after --region), i from 1: for a
    /// job array. [config: shard]
    #[arg(long, value_name = "I/N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<Shard>,
}

/// Merge the artifacts of every shard of one run (`score --shard i/n`, i = 1..n) into the
/// artifact the run would have made whole: the rows concatenated in shard order. The shards must
/// have scored the same variants file with the same models, genome and parameters.
#[derive(Args)]
#[command(verbatim_doc_comment)]
pub(crate) struct MergeArgs {
    /// The shard artifacts, in any order.
    #[arg(value_name = "SHARD", required = true)]
    pub(crate) shards: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// A `--no-…` flag as the config key it sets to false.
fn negated<S: serde::Serializer>(flag: &bool, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(!flag)
}
