//! The command line of tfbind-interpret.

use std::path::PathBuf;

use clap::Parser;
use serde::Serialize;
use tfbind_cli::{choice, StageArgs};
use tfbind_interpret::{Method, SplitChoice, WindowSet};
use tfbind_model::DeviceChoice;
use tfbind_motifs::Distance;

/// Interpret a trained model: what its first-layer filters detect (PFMs from the windows that
/// activate them, as Novakovsky et al. 2021), how much each filter matters to each task
/// (influence), which JASPAR motifs the filters match (Tomtom p, E and q values), which filters
/// moved toward the target TF's motif compared with another model (--compare-to), base-level
/// attributions of chosen windows (ISM, gradient × input, integrated gradients, DeepLIFT/SHAP),
/// their seqlets annotated with database motifs, and a self-contained HTML report.
///
/// Writes a `motifs` artifact: filters.meme, filters.tsv, tomtom.tsv, influence.tsv,
/// comparison.tsv (with --compare-to), attributions/{ohe,ism,gradient_x_input,
/// integrated_gradients,deeplift_shap}.npz (arr_0 float32 [N, 4, L], the layout `modisco motifs
/// -s ohe.npz -a ism.npz -w L` reads; deeplift_shap_contributions.npz besides) with
/// attributions/windows.tsv, seqlets.tsv and seqlet_motifs.tsv (with attributions), report.html
/// and summary.json.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
/// Exit status: 0 success, 1 bad input data or a failure, 2 bad usage.
#[derive(Parser)]
#[command(name = "tfbind-interpret", version, verbatim_doc_comment)]
pub(crate) struct Cli {
    /// The `model` artifact to interpret (tfbind-pretrain or tfbind-finetune).
    #[arg(long, value_name = "DIR")]
    pub(crate) model: PathBuf,
    /// The `dataset` artifact (tfbind-encode) whose windows are scanned and attributed; its
    /// tasks are matched to the model's by name.
    #[arg(long, value_name = "DIR")]
    pub(crate) dataset: PathBuf,
    /// Another model with the same first layer, typically the pre-trained model this one was
    /// fine-tuned from: report which filters moved toward the --task TF's database motifs.
    #[arg(long, value_name = "MODEL_DIR")]
    pub(crate) compare_to: Option<PathBuf>,
    /// Attribute the dataset windows overlapping these BED intervals (any split) instead of the
    /// strongest bound windows.
    #[arg(long = "windows", value_name = "BED")]
    pub(crate) windows_bed: Option<PathBuf>,
    /// Where the model runs: cpu, cuda, or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub(crate) device: DeviceChoice,
    #[command(flatten)]
    pub(crate) flags: Flags,
    #[command(flatten)]
    pub(crate) stage: StageArgs,
}

/// The flags that set [interpret] keys of the same name.
#[derive(clap::Args, Serialize)]
pub(crate) struct Flags {
    /// Motif database in MEME format that filters are compared with. [config: database;
    /// default: $TFBIND_JASPAR, else data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme of
    /// the tfbind tree holding this binary, else of the working directory]
    #[arg(long, value_name = "MEME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    database: Option<PathBuf>,
    /// The task (TF) interpreted: attribution target and the TF of --compare-to. [config: task;
    /// default: the task with the most bound windows in --split]
    #[arg(long, value_name = "NAME")]
    #[serde(skip_serializing_if = "Option::is_none")]
    task: Option<String>,
    /// Split whose windows make filter motifs and influence and are attributed.
    /// [config: split; default: test]
    #[arg(long, value_name = "SPLIT", value_parser = choice::<SplitChoice>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<SplitChoice>,
    /// Which windows of the split make filter motifs and influence: bound and predicted bound
    /// for a task (correct-positives), bound (positives), or all. [config: windows; default:
    /// correct-positives]
    #[arg(long = "window-set", value_name = "SET", value_parser = choice::<WindowSet>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<WindowSet>,
    /// A filter's sites are where its activation exceeds this fraction of its maximum.
    /// [config: activation_threshold; default: 0.5]
    #[arg(long, value_name = "F")]
    #[serde(skip_serializing_if = "Option::is_none")]
    activation_threshold: Option<f64>,
    /// At most this many windows (seeded random subset) for influence, which costs a forward
    /// pass per window and filter. [config: influence_windows; default: 1000]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    influence_windows: Option<usize>,
    /// Database matches per filter in tomtom.tsv. [config: top_matches; default: 5]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    top_matches: Option<usize>,
    /// Tomtom column score. [config: distance; default: pearson]
    #[arg(long, value_name = "SCORE", value_parser = choice::<Distance>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    distance: Option<Distance>,
    /// Minimum number of aligned columns in a Tomtom match. [config: min_overlap; default: 1]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_overlap: Option<usize>,
    /// A database match counts at this q-value or below. [config: max_q_value; default: 0.05]
    #[arg(long, value_name = "Q")]
    #[serde(skip_serializing_if = "Option::is_none")]
    max_q_value: Option<f64>,
    /// Informative filters hold at least this many bits... [config: min_information;
    /// default: 3]
    #[arg(long, value_name = "BITS")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_information: Option<f64>,
    /// ...from at least this many sites. [config: min_sites; default: 10]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_sites: Option<usize>,
    /// Without --windows: attribute this many bound windows of the split, highest predicted
    /// first. [config: attribution_windows; default: 50]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    attribution_windows: Option<usize>,
    /// Attribution methods, comma-separated (ism, gradient-x-input, integrated-gradients,
    /// deeplift-shap); `--methods` without a value computes none. [config: methods; default: the
    /// first three; deeplift-shap refuses DanQ]
    #[arg(long, value_name = "LIST", value_delimiter = ',', num_args = 0..)]
    #[arg(value_parser = choice::<Method>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    methods: Option<Vec<Method>>,
    /// Integrated gradients: points on each path. [config: ig_steps; default: 32]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    ig_steps: Option<usize>,
    /// Integrated gradients: dinucleotide-shuffled references per window. [config:
    /// ig_references; default: 8]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    ig_references: Option<usize>,
    /// DeepLIFT/SHAP: dinucleotide-shuffled references per window. [config:
    /// deeplift_references; default: 20]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    deeplift_references: Option<usize>,
    /// Seqlets are called from this method's attributions. [config: seqlets_from; default:
    /// deeplift-shap when computed, else the first of --methods]
    #[arg(long, value_name = "METHOD", value_parser = choice::<Method>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    seqlets_from: Option<Method>,
    /// Seqlets (tangermeme's recursive_seqlets): p-value threshold of a span and of every
    /// span inside it. [config: seqlet_threshold; default: 0.01]
    #[arg(long, value_name = "P")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seqlet_threshold: Option<f64>,
    /// Shortest seqlet, and shortest span inside one that must pass the threshold.
    /// [config: min_seqlet_len; default: 4]
    #[arg(long, value_name = "BP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    min_seqlet_len: Option<usize>,
    /// Longest seqlet. [config: max_seqlet_len; default: 25]
    #[arg(long, value_name = "BP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    max_seqlet_len: Option<usize>,
    /// Positions added on each side of a called seqlet. [config: additional_flanks; default: 0]
    #[arg(long, value_name = "BP")]
    #[serde(skip_serializing_if = "Option::is_none")]
    additional_flanks: Option<usize>,
    /// Bins of the seqlet null distribution. [config: seqlet_bins; default: 1000]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seqlet_bins: Option<usize>,
    /// Tomtom column score of seqlet annotation. [config: seqlet_distance; default: euclidean,
    /// as tangermeme's annotate_seqlets]
    #[arg(long, value_name = "SCORE", value_parser = choice::<Distance>())]
    #[serde(skip_serializing_if = "Option::is_none")]
    seqlet_distance: Option<Distance>,
    /// Windows with attribution tracks in the report. [config: report_windows; default: 3]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    report_windows: Option<usize>,
    /// Windows per forward pass. [config: batch_size; default: 256]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    batch_size: Option<usize>,
    /// Seed of the influence subset and the shuffled references. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
}
