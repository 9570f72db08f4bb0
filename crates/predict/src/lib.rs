//! Predictions of a trained model for regions of a genome (BED) or for sequences (FASTA).
//!
//! Regions of the model's window length are predicted as they are; longer ones are tiled with
//! windows every `stride` bases, plus one window flush with the region's end, so every base is
//! covered. A region shorter than the window is an error naming its line.
//!
//! Outputs:
//! - TSV, one row per window: `chrom start end name` then one probability per task, in the
//!   order of the model's `tasks.txt` (for FASTA input, `chrom` is the record name and the
//!   coordinates are 0-based offsets in it).
//! - bedGraph of one task: each window's probability over the bases nearer its centre than any
//!   other window's of the same region, so entries of one region never overlap.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use flate2::read::MultiGzDecoder;
use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::Progress;
use tfbind_genome::{bed, codes, Genome, Interval};
use tfbind_model::Model;

mod request;

pub use request::{run, InputFiles, Request, Summary};

pub type Result<T, E = PredictError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    Input { path: PathBuf, message: String },
    #[error("writing {what}: {source}")]
    Write {
        what: &'static str,
        source: std::io::Error,
    },
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
    #[error(transparent)]
    Model(#[from] tfbind_model::ModelError),
    #[error("the model has no task '{name}' (its tasks: {known})")]
    UnknownTask { name: String, known: String },
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
    /// An output file that could not be created or put in place.
    #[error("{0:#}")]
    Output(anyhow::Error),
}

impl PredictError {
    /// Whether the error is a mistake in how the predictions were asked for (exit status 2)
    /// rather than bad data or a failure.
    pub fn is_usage(&self) -> bool {
        matches!(self, PredictError::UnknownTask { .. })
    }
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> PredictError + '_ {
    move |source| PredictError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A region to predict: BED coordinates (0-based, half-open) on a chromosome or FASTA record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub name: String,
    /// 1-based line of the input it came from, for errors.
    pub line: usize,
}

/// Opens a text file that may be gzip or bgzip (told apart by its first bytes, not its name).
fn open_text(path: &Path) -> Result<Box<dyn BufRead>> {
    let mut file = BufReader::new(File::open(path).map_err(io_error(path))?);
    let gzip = file
        .fill_buf()
        .map_err(io_error(path))?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gzip {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    Ok(Box::new(BufReader::new(reader)))
}

/// Reads BED3+ regions (plain or gzip). Blank, `#`, `track` and `browser` lines are skipped; a
/// region without a name (column 4) is named `chrom:start-end` (1-based, as samtools).
pub fn read_bed(path: &Path) -> Result<Vec<Region>> {
    let mut regions = Vec::new();
    for (i, line) in open_text(path)?.lines().enumerate() {
        let line = line.map_err(io_error(path))?;
        let number = i + 1;
        let line = line.trim_end();
        if bed::is_header(line.as_bytes()) {
            continue;
        }
        let bad = |message: String| PredictError::Line {
            path: path.to_path_buf(),
            line: number,
            message,
        };
        let mut fields = bed::fields(line.as_bytes());
        let iv = bed::interval(line.as_bytes(), &mut fields).map_err(bad)?;
        let (chrom, start, end) = (iv.chrom.to_string(), iv.start, iv.end);
        let name = match fields.next().filter(|n| !n.is_empty()) {
            Some(n) => String::from_utf8_lossy(n).into_owned(),
            None => format!("{chrom}:{}-{end}", start + 1),
        };
        regions.push(Region {
            chrom,
            start,
            end,
            name,
            line: number,
        });
    }
    Ok(regions)
}

/// Reads FASTA records (plain or gzip) as regions over whole records and their sequence codes.
pub fn read_fasta(path: &Path) -> Result<(Vec<Region>, Vec<Vec<u8>>)> {
    let mut regions: Vec<Region> = Vec::new();
    let mut sequences: Vec<Vec<u8>> = Vec::new();
    for (i, line) in open_text(path)?.lines().enumerate() {
        let line = line.map_err(io_error(path))?;
        let line = line.trim_end();
        if let Some(header) = line.strip_prefix('>') {
            let name = header.split_whitespace().next().unwrap_or("").to_string();
            if name.is_empty() {
                return Err(PredictError::Line {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: "a FASTA header without a name".into(),
                });
            }
            regions.push(Region {
                chrom: name.clone(),
                start: 0,
                end: 0,
                name,
                line: i + 1,
            });
            sequences.push(Vec::new());
        } else if !line.is_empty() {
            let seq = sequences.last_mut().ok_or_else(|| PredictError::Line {
                path: path.to_path_buf(),
                line: i + 1,
                message: "sequence before the first '>' header".into(),
            })?;
            let encoded = codes::encode(line.as_bytes()).map_err(|byte| PredictError::Line {
                path: path.to_path_buf(),
                line: i + 1,
                message: format!("'{}' is not a sequence letter", char::from(byte)),
            })?;
            seq.extend(encoded);
        }
    }
    for (region, seq) in regions.iter_mut().zip(&sequences) {
        region.end = seq.len() as u64;
    }
    Ok((regions, sequences))
}

/// Window starts covering `[start, end)`: every `stride` bases while a window fits, then one
/// flush with `end` if the last one stops short. Empty if the region is shorter than `window`.
pub fn tile_starts(start: u64, end: u64, window: u64, stride: u64) -> Vec<u64> {
    if end < start + window {
        return Vec::new();
    }
    let last = end - window;
    let mut starts: Vec<u64> = (start..=last).step_by(stride.max(1) as usize).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
}

/// The part of a region whose bases are nearest to window `i`'s centre, for bedGraph.
pub fn nearest_segment(region: (u64, u64), starts: &[u64], i: usize, window: u64) -> (u64, u64) {
    // The midpoint between two centres s + w/2 and t + w/2.
    let boundary = |s: u64, t: u64| (s + t + window) / 2;
    let lo = if i == 0 {
        region.0
    } else {
        boundary(starts[i - 1], starts[i])
    };
    let hi = match starts.get(i + 1) {
        Some(&next) => boundary(starts[i], next),
        None => region.1,
    };
    (lo, hi)
}

/// Where the sequence of the regions comes from.
pub enum Source<'a> {
    Genome(&'a Genome),
    /// One code vector per region (FASTA records), covering the region from 0.
    Sequences(&'a [Vec<u8>]),
}

/// How to predict: the `[predict]` section of a pipeline config, overridden by flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Bases between tile starts in regions longer than the window; `None`: the window length.
    pub stride: Option<u64>,
    /// Average each window's probabilities with its reverse complement's.
    pub rc_average: bool,
    /// Windows per forward pass.
    pub batch_size: usize,
}

impl Default for Params {
    /// Batch 100 is the fastest on CPU (measured by scripts/bench-train.sh: larger batches of
    /// this network run fewer windows per second).
    fn default() -> Self {
        Self {
            stride: None,
            rc_average: false,
            batch_size: 100,
        }
    }
}

impl Params {
    /// Checks the parameters on their own; the message is for a user who gave them.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if self.stride == Some(0) || self.batch_size == 0 {
            return Err("stride and batch_size must be at least 1".into());
        }
        Ok(())
    }

    /// The stride for a model's window length.
    pub fn stride(&self, window: u64) -> u64 {
        self.stride.unwrap_or(window)
    }
}

/// The regions to predict, where they were read from, and their sequence.
pub struct Input<'a> {
    pub path: &'a Path,
    pub regions: &'a [Region],
    pub source: Source<'a>,
}

/// Where predictions go: the TSV, and optionally a bedGraph of one task (by index).
pub struct Outputs<'a> {
    pub tsv: &'a mut (dyn Write + Send),
    pub bedgraph: Option<(&'a mut (dyn Write + Send), usize)>,
}

/// Windows predicted and regions covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub regions: usize,
    pub windows: usize,
}

/// Windows fetched and predicted at a time: bounds memory for genome-wide inputs.
const CHUNK_WINDOWS: usize = 20_000;

/// A window to predict: its region and its start.
struct Tile {
    region: usize,
    index: usize,
    start: u64,
}

/// Predicts every window of every region and writes the TSV rows, and the bedGraph entries of
/// one task when asked, reporting the windows done as one `predict` step of `progress`.
///
/// Three threads work as a pipeline, a chunk of windows apart: one reads the next chunk's
/// sequence, this one runs the model, and one formats and writes the previous chunk's rows. The
/// model then never waits for the genome or the output (run one after the other, they left
/// batch-100 inference ~8% slower than the forward passes alone).
pub fn predict_regions(
    model: &Model,
    tasks: &[String],
    input: &Input,
    params: &Params,
    out: Outputs,
    progress: &dyn Progress,
) -> Result<Counts> {
    let regions = input.regions;
    let window = model.spec().window_len as u64;
    let tiles_of: Vec<Vec<u64>> = regions
        .iter()
        .map(|r| {
            let starts = tile_starts(r.start, r.end, window, params.stride(window));
            if starts.is_empty() {
                Err(PredictError::Line {
                    path: input.path.to_path_buf(),
                    line: r.line,
                    message: format!(
                        "region {} ({} bp) is shorter than the model's {window}-bp window",
                        r.name,
                        r.end - r.start
                    ),
                })
            } else {
                Ok(starts)
            }
        })
        .collect::<Result<_>>()?;
    progress.start("predict", tiles_of.iter().map(|t| t.len() as u64).sum());
    let mut tiles = tiles_of
        .iter()
        .enumerate()
        .flat_map(|(region, starts)| {
            starts.iter().enumerate().map(move |(index, &start)| Tile {
                region,
                index,
                start,
            })
        })
        .peekable();
    let predictor = model.predictor();
    let batch_codes = params.batch_size.max(1) * window as usize;
    let rows = Rows {
        regions,
        tiles_of: &tiles_of,
        tasks,
        window,
    };

    std::thread::scope(|scope| {
        let (fetched_tx, fetched) = mpsc::sync_channel::<Result<(Vec<Tile>, Vec<u8>)>>(1);
        let (predicted, predicted_rx) = mpsc::sync_channel::<(Vec<Tile>, Vec<f32>)>(1);
        scope.spawn(move || {
            while tiles.peek().is_some() {
                let chunk: Vec<Tile> = tiles.by_ref().take(CHUNK_WINDOWS).collect();
                let codes = fetch(input, &chunk, window);
                let failed = codes.is_err();
                // A closed channel means the model stage stopped on an error of its own.
                if fetched_tx.send(codes.map(|c| (chunk, c))).is_err() || failed {
                    break;
                }
            }
        });
        let writer = scope.spawn(move || rows.write_all(predicted_rx, out));

        let mut windows = 0;
        for chunk in fetched {
            let (chunk, codes) = chunk?;
            let mut p = Vec::with_capacity(chunk.len() * tasks.len());
            for batch in codes.chunks(batch_codes) {
                p.extend(predictor.predict(batch, params.rc_average)?);
                progress.advance((batch.len() / window as usize) as u64);
            }
            windows += chunk.len();
            if predicted.send((chunk, p)).is_err() {
                // The writer stopped on an error, returned below.
                break;
            }
        }
        drop(predicted);
        writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        Ok(Counts {
            regions: regions.len(),
            windows,
        })
    })
}

/// The codes of a chunk of windows, row-major.
fn fetch(input: &Input, chunk: &[Tile], window: u64) -> Result<Vec<u8>> {
    let regions = input.regions;
    Ok(match &input.source {
        Source::Genome(genome) => {
            let intervals: Vec<Interval> = chunk
                .iter()
                .map(|t| Interval::new(regions[t.region].chrom.clone(), t.start, t.start + window))
                .collect();
            genome.fetch_codes(&intervals, window as usize)?
        }
        Source::Sequences(sequences) => chunk
            .iter()
            .flat_map(|t| {
                let s = t.start as usize;
                sequences[t.region][s..s + window as usize].iter().copied()
            })
            .collect(),
    })
}

/// How predicted windows become output rows.
struct Rows<'a> {
    regions: &'a [Region],
    tiles_of: &'a [Vec<u64>],
    tasks: &'a [String],
    window: u64,
}

impl Rows<'_> {
    /// Writes the header, then the rows of each predicted chunk as it arrives.
    fn write_all(&self, chunks: mpsc::Receiver<(Vec<Tile>, Vec<f32>)>, out: Outputs) -> Result<()> {
        let Outputs { tsv, mut bedgraph } = out;
        let tsv_error = |source| PredictError::Write {
            what: "the TSV",
            source,
        };
        let mut header = String::from("chrom\tstart\tend\tname");
        for task in self.tasks {
            header.push('\t');
            header.push_str(task);
        }
        writeln!(tsv, "{header}").map_err(tsv_error)?;
        let mut text = String::new();
        let mut graph = String::new();
        for (chunk, p) in chunks {
            text.clear();
            graph.clear();
            for (t, row) in chunk.iter().zip(p.chunks_exact(self.tasks.len())) {
                let r = &self.regions[t.region];
                use std::fmt::Write as _;
                let _ = write!(
                    text,
                    "{}\t{}\t{}\t{}",
                    r.chrom,
                    t.start,
                    t.start + self.window,
                    r.name
                );
                for v in row {
                    let _ = write!(text, "\t{v}");
                }
                text.push('\n');
                if let Some((_, task)) = &bedgraph {
                    let (lo, hi) = nearest_segment(
                        (r.start, r.end),
                        &self.tiles_of[t.region],
                        t.index,
                        self.window,
                    );
                    let _ = writeln!(graph, "{}\t{lo}\t{hi}\t{}", r.chrom, row[*task]);
                }
            }
            tsv.write_all(text.as_bytes()).map_err(tsv_error)?;
            if let Some((writer, _)) = bedgraph.as_mut() {
                writer
                    .write_all(graph.as_bytes())
                    .map_err(|source| PredictError::Write {
                        what: "the bedGraph",
                        source,
                    })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_cover_the_region_and_end_flush() {
        assert_eq!(tile_starts(100, 300, 200, 50), [100]);
        assert_eq!(tile_starts(0, 450, 200, 100), [0, 100, 200, 250]);
        assert_eq!(tile_starts(0, 400, 200, 200), [0, 200]);
        assert!(tile_starts(0, 199, 200, 50).is_empty());
    }

    #[test]
    fn bedgraph_segments_partition_the_region() {
        let starts = tile_starts(0, 450, 200, 100);
        let segments: Vec<_> = (0..starts.len())
            .map(|i| nearest_segment((0, 450), &starts, i, 200))
            .collect();
        // Centres 100, 200, 300, 350: boundaries halfway between them.
        assert_eq!(segments, [(0, 150), (150, 250), (250, 325), (325, 450)]);
        let starts = tile_starts(1000, 1400, 200, 200);
        let segments: Vec<_> = (0..2)
            .map(|i| nearest_segment((1000, 1400), &starts, i, 200))
            .collect();
        assert_eq!(segments, [(1000, 1200), (1200, 1400)]);
    }

    #[test]
    fn bed_and_fasta_inputs_with_errors_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("r.bed");
        std::fs::write(
            &bed,
            "track name=x\nchr1\t10\t300\tpeak1\n# c\nchr2\t0\t250\n",
        )
        .unwrap();
        let regions = read_bed(&bed).unwrap();
        assert_eq!(regions.len(), 2);
        assert_eq!(regions[1].name, "chr2:1-250");
        assert_eq!(regions[1].line, 4);
        std::fs::write(&bed, "chr1\t10\t300\nchr1\t300\t10\n").unwrap();
        let err = read_bed(&bed).unwrap_err().to_string();
        assert!(err.contains("r.bed:2:"), "{err}");

        let fa = dir.path().join("s.fa");
        std::fs::write(&fa, ">a desc\nACGT\nnnRa\n>b\nTT\n").unwrap();
        let (regions, seqs) = read_fasta(&fa).unwrap();
        assert_eq!(seqs[0], [0, 1, 2, 3, 4, 4, 4, 0]);
        assert_eq!((regions[0].end, regions[1].name.as_str()), (8, "b"));
        std::fs::write(&fa, "ACGT\n").unwrap();
        assert!(read_fasta(&fa).unwrap_err().to_string().contains("s.fa:1:"));
    }
}
