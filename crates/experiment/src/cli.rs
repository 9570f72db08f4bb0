//! The command line of tfbind-experiment.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tfbind_cli::CommonArgs;
use tfbind_experiment::InterpretOptions;

/// The transfer-learning experiment (Novakovsky et al. 2021): for each target TF, training-set
/// size and seed, single-task models trained from scratch and fine-tuned from differently
/// pre-trained models on the same subsample, measured on the same test windows and compared.
///
/// A TOML config sets everything (configs/experiment.toml is the full run of docs/experiment/,
/// configs/experiment-quick.toml the quick CI form):
///   [bundle]       dir, regions, labels, genome (relative to the config file)
///   [split]        method = "chromosome" (valid_chroms, test_chroms) or "hashed"
///                  (valid_fraction, test_fraction, seed)
///   [experiment]   targets, sizes, seeds, thin, threads, pretrain_epochs, pretrain_patience,
///                  finetune_epochs, test_seed, reference, architecture, device, work, out
///   [[condition]]  name and kind: scratch | pretrained (model) | select (strategy, k,
///                  min_bound, seed, motifs) | tfs (tfs) | transfer (settings: the keys of
///                  tfbind-transfer's [transfer], the default path for a new TF)
///   [slurm]        resources of pipeline/slurm/submit-experiment.sh
///
/// Work directory layout: inputs/, regions/{all,train}, sets/, pretrain/<set>/{windows,dataset,
/// model}, pretrained-sets/ (tfbind-transfer's cache), data/<target>/{full,<size>-<seed>}/
/// {windows,dataset}, models/<target>/<size>-<seed>/<condition>, timings.tsv. Every artifact that
/// is up to date is reused and training resumes from its checkpoints, so rerunning continues an
/// interrupted run.
///
/// Outputs (summarise): results.tsv (one row per model), summary.tsv (median test AUPRC per
/// condition and size), per_target.tsv, paired.tsv (each condition against scratch and the
/// reference: wins, mean difference with a 95% t interval, exact sign test), results.md, auprc.svg.
///
/// Interpretation (interpret): tfbind-interpret on every fine-tuned model of one size, into
/// WORK/interpret/<target>/<size>-<seed>/<condition> (reused when up to date), then
/// interpretation.tsv and interpretation.md: filter refinement against the parent pre-trained model
/// and the seqlets explained by the target's motif family versus other motifs.
///
/// Exit status: 0 success, 1 bad data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-experiment", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the experiment (every task, then summarise), or one task of its plan (--task).
    Run(RunArgs),
    /// Write the task list (WORK/plan.tsv: task 0 the shared steps, then one per target) for a
    /// Slurm array, and print its path.
    Plan(Paths),
    /// Train nothing: make the tables and the plot from the models in the work directory.
    Summarise(Paths),
    /// Interpret the fine-tuned models of one size with tfbind-interpret (filter motifs matched to
    /// JASPAR, --compare-to the parent pre-trained model, filter influence, DeepLIFT/SHAP and
    /// seqlets on the target's test positives) and measure the paper's interpretation claims:
    /// OUT/interpretation.tsv and interpretation.md.
    Interpret(InterpretArgs),
}

#[derive(Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    pub(crate) paths: Paths,
    /// Run only task I of the plan (0: the shared steps, which every other task needs first;
    /// 1..: one target each), and do not summarise.
    #[arg(long, value_name = "I")]
    pub(crate) task: Option<usize>,
}

#[derive(Args)]
pub(crate) struct InterpretArgs {
    #[command(flatten)]
    pub(crate) paths: Paths,
    /// Interpret the models of this training-set size [default: 500 when among the config's
    /// sizes, else the largest].
    #[arg(long, value_name = "N")]
    pub(crate) size: Option<usize>,
    /// Only these seeds (comma-separated) [default: all of the config's].
    #[arg(long, value_name = "SEED", value_delimiter = ',', num_args = 1..)]
    pub(crate) seeds: Vec<u64>,
    /// Only these targets (comma-separated) [default: all of the config's].
    #[arg(long, value_name = "TF", value_delimiter = ',', num_args = 1..)]
    pub(crate) targets: Vec<String>,
    /// Only these conditions (comma-separated) [default: all of the config's].
    #[arg(long, value_name = "NAME", value_delimiter = ',', num_args = 1..)]
    pub(crate) conditions: Vec<String>,
    /// Test positives attributed per model (highest predicted first), and test windows whose
    /// filter influence is measured.
    #[arg(long, value_name = "N", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) windows: u64,
    /// Motif database (MEME format) [default: tfbind-interpret's, the shipped JASPAR CORE
    /// vertebrates file].
    #[arg(long, value_name = "FILE")]
    pub(crate) database: Option<PathBuf>,
}

impl InterpretArgs {
    pub(crate) fn options(&self) -> InterpretOptions {
        InterpretOptions {
            size: self.size,
            seeds: self.seeds.clone(),
            targets: self.targets.clone(),
            conditions: self.conditions.clone(),
            windows: self.windows as usize,
            database: self.database.clone(),
        }
    }
}

#[derive(Args)]
pub(crate) struct Paths {
    /// The experiment's TOML config.
    #[arg(long, value_name = "FILE")]
    pub(crate) config: PathBuf,
    /// The bundle's directory, instead of the config's [bundle] dir.
    #[arg(long, value_name = "DIR")]
    pub(crate) bundle: Option<PathBuf>,
    /// Intermediate artifacts, instead of the config's `work`.
    #[arg(long, value_name = "DIR")]
    pub(crate) work: Option<PathBuf>,
    /// Tables and plot, instead of the config's `out` [default: WORK/results].
    #[arg(long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
}
