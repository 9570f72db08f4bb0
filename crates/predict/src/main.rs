//! tfbind-predict: per-task binding probabilities of a trained model for BED regions or FASTA
//! sequences.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{ArgGroup, Parser};
use serde::{Deserialize, Serialize};
use tfbind_cli::{AtomicFile, CommonArgs, UsageError};
use tfbind_genome::Genome;
use tfbind_model::{DeviceChoice, ModelArtifact};
use tfbind_predict::{predict_regions, read_bed, read_fasta, Input, Outputs, Params, Source};

/// Predict per-task binding probabilities with a `model` artifact (tfbind-pretrain or
/// tfbind-finetune) for regions of a genome (--bed with --genome) or for sequences (--fasta).
///
/// Regions of the model's window length are predicted as they are; longer ones are tiled with
/// windows every --stride bases plus one flush with the region's end; shorter ones are an error.
///
/// --out is a TSV with a header, one row per window: chrom, start, end (BED coordinates; for
/// FASTA, the record name and offsets in it), name (the BED name, else chrom:start-end with the
/// BED start and end; the FASTA record name), then one probability per task in the model's
/// order. --bedgraph writes one task's probabilities as bedGraph, each window covering the bases
/// nearest its centre.
/// Outputs are written to a temporary file and renamed, so they are complete or absent.
#[derive(Parser)]
#[command(name = "tfbind-predict", version, verbatim_doc_comment)]
#[command(group(ArgGroup::new("input").required(true).args(["bed", "fasta"])))]
struct Cli {
    /// The `model` artifact directory.
    #[arg(long, value_name = "DIR")]
    model: PathBuf,
    /// Regions to predict, BED3+ (plain or gzip); needs --genome.
    #[arg(long, value_name = "BED", requires = "genome")]
    bed: Option<PathBuf>,
    /// Genome FASTA (plain or bgzip) for --bed; .fai/.gzi are built beside it when missing.
    #[arg(long, value_name = "FASTA")]
    genome: Option<PathBuf>,
    /// Sequences to predict, FASTA (plain or gzip), instead of --bed.
    #[arg(long, value_name = "FASTA", conflicts_with = "genome")]
    fasta: Option<PathBuf>,
    /// The TSV of probabilities to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Also write this task's probabilities as bedGraph (needs --task).
    #[arg(long, value_name = "FILE", requires = "task")]
    bedgraph: Option<PathBuf>,
    /// The task (TF) of --bedgraph, as named in the model's tasks.txt.
    #[arg(long, value_name = "NAME", requires = "bedgraph")]
    task: Option<String>,
    /// Pipeline config file: its [predict] section sets the parameters below; flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Bases between window starts in regions longer than the window.
    /// [config: stride; default: the window length]
    #[arg(long, value_name = "N")]
    stride: Option<u64>,
    /// Average each window's probabilities with its reverse complement's.
    /// [config: rc_average; default: false]
    #[arg(long)]
    rc_average: bool,
    /// Windows per forward pass. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    batch_size: Option<usize>,
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    device: DeviceChoice,
    #[command(flatten)]
    common: CommonArgs,
}

/// The [predict] section of a pipeline config.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct PredictConfig {
    stride: Option<u64>,
    rc_average: bool,
    batch_size: Option<usize>,
}

/// Batch 100 is the fastest on CPU (measured by scripts/bench-train.sh: larger batches of this
/// network run fewer windows per second).
const DEFAULT_BATCH: usize = 100;

fn resolve(cli: &Cli, window: u64) -> anyhow::Result<Params> {
    let config: PredictConfig = tfbind_cli::load_params(cli.config.as_deref(), "predict")?;
    let params = Params {
        stride: cli.stride.or(config.stride).unwrap_or(window),
        rc_average: cli.rc_average || config.rc_average,
        batch_size: cli
            .batch_size
            .or(config.batch_size)
            .unwrap_or(DEFAULT_BATCH),
    };
    if params.stride == 0 || params.batch_size == 0 {
        return Err(UsageError("--stride and --batch-size must be at least 1".into()).into());
    }
    Ok(params)
}

#[derive(Serialize)]
struct Report<'a> {
    out: &'a Path,
    bedgraph: Option<&'a Path>,
    regions: usize,
    windows: usize,
    tasks: usize,
    window_len: usize,
    stride: u64,
    rc_average: bool,
    /// The whole run, from reading the model to the renamed outputs.
    seconds: f64,
    /// Fetching, predicting and writing the windows (without start-up and model loading).
    predict_seconds: f64,
    /// Windows per second of `predict_seconds`.
    windows_per_s: f64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_model::set_threads(cli.common.threads());
    tfbind_cli::run(|| {
        let started = std::time::Instant::now();
        let artifact = ModelArtifact::open(&cli.model)
            .with_context(|| format!("cannot open the model {}", cli.model.display()))?;
        let window = artifact.spec().window_len;
        let params = resolve(&cli, window as u64)?;
        let tasks = artifact.tasks();
        let bedgraph_task = match &cli.task {
            Some(name) => Some(tasks.iter().position(|t| t == name).ok_or_else(|| {
                UsageError(format!(
                    "the model has no task '{name}' (its tasks: {})",
                    tasks.join(", ")
                ))
            })?),
            None => None,
        };
        let device = cli.device.resolve()?;
        let model = artifact.load(device)?;

        let genome;
        let fasta;
        let (path, regions, source) = match (&cli.bed, &cli.fasta) {
            (Some(bed), _) => {
                let genome_path = cli.genome.as_deref().expect("clap requires --genome");
                genome = Genome::open(genome_path)
                    .with_context(|| format!("cannot open the genome {}", genome_path.display()))?;
                (bed, read_bed(bed, genome.sizes())?, Source::Genome(&genome))
            }
            (None, Some(fa)) => {
                let (regions, sequences) = read_fasta(fa)?;
                fasta = sequences;
                (fa, regions, Source::Sequences(&fasta))
            }
            (None, None) => unreachable!("clap requires --bed or --fasta"),
        };
        tracing::info!(
            model = %cli.model.display(),
            input = %path.display(),
            regions = regions.len(),
            window,
            stride = params.stride,
            rc_average = params.rc_average,
            ?device,
            "predicting"
        );

        let mut tsv = AtomicFile::create(&cli.out)?;
        let mut graph = cli
            .bedgraph
            .as_deref()
            .map(AtomicFile::create)
            .transpose()?;
        if let (Some(g), Some(task)) = (graph.as_mut(), &cli.task) {
            writeln!(
                g.writer,
                "track type=bedGraph name=\"{task}\" description=\"tfbind-predict {} {task}\"",
                cli.model.display()
            )?;
        }
        let bar = tfbind_cli::spinner(&cli.common, "windows");
        let predicting = std::time::Instant::now();
        let input = Input {
            path,
            regions: &regions,
            source,
        };
        let outputs = Outputs {
            tsv: &mut tsv.writer,
            bedgraph: graph
                .as_mut()
                .zip(bedgraph_task)
                .map(|(g, t)| (&mut g.writer as &mut (dyn Write + Send), t)),
        };
        let counts = predict_regions(&model, tasks, &input, &params, outputs, &|n| {
            bar.inc(n as u64)
        })
        .with_context(|| format!("cannot predict {}", path.display()))?;
        let predict_seconds = predicting.elapsed().as_secs_f64();
        bar.finish_and_clear();
        tsv.commit()?;
        if let Some(g) = graph {
            g.commit()?;
        }

        let seconds = started.elapsed().as_secs_f64();
        let report = Report {
            out: &cli.out,
            bedgraph: cli.bedgraph.as_deref(),
            regions: counts.regions,
            windows: counts.windows,
            tasks: tasks.len(),
            window_len: window,
            stride: params.stride,
            rc_average: params.rc_average,
            seconds,
            predict_seconds,
            windows_per_s: counts.windows as f64 / predict_seconds,
        };
        let human = format!(
            "{}: {} windows of {} regions × {} tasks{} in {:.1} s",
            cli.out.display(),
            counts.windows,
            counts.regions,
            tasks.len(),
            if params.rc_average {
                " (averaged with reverse complements)"
            } else {
                ""
            },
            seconds
        );
        cli.common.report(&report, human);
        Ok(())
    })
}
