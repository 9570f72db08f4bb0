//! One whole prediction run, as `tfbind-predict` asks for it: the model and the input opened, the
//! outputs checked to be apart from every input and written complete or not at all.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tfbind_artifact::stage::{check_out_files, Progress};
use tfbind_artifact::AtomicFile;
use tfbind_genome::Genome;
use tfbind_model::{Device, ModelArtifact};

use crate::{predict_regions, read_bed, read_fasta, Input, Outputs, Params, PredictError, Result};
use crate::{Counts, Source};

/// Where the regions and their sequence come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFiles {
    /// BED regions of a genome FASTA.
    Bed { bed: PathBuf, genome: PathBuf },
    /// FASTA records, each one region.
    Fasta(PathBuf),
}

/// What to predict, with what, and where to write it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The `model` artifact directory.
    pub model: PathBuf,
    pub input: InputFiles,
    /// The TSV of every task's probabilities.
    pub out: PathBuf,
    /// One task's probabilities as bedGraph: the file, and the task as the model names it.
    pub bedgraph: Option<(PathBuf, String)>,
    pub params: Params,
    pub device: Device,
}

/// What a run did, and how fast.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub bedgraph: Option<PathBuf>,
    #[serde(flatten)]
    pub counts: Counts,
    pub tasks: usize,
    pub window_len: usize,
    pub stride: u64,
    pub rc_average: bool,
    /// The whole run, from reading the model to the renamed outputs.
    pub seconds: f64,
    /// Fetching, predicting and writing the windows (without start-up and model loading).
    pub predict_seconds: f64,
    /// Windows per second of `predict_seconds`.
    pub windows_per_s: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} windows of {} regions × {} tasks{} in {:.1} s",
            self.out.display(),
            self.counts.windows,
            self.counts.regions,
            self.tasks,
            match self.rc_average {
                true => " (averaged with reverse complements)",
                false => "",
            },
            self.seconds
        )
    }
}

/// Predicts `request.input` with `request.model` into `request.out` (and its bedGraph), each
/// output written under a temporary name and renamed when complete. An output that is a
/// directory, another output or one of the run's inputs (the BED, FASTA, genome or model, by
/// canonical path) is refused before anything is read.
pub fn run(request: &Request, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let (path, input_files): (&Path, Vec<&Path>) = match &request.input {
        InputFiles::Bed { bed, genome } => (bed, vec![bed, genome]),
        InputFiles::Fasta(fasta) => (fasta, vec![fasta]),
    };
    let bedgraph = request.bedgraph.as_ref().map(|(p, _)| p.as_path());
    let outputs: Vec<&Path> = std::iter::once(request.out.as_path())
        .chain(bedgraph)
        .collect();
    let inputs: Vec<&Path> = input_files.into_iter().chain([&*request.model]).collect();
    check_out_files(&outputs, &inputs)?;

    let artifact = ModelArtifact::open(&request.model)?;
    let tasks = artifact.tasks();
    let window = artifact.spec().window_len;
    let bedgraph_task =
        match &request.bedgraph {
            Some((_, name)) => Some(tasks.iter().position(|t| t == name).ok_or_else(|| {
                PredictError::UnknownTask {
                    name: name.clone(),
                    known: tasks.join(", "),
                }
            })?),
            None => None,
        };
    let model = artifact.load(request.device)?;
    let genome;
    let fasta;
    let (regions, source) = match &request.input {
        InputFiles::Bed { bed, genome: g } => {
            genome = Genome::open(g)?;
            (read_bed(bed, genome.sizes())?, Source::Genome(&genome))
        }
        InputFiles::Fasta(fa) => {
            let (regions, sequences) = read_fasta(fa)?;
            fasta = sequences;
            (regions, Source::Sequences(&fasta))
        }
    };
    let params = &request.params;
    tracing::info!(
        model = %request.model.display(),
        input = %path.display(),
        regions = regions.len(),
        window,
        stride = params.stride(window as u64),
        rc_average = params.rc_average,
        device = ?request.device,
        "predicting"
    );

    let mut tsv = AtomicFile::create(&request.out)?;
    let mut graph = match &request.bedgraph {
        Some((path, task)) => {
            let mut g = AtomicFile::create(path)?;
            writeln!(
                g.writer,
                "track type=bedGraph name=\"{task}\" description=\"tfbind-predict {} {task}\"",
                request.model.display()
            )
            .map_err(|source| PredictError::Write {
                what: "the bedGraph",
                source,
            })?;
            Some(g)
        }
        None => None,
    };
    let predicting = Instant::now();
    let outputs = Outputs {
        tsv: &mut tsv.writer,
        bedgraph: graph
            .as_mut()
            .zip(bedgraph_task)
            .map(|(g, t)| (&mut g.writer as &mut (dyn Write + Send), t)),
    };
    let input = Input {
        path,
        regions: &regions,
        source,
    };
    let counts = predict_regions(&model, tasks, &input, params, outputs, progress)?;
    let predict_seconds = predicting.elapsed().as_secs_f64();
    tsv.commit()?;
    if let Some(g) = graph {
        g.commit()?;
    }
    Ok(Summary {
        out: request.out.clone(),
        bedgraph: bedgraph.map(Path::to_path_buf),
        counts,
        tasks: tasks.len(),
        window_len: window,
        stride: params.stride(window as u64),
        rc_average: params.rc_average,
        seconds: started.elapsed().as_secs_f64(),
        predict_seconds,
        windows_per_s: counts.windows as f64 / predict_seconds,
    })
}
