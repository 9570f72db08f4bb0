//! The command line of tfbind-transfer.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, CommonArgs, UsageError};
use tfbind_model::DeviceChoice;
use tfbind_train::stage::Runtime;
use tfbind_transfer::{default_cache, ChoiceStrategy, Request, Settings};

/// The default path for a new TF (Novakovsky et al. 2021's best practice): fine-tune it from a
/// small model pre-trained on its biologically relevant TFs.
///
/// Steps, each an artifact in its own directory of --out:
///   labels/   the target's labels over the regions artifact's windows (with --peaks; the
///             shared regions artifact is only read)
///   windows/  dataset/   its single-task dataset ([negatives], [encode])
///   (choice)  its pre-training TFs, chosen without its test windows (--strategy):
///             auto       co-binding when it has at least --min-cobound bound windows labelled
///                        for other TFs, else JASPAR motif similarity (the native Tomtom)
///             cobinding, motif, combined (co-bound and motif-similar TFs in turn)
///   (cache)   a small multi-task model pre-trained on them, from random weights or from
///             --pretrain-init MODEL's (e.g. the project's 50-TF model, as `make finetune` does
///             when it is built; compared in docs/results-experiment.md),
///             in --cache under a key of the sorted set, the regions artifact, the model started
///             from and every setting: built once, reused by every target with the same set;
///             concurrent runs (Slurm array tasks) wait for the one building it
///   model/    the fine-tuned model ([finetune]) with its test metrics; its manifest and
///             summary.json record the set, the strategy and the numbers it was chosen on
///
/// --from MODEL skips the choice and the pre-training: fine-tunes from that model (the path
/// before tfbind-transfer). Rerunning does only what is out of date; interrupted training
/// resumes from its checkpoint.
///
/// Config: the [peaks], [negatives], [encode], [pretrain], [finetune] sections make the
/// target's data and models as the other stages would; [transfer] holds the keys below marked
/// [config: …].
///
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage (an unknown TF, a bad
/// flag or config key).
///
/// Examples:
///   # a new TF from its peaks
///   tfbind-transfer --tf FOXA2 --peaks FOXA2.narrowPeak.gz --regions work/regions \
///       --genome hg38.fa.gz --out work/new/FOXA2
///   # a TF of the regions artifact, from the existing 50-TF model
///   tfbind-transfer --tf JUNB --regions work/regions --genome hg38.fa.gz \
///       --from work/pretrain/model --out work/new/JUNB
#[derive(Parser)]
#[command(name = "tfbind-transfer", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The target TF: the name of its peaks' column, or a column of --regions.
    #[arg(long, value_name = "NAME")]
    tf: String,
    /// The target's peak file (narrowPeak or BED3+, plain, gzip or bgzip); without it the
    /// target is the --tf column of --regions.
    #[arg(long, value_name = "FILE")]
    peaks: Option<PathBuf>,
    /// The project's `regions` artifact (tfbind-peaks): its windows and the TFs to choose from.
    #[arg(long, value_name = "DIR")]
    regions: PathBuf,
    /// The genome FASTA (plain or bgzip) the regions were made on.
    #[arg(long, value_name = "FASTA")]
    genome: PathBuf,
    /// Fine-tune from this pre-trained `model` artifact: no choice, no pre-training.
    #[arg(long, value_name = "MODEL")]
    from: Option<PathBuf>,
    /// Measure the model on the test windows of this `dataset` artifact (same TF and window
    /// length) instead of its own dataset's; they are left out of the choice too.
    #[arg(long, value_name = "DIR")]
    test_dataset: Option<PathBuf>,
    /// The cache of small pre-trained models [default: pretrained-sets/ beside --out].
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Where to train: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    device: DeviceChoice,
    /// Discard checkpoints of an interrupted fine-tuning instead of resuming from them.
    #[arg(long)]
    restart: bool,
    #[command(flatten)]
    flags: Flags,
    /// The run directory: one artifact per step in it (labels/, windows/, dataset/, model/),
    /// each replaced only when out of date.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Pipeline config file: [peaks], [negatives], [encode], [pretrain] and [finetune] make the
    /// target's data and models as those stages would; [transfer] sets the options marked
    /// [config: …] (the flag's name with underscores), and the flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Rebuild the run's own artifacts even if they are up to date (never the cache's models,
    /// which other runs share).
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// The flags that set [transfer] keys of the same name.
#[derive(clap::Args, Serialize)]
struct Flags {
    /// How the pre-training TFs are chosen: auto, cobinding, motif or combined (see above).
    /// [config: strategy; default: auto]
    #[arg(long, value_name = "HOW", value_parser = choice::<ChoiceStrategy>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    strategy: Option<ChoiceStrategy>,
    /// Pre-training TFs. [config: k; default: 5]
    #[arg(short, long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    k: Option<usize>,
    /// Candidate TFs need at least N bound windows outside the target's test windows.
    /// [config: min_bound; default: 300]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_bound: Option<usize>,
    /// auto: co-binding needs at least N of the target's bound windows (outside its test
    /// windows) labelled for a candidate TF, else motif similarity. [config: min_cobound;
    /// default: 100]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_cobound: Option<usize>,
    /// JASPAR MEME file of motif similarity. [config: motifs; default:
    /// $TFBIND_JASPAR, else data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme of the tfbind
    /// tree holding this binary, else of the working directory]
    #[arg(long, value_name = "FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    motifs: Option<PathBuf>,
    /// Pre-train on at most N windows, those bound by a chosen TF first (0: all).
    /// [config: pretrain_windows; default: 20000]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pretrain_windows: Option<usize>,
    /// Epochs of the small pre-training. [config: pretrain_epochs; default: 2]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pretrain_epochs: Option<usize>,
    /// Stop the small pre-training after N epochs without a lower validation loss.
    /// [config: pretrain_patience; default: 1]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pretrain_patience: Option<usize>,
    /// Pre-train on both strands (each window also reverse-complemented; twice the time of
    /// one strand). [config: pretrain_rc_augment; default: true]
    #[arg(long, value_name = "BOOL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pretrain_rc_augment: Option<bool>,
    /// Start the small pre-training from this `model` artifact's weights (all but its output
    /// layer), e.g. the project's 50-TF model, instead of random ones: same architecture and
    /// window length. Part of the cache key (by the model's manifest checksum).
    /// [config: pretrain_init; default: none, random weights]
    #[arg(long, value_name = "MODEL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pretrain_init: Option<PathBuf>,
    /// Stop fine-tuning after N epochs without a lower validation loss, where [finetune] sets
    /// no patience. [config: finetune_patience; default: 3]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    finetune_patience: Option<usize>,
}

impl Cli {
    /// The request: every section resolved from the config, [transfer] with the flags over it.
    pub(crate) fn request(&self) -> Result<Request, UsageError> {
        let config = self.config.as_deref();
        let none = toml::Table::new;
        let settings = Settings {
            peaks: tfbind_cli::resolve(config, "peaks", none())?,
            negatives: tfbind_cli::resolve(config, "negatives", none())?,
            encode: tfbind_cli::resolve(config, "encode", none())?,
            pretrain: tfbind_cli::resolve(config, "pretrain", none())?,
            finetune: tfbind_cli::resolve(config, "finetune", none())?,
            transfer: tfbind_cli::resolve(
                config,
                "transfer",
                tfbind_cli::flags_table(&self.flags),
            )?,
        };
        Ok(Request {
            target: self.tf.clone(),
            peaks: self.peaks.clone(),
            regions: self.regions.clone(),
            genome: self.genome.clone(),
            out: self.out.clone(),
            from: self.from.clone(),
            test_dataset: self.test_dataset.clone(),
            cache: self
                .cache
                .clone()
                .unwrap_or_else(|| default_cache(&self.out)),
            force: self.force,
            settings,
            runtime: Runtime {
                device: self.device,
                // tfbind-finetune's default: fine-tuning datasets are small.
                eval_batch_size: 1000,
                restart: self.restart,
            },
        })
    }
}
