//! tfbind-interpret: a model artifact and a dataset artifact → a `motifs` artifact.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use indicatif::ProgressBar;
use serde::Serialize;
use tfbind_cli::{CommonArgs, UsageError};
use tfbind_interpret::params::Distance;
use tfbind_interpret::{
    InterpretError, InterpretParams, Method, Outcome, Progress, Request, SplitChoice, WindowSet,
    REPORT_HTML,
};
use tfbind_model::DeviceChoice;

/// The JASPAR CORE vertebrates file shipped in the repository this binary was built from.
const SHIPPED_DATABASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme"
);

/// Interpret a trained model: what its first-layer filters detect (PFMs from the windows that
/// activate them, as Novakovsky et al. 2021), how much each filter matters to each task
/// (influence), which JASPAR motifs the filters match (Tomtom p, E and q values), which filters
/// moved toward the target TF's motif compared with another model (--compare-to), base-level
/// attributions of chosen windows (ISM, gradient × input, integrated gradients), and a
/// self-contained HTML report.
///
/// Writes a `motifs` artifact: filters.meme, filters.tsv, tomtom.tsv, influence.tsv,
/// comparison.tsv (with --compare-to), attributions/{ohe,ism,gradient_x_input,
/// integrated_gradients}.npz (arr_0 float32 [N, 4, L], the layout `modisco motifs -s ohe.npz
/// -a ism.npz -w L` reads) with attributions/windows.tsv, report.html and summary.json.
///
/// Rerunning with the same inputs and parameters does nothing unless --force.
#[derive(Parser)]
#[command(name = "tfbind-interpret", version, verbatim_doc_comment)]
struct Cli {
    /// The `model` artifact to interpret (tfbind-pretrain or tfbind-finetune).
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// The `dataset` artifact (tfbind-encode) whose windows are scanned and attributed; its
    /// tasks are matched to the model's by name.
    #[arg(long, value_name = "DIR")]
    dataset: PathBuf,
    /// Where to write the `motifs` artifact (a directory, replaced atomically).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Motif database in MEME format that filters are compared with. [config: database;
    /// default: the repository's data/jaspar/JASPAR_CORE_vertebrates_nonredundant.meme]
    #[arg(long, value_name = "MEME")]
    database: Option<PathBuf>,
    /// Another model with the same first layer, typically the pre-trained model this one was
    /// fine-tuned from: report which filters moved toward the --task TF's database motifs.
    #[arg(long, value_name = "MODEL_DIR")]
    compare_to: Option<PathBuf>,
    /// Attribute the dataset windows overlapping these BED intervals (any split) instead of the
    /// strongest bound windows.
    #[arg(long = "windows", value_name = "BED")]
    windows_bed: Option<PathBuf>,
    /// Pipeline config file: its [interpret] section sets `database` and the parameters below;
    /// flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The task (TF) interpreted: attribution target and the TF of --compare-to. [config: task;
    /// default: the task with the most bound windows in --split]
    #[arg(long, value_name = "NAME")]
    task: Option<String>,
    /// Split whose windows make filter motifs and influence and are attributed: train, valid,
    /// test or all. [config: split; default: test]
    #[arg(long, value_name = "SPLIT")]
    split: Option<SplitChoice>,
    /// Which windows of the split make filter motifs and influence: bound and predicted bound
    /// for a task (correct-positives), bound (positives), or all. [config: windows; default:
    /// correct-positives]
    #[arg(long = "window-set", value_name = "SET")]
    window_set: Option<WindowSet>,
    /// A filter's sites are where its activation exceeds this fraction of its maximum.
    /// [config: activation_threshold; default: 0.5]
    #[arg(long, value_name = "F")]
    activation_threshold: Option<f64>,
    /// At most this many windows (seeded random subset) for influence, which costs a forward
    /// pass per window and filter. [config: influence_windows; default: 1000]
    #[arg(long, value_name = "N")]
    influence_windows: Option<usize>,
    /// Database matches per filter in tomtom.tsv. [config: top_matches; default: 5]
    #[arg(long, value_name = "N")]
    top_matches: Option<usize>,
    /// Tomtom column score: pearson or euclidean. [config: distance; default: pearson]
    #[arg(long, value_name = "SCORE")]
    distance: Option<Distance>,
    /// Minimum number of aligned columns in a Tomtom match. [config: min_overlap; default: 1]
    #[arg(long, value_name = "N")]
    min_overlap: Option<usize>,
    /// A database match counts at this q-value or below. [config: max_q_value; default: 0.05]
    #[arg(long, value_name = "Q")]
    max_q_value: Option<f64>,
    /// Informative filters hold at least this many bits... [config: min_information;
    /// default: 3]
    #[arg(long, value_name = "BITS")]
    min_information: Option<f64>,
    /// ...from at least this many sites. [config: min_sites; default: 10]
    #[arg(long, value_name = "N")]
    min_sites: Option<usize>,
    /// Without --windows: attribute this many bound windows of the split, highest predicted
    /// first. [config: attribution_windows; default: 50]
    #[arg(long, value_name = "N")]
    attribution_windows: Option<usize>,
    /// Attribution methods, comma-separated (ism, gradient-x-input, integrated-gradients);
    /// `--methods` without a value computes none. [config: methods; default: all three]
    #[arg(long, value_name = "LIST", value_delimiter = ',', num_args = 0..)]
    methods: Option<Vec<Method>>,
    /// Integrated gradients: points on each path. [config: ig_steps; default: 32]
    #[arg(long, value_name = "N")]
    ig_steps: Option<usize>,
    /// Integrated gradients: dinucleotide-shuffled references per window. [config:
    /// ig_references; default: 8]
    #[arg(long, value_name = "N")]
    ig_references: Option<usize>,
    /// Windows with attribution tracks in the report. [config: report_windows; default: 3]
    #[arg(long, value_name = "N")]
    report_windows: Option<usize>,
    /// Windows per forward pass. [config: batch_size; default: 256]
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Seed of the influence subset and the shuffled references. [config: seed; default: 0]
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Where the model runs: cpu, cuda, or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    device: DeviceChoice,
    /// Rebuild the artifact even if it is up to date.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: CommonArgs,
}

/// Resolves the parameters: defaults, then the config's [interpret] section, then the flags.
fn resolve(cli: &Cli) -> anyhow::Result<(PathBuf, InterpretParams)> {
    let (config_database, mut p): (_, InterpretParams) =
        tfbind_cli::load_params_and_path(cli.config.as_deref(), "interpret", "database")?;
    if let Some(v) = &cli.task {
        p.task = Some(v.clone());
    }
    if let Some(v) = cli.split {
        p.split = v;
    }
    if let Some(v) = cli.window_set {
        p.windows = v;
    }
    if let Some(v) = cli.distance {
        p.distance = v;
    }
    if let Some(v) = &cli.methods {
        p.methods = v.clone();
    }
    let numbers = [
        (cli.influence_windows, &mut p.influence_windows),
        (cli.top_matches, &mut p.top_matches),
        (cli.min_overlap, &mut p.min_overlap),
        (cli.min_sites, &mut p.min_sites),
        (cli.attribution_windows, &mut p.attribution_windows),
        (cli.ig_steps, &mut p.ig_steps),
        (cli.ig_references, &mut p.ig_references),
        (cli.report_windows, &mut p.report_windows),
        (cli.batch_size, &mut p.batch_size),
    ];
    for (flag, field) in numbers {
        if let Some(v) = flag {
            *field = v;
        }
    }
    if let Some(v) = cli.activation_threshold {
        p.activation_threshold = v;
    }
    if let Some(v) = cli.max_q_value {
        p.max_q_value = v;
    }
    if let Some(v) = cli.min_information {
        p.min_information = v;
    }
    if let Some(v) = cli.seed {
        p.seed = v;
    }
    p.validate().map_err(UsageError)?;
    let database = match cli.database.clone().or(config_database) {
        Some(path) => path,
        None if Path::new(SHIPPED_DATABASE).is_file() => PathBuf::from(SHIPPED_DATABASE),
        None => {
            return Err(UsageError(format!(
                "no motif database: the shipped JASPAR file {SHIPPED_DATABASE} is missing; give \
                 --database FILE.meme or `database` in the config's [interpret]"
            ))
            .into())
        }
    };
    Ok((database, p))
}

/// One progress bar, reused by the steps; each step's time is logged, for logs where the bar is
/// hidden (Slurm, Make).
struct Bar {
    bar: ProgressBar,
    current: Mutex<Option<(String, Instant)>>,
}

impl Bar {
    fn end_step(&self) {
        if let Some((step, started)) = self.current.lock().expect("not poisoned").take() {
            tracing::info!(
                step,
                seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                "done"
            );
        }
    }
}

impl Progress for Bar {
    fn start(&self, step: &str, len: u64) {
        self.end_step();
        *self.current.lock().expect("not poisoned") = Some((step.to_string(), Instant::now()));
        self.bar.set_message(step.to_string());
        self.bar.set_length(len);
        self.bar.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }

    fn finish(&self) {
        self.end_step();
        self.bar.finish_and_clear();
    }
}

fn human(outcome: &Outcome, max_q_value: f64) -> String {
    let s = &outcome.summary;
    let mut out = String::new();
    if outcome.up_to_date {
        let _ = writeln!(
            out,
            "{} is up to date; nothing to do (--force rebuilds it)",
            outcome.out.display()
        );
    }
    let _ = writeln!(
        out,
        "{}: {} of {} filters have sites in {} {}; {} informative, {} matching the database at q <= {max_q_value}",
        outcome.out.display(),
        s.filters_with_sites,
        s.filters,
        s.filter_windows,
        s.window_set.description(),
        s.informative_filters,
        s.matched_filters,
    );
    let top: Vec<String> = s
        .top_filters
        .iter()
        .map(|f| {
            let influence = f.influence.map_or("NA".into(), |v| format!("{v:+.3}"));
            match &f.best_match {
                Some(m) => format!("filter{} {influence} ({m})", f.filter),
                None => format!("filter{} {influence}", f.filter),
            }
        })
        .collect();
    let _ = writeln!(out, "most influential on {}: {}", s.task, top.join(", "));
    if let Some(c) = &s.comparison {
        let _ = writeln!(
            out,
            "vs {}: filters matching {} {} -> {}, {} moved toward it",
            c.other, c.tf, c.matching_before, c.matching_after, c.moved_toward
        );
    }
    if s.attributed_windows > 0 {
        let methods: Vec<&str> = s.methods.iter().map(|m| m.name()).collect();
        let _ = writeln!(
            out,
            "attributed {} windows ({})",
            s.attributed_windows,
            methods.join(", ")
        );
    }
    let _ = write!(out, "report: {}", outcome.out.join(REPORT_HTML).display());
    out
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a Path,
    up_to_date: bool,
    #[serde(flatten)]
    summary: &'a tfbind_interpret::Summary,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let (database, params) = resolve(&cli)?;
        tfbind_model::set_threads(cli.common.threads());
        let device = cli.device.resolve()?;
        let bar = Bar {
            bar: tfbind_cli::bar(&cli.common, 0, "interpret"),
            current: Mutex::new(None),
        };
        let request = Request {
            model: &cli.model,
            dataset: &cli.dataset,
            database: &database,
            compare_to: cli.compare_to.as_deref(),
            windows_bed: cli.windows_bed.as_deref(),
            out: &cli.out,
            params: &params,
            device,
            force: cli.force,
        };
        let outcome = tfbind_interpret::run(&request, &bar).map_err(|e| match e {
            // Naming a task the model lacks is a mistake in the call, not in the data.
            InterpretError::UnknownTask { .. } => anyhow::Error::new(UsageError(e.to_string())),
            e => anyhow::Error::new(e),
        });
        let outcome =
            outcome.with_context(|| format!("cannot interpret {}", cli.model.display()))?;
        bar.finish();
        let report = Report {
            out: &outcome.out,
            up_to_date: outcome.up_to_date,
            summary: &outcome.summary,
        };
        cli.common
            .report(&report, human(&outcome, params.max_q_value));
        Ok(())
    })
}
