//! One whole prediction run, as `tfbind-predict` asks for it: the model and the input opened, the
//! outputs checked to be apart from every input and written complete or not at all.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use tfbind_artifact::stage::{check_out_apart, check_out_files, Progress};
use tfbind_artifact::AtomicFile;
use tfbind_genome::Genome;
use tfbind_model::{Device, ModelArtifact};

use crate::{acgt_stretches, predict_regions, read_bed, read_fasta, sort_for_tracks};
use crate::{BigWigs, Calls, Counts, Input, Outputs, Params, PredictError, Result, Source};

/// Where the regions and their sequence come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFiles {
    /// BED regions of a genome FASTA.
    Bed { bed: PathBuf, genome: PathBuf },
    /// FASTA records, each one region.
    Fasta(PathBuf),
    /// Whole chromosomes of a genome FASTA (every one when `chroms` is empty), as their
    /// stretches without N ([`crate::acgt_stretches`]).
    Chroms {
        genome: PathBuf,
        chroms: Vec<String>,
    },
}

/// The per-task tracks of a run, over genome coordinates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tracks {
    /// The directory of one `<task>.bw` per task: made when missing, refused when it holds
    /// anything unless `force`.
    pub bigwig: Option<PathBuf>,
    /// Write into a bigWig directory that is not empty, replacing its `<task>.bw` files.
    pub force: bool,
    /// The calls' BED, and the probability from which a base is called.
    pub calls: Option<(PathBuf, f32)>,
}

/// What to predict, with what, and where to write it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The `model` artifact directory.
    pub model: PathBuf,
    pub input: InputFiles,
    /// The TSV of every task's probabilities.
    pub out: Option<PathBuf>,
    /// One task's probabilities as bedGraph: the file, and the task as the model names it.
    pub bedgraph: Option<(PathBuf, String)>,
    pub tracks: Tracks,
    pub params: Params,
    pub device: Device,
}

/// What a run did, and how fast.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub out: Option<PathBuf>,
    pub bedgraph: Option<PathBuf>,
    pub bigwig: Option<PathBuf>,
    pub calls: Option<PathBuf>,
    /// Lines of the calls' BED.
    pub called: Option<usize>,
    #[serde(flatten)]
    pub counts: Counts,
    pub tasks: usize,
    pub window_len: usize,
    pub stride: u64,
    pub rc_average: bool,
    /// The whole run, from reading the model to the renamed outputs.
    pub seconds: f64,
    /// Fetching, predicting and writing the windows, bigWig indexes and zoom levels included
    /// (without start-up, model loading and finding N).
    pub predict_seconds: f64,
    /// Windows per second of `predict_seconds`.
    pub windows_per_s: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut written: Vec<String> = Vec::new();
        if let Some(out) = &self.out {
            written.push(out.display().to_string());
        }
        if let Some(graph) = &self.bedgraph {
            written.push(graph.display().to_string());
        }
        if let Some(dir) = &self.bigwig {
            written.push(format!("{} ({} bigWigs)", dir.display(), self.tasks));
        }
        if let (Some(calls), Some(n)) = (&self.calls, self.called) {
            written.push(format!("{} ({n} calls)", calls.display()));
        }
        write!(
            f,
            "{}: {} windows of {} regions × {} tasks{} in {:.1} s",
            written.join(", "),
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

/// Predicts `request.input` with `request.model` into every output asked for, each written under
/// a temporary name and all renamed once every one is complete. An output that is a directory,
/// another output or one of the run's inputs (the BED, FASTA, genome or model, by canonical
/// path) is refused before anything is read, and so is a bigWig directory that holds anything
/// (without `force`) or is, holds or lies inside an input.
pub fn run(request: &Request, progress: &dyn Progress) -> Result<Summary> {
    let started = Instant::now();
    let (path, input_files): (&Path, Vec<&Path>) = match &request.input {
        InputFiles::Bed { bed, genome } => (bed, vec![bed, genome]),
        InputFiles::Fasta(fasta) => (fasta, vec![fasta]),
        InputFiles::Chroms { genome, .. } => (genome, vec![genome]),
    };
    let tracks = &request.tracks;
    let wants_tracks = tracks.bigwig.is_some() || tracks.calls.is_some();
    if wants_tracks && matches!(request.input, InputFiles::Fasta(_)) {
        return Err(PredictError::TracksOnFasta);
    }
    let inputs: Vec<&Path> = input_files.into_iter().chain([&*request.model]).collect();
    let bedgraph = request.bedgraph.as_ref().map(|(p, _)| p.as_path());
    let calls_path = tracks.calls.as_ref().map(|(p, _)| p.as_path());
    let mut outputs: Vec<&Path> = [request.out.as_deref(), bedgraph, calls_path]
        .into_iter()
        .flatten()
        .collect();
    check_out_files(&outputs, &inputs)?;
    if let Some(dir) = &tracks.bigwig {
        check_track_dir(dir, &inputs, tracks.force)?;
    }

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
    let bigwig_paths: Vec<PathBuf> = match &tracks.bigwig {
        Some(dir) => tasks
            .iter()
            .map(|task| bigwig_name(task).map(|name| dir.join(name)))
            .collect::<Result<_>>()?,
        None => Vec::new(),
    };
    outputs.extend(bigwig_paths.iter().map(PathBuf::as_path));
    check_out_files(&outputs, &inputs)?;

    let model = artifact.load(request.device)?;
    let genome;
    let fasta;
    let (regions, source) = match &request.input {
        InputFiles::Bed { bed, genome: g } => {
            genome = Genome::open(g)?;
            let mut regions = read_bed(bed, genome.sizes())?;
            if wants_tracks {
                sort_for_tracks(&mut regions, genome.sizes(), bed)?;
            }
            (regions, Source::Genome(&genome))
        }
        InputFiles::Chroms { genome: g, chroms } => {
            genome = Genome::open(g)?;
            let regions = acgt_stretches(&genome, chroms, window as u64, progress)?;
            (regions, Source::Genome(&genome))
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

    let mut tsv = request.out.as_ref().map(AtomicFile::create).transpose()?;
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
    let mut bigwigs = match tracks.bigwig {
        Some(_) => {
            let Source::Genome(genome) = &source else {
                unreachable!("tracks of FASTA input are refused above")
            };
            // The header lists the chromosomes that have values, with the genome's lengths.
            let mut chroms: Vec<(&str, u64)> = Vec::new();
            for r in &regions {
                if !matches!(chroms.last(), Some((c, _)) if *c == r.chrom) {
                    let len = genome.sizes().get(&r.chrom).expect("checked on reading");
                    chroms.push((&r.chrom, len));
                }
            }
            // The first zoom level sums about ten windows' segments, as UCSC's
            // bedGraphToBigWig starts from ten items.
            let first_zoom = (params.stride(window as u64) * 10).min(u64::from(u32::MAX)) as u32;
            Some(BigWigs::create(bigwig_paths, &chroms, first_zoom)?)
        }
        None => None,
    };
    let mut calls = match &tracks.calls {
        Some((path, threshold)) => Some(Calls::create(path, tasks, *threshold)?),
        None => None,
    };

    let predicting = Instant::now();
    let outputs = Outputs {
        tsv: tsv
            .as_mut()
            .map(|t| &mut t.writer as &mut (dyn Write + Send)),
        bedgraph: graph
            .as_mut()
            .zip(bedgraph_task)
            .map(|(g, t)| (&mut g.writer as &mut (dyn Write + Send), t)),
        bigwigs: bigwigs.as_mut(),
        calls: calls.as_mut(),
    };
    let input = Input {
        path,
        regions: &regions,
        source,
    };
    let counts = predict_regions(&model, tasks, &input, params, outputs, progress)?;
    let mut files: Vec<AtomicFile> = tsv.into_iter().chain(graph).collect();
    if let Some(bigwigs) = bigwigs {
        files.extend(bigwigs.finish()?);
    }
    let called = match calls {
        Some(calls) => {
            let (file, n) = calls.finish()?;
            files.push(file);
            Some(n)
        }
        None => None,
    };
    let predict_seconds = predicting.elapsed().as_secs_f64();
    AtomicFile::commit_all(files)?;
    Ok(Summary {
        out: request.out.clone(),
        bedgraph: bedgraph.map(Path::to_path_buf),
        bigwig: tracks.bigwig.clone(),
        calls: calls_path.map(Path::to_path_buf),
        called,
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

/// A bigWig directory may be missing or empty; one that holds anything is written into only
/// with `force`, so that a mistyped path never mixes tracks into someone's directory.
fn check_track_dir(dir: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    check_out_apart(dir, inputs)?;
    if !dir.exists() {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|_| PredictError::TrackDir {
        path: dir.to_path_buf(),
        reason: "is not a directory that can be read",
    })?;
    if entries.take(1).count() > 0 && !force {
        return Err(PredictError::TrackDir {
            path: dir.to_path_buf(),
            reason: "is not empty (--force writes into it, replacing its <task>.bw files)",
        });
    }
    Ok(())
}

/// `<task>.bw`, for a task name that is a plain file name.
fn bigwig_name(task: &str) -> Result<String> {
    // A leading dot would hide the file, and "." and ".." are not files.
    let plain = !task.is_empty() && !task.starts_with('.') && !task.contains(['/', '\0']);
    match plain {
        true => Ok(format!("{task}.bw")),
        false => Err(PredictError::TaskFileName {
            name: task.to_string(),
        }),
    }
}
