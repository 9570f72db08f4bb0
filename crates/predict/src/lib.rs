//! Predictions of a trained model for regions of a genome (BED) or for sequences (FASTA).
//!
//! Regions of the model's window length are predicted as they are; longer ones are tiled with
//! windows every `stride` bases, plus one window flush with the region's end, so every base is
//! covered. A region shorter than the window is an error naming its line.
//!
//! Inputs are read with `tfbind_genome` (plain, gzip or bgzip): every error in a BED (a
//! malformed line, an unknown chromosome, a region past its chromosome's end, truncated gzip,
//! binary data) or a FASTA names the file and line, and an input without regions or records is
//! an error naming the file.
//!
//! Outputs:
//! - TSV, one row per window: `chrom start end name` then one probability per task, in the
//!   order of the model's `tasks.txt` (for FASTA input, `chrom` is the record name and the
//!   coordinates are 0-based offsets in it). `name` is the region's BED name (column 4), the
//!   FASTA record's name, or for a BED3 region `chrom:start-end` with the region's BED start and
//!   end ([`tfbind_genome::window_name`]: the 0-based start, as tfbind-peaks names windows).
//! - bedGraph of one task: each window's probability over the bases nearer its centre than any
//!   other window's of the same region, so entries of one region never overlap.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::Progress;
use tfbind_genome::{
    bed::{self, ChromCheck, UnknownChroms},
    codes,
    text::LineReader,
    window_name, ChromSizes, Genome, Interval,
};
use tfbind_model::Model;

mod request;

pub use request::{run, InputFiles, Request, Summary};

pub type Result<T, E = PredictError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum PredictError {
    #[error("{path}:{line}: {message}")]
    Line {
        path: PathBuf,
        line: u64,
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
}

impl PredictError {
    /// Whether the error is a mistake in how the predictions were asked for (exit status 2)
    /// rather than bad data or a failure.
    pub fn is_usage(&self) -> bool {
        matches!(self, PredictError::UnknownTask { .. })
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
    pub line: u64,
}

/// Reads BED3+ regions (plain, gzip or bgzip) on the chromosomes of `sizes`. Blank, `#`,
/// `track` and `browser` lines are skipped; a region without a name (column 4) is named
/// `chrom:start-end` with its BED start and end. A region on a chromosome the genome lacks or
/// past its end is an error naming its line, and so is a file without regions.
pub fn read_bed(path: &Path, sizes: &ChromSizes) -> Result<Vec<Region>> {
    let mut reader = bed::Reader::open(path)?;
    let mut check = ChromCheck::new(path, sizes, UnknownChroms::Error);
    let mut regions = Vec::new();
    while let Some(mut record) = reader.next_record()? {
        let iv = record.interval;
        check.resolve(record.line, iv)?;
        let name = match record.rest.next().filter(|n| !n.is_empty()) {
            Some(n) => String::from_utf8_lossy(n).into_owned(),
            None => window_name(iv.chrom, iv.start, iv.end),
        };
        regions.push(Region {
            chrom: iv.chrom.to_owned(),
            start: iv.start,
            end: iv.end,
            name,
            line: record.line,
        });
    }
    check.finish()?;
    if regions.is_empty() {
        return Err(PredictError::Input {
            path: path.to_owned(),
            message: "no regions in the file".into(),
        });
    }
    Ok(regions)
}

/// Reads FASTA records (plain, gzip or bgzip) as regions over whole records and their sequence
/// codes; a file without records is an error.
pub fn read_fasta(path: &Path) -> Result<(Vec<Region>, Vec<Vec<u8>>)> {
    let mut regions: Vec<Region> = Vec::new();
    let mut sequences: Vec<Vec<u8>> = Vec::new();
    let mut lines = LineReader::open(path)?;
    while let Some((number, line)) = lines.next_line()? {
        let bad = |message: String| PredictError::Line {
            path: path.to_path_buf(),
            line: number,
            message,
        };
        let line = line.trim_ascii_end();
        if let Some(header) = line.strip_prefix(b">") {
            let name = header
                .split(u8::is_ascii_whitespace)
                .next()
                .unwrap_or_default();
            if name.is_empty() {
                return Err(bad("a FASTA header without a name".into()));
            }
            let name = String::from_utf8_lossy(name).into_owned();
            regions.push(Region {
                chrom: name.clone(),
                start: 0,
                end: 0,
                name,
                line: number,
            });
            sequences.push(Vec::new());
        } else if !line.is_empty() {
            let seq = sequences
                .last_mut()
                .ok_or_else(|| bad("sequence before the first '>' header".into()))?;
            let encoded = codes::encode(line)
                .map_err(|byte| bad(format!("{:?} is not a sequence letter", char::from(byte))))?;
            seq.extend(encoded);
        }
    }
    if regions.is_empty() {
        return Err(PredictError::Input {
            path: path.to_owned(),
            message: "no FASTA record (a `>name` line, then its sequence)".into(),
        });
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

    fn sizes() -> ChromSizes {
        ChromSizes::new([("chr1".to_string(), 1_000), ("chr2".to_string(), 500)]).unwrap()
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
        let regions = read_bed(&bed, &sizes()).unwrap();
        assert_eq!(regions.len(), 2);
        // The BED start, as tfbind-peaks names windows (not samtools' 1-based start).
        assert_eq!(regions[1].name, "chr2:0-250");
        assert_eq!(regions[1].line, 4);
        std::fs::write(&bed, "chr1\t10\t300\nchr1\t300\t10\n").unwrap();
        let err = read_bed(&bed, &sizes()).unwrap_err().to_string();
        assert!(err.contains("r.bed:2:"), "{err}");

        let fa = dir.path().join("s.fa");
        std::fs::write(&fa, ">a desc\nACGT\nnnRa\n>b\nTT\n").unwrap();
        let (regions, seqs) = read_fasta(&fa).unwrap();
        assert_eq!(seqs[0], [0, 1, 2, 3, 4, 4, 4, 0]);
        assert_eq!((regions[0].end, regions[1].name.as_str()), (8, "b"));
        std::fs::write(&fa, "ACGT\n").unwrap();
        assert!(read_fasta(&fa).unwrap_err().to_string().contains("s.fa:1:"));
    }

    /// Each bad BED names the file and the line: (content, line, words of the message).
    #[test]
    fn bed_errors_name_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = "chr1\t0\t300\n".repeat(3);
        let gzip = |text: &str| {
            use std::io::Write as _;
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).unwrap();
            gz.finish().unwrap()
        };
        let long: String = (0..20_000)
            .map(|i| format!("chr1\t{}\t{}\n", i % 700, i % 700 + 300))
            .collect();
        let long_gz = gzip(&long);
        let cases: Vec<(Vec<u8>, &str, &[&str])> = vec![
            (
                format!("{good}chrZ\t0\t300\n").into(),
                ":4:",
                &["\"chrZ\"", "not in the genome"],
            ),
            (format!("{good}1\t0\t300\n").into(), ":4:", &["chr1, not 1"]),
            (
                format!("{good}chr2\t300\t600\n").into(),
                ":4:",
                &["off the end of chr2", "500 bp"],
            ),
            (
                [good.as_bytes(), b"\x7fELF\x02\x01\x00\n"].concat(),
                ":4:",
                &["binary"],
            ),
            (
                long_gz[..long_gz.len() / 2].to_vec(),
                ":",
                &["truncated or corrupt gzip"],
            ),
        ];
        for (i, (content, at, words)) in cases.into_iter().enumerate() {
            let bed = dir.path().join(format!("bad{i}.bed"));
            std::fs::write(&bed, content).unwrap();
            let err = read_bed(&bed, &sizes()).unwrap_err().to_string();
            assert!(err.contains(&format!("bad{i}.bed{at}")), "{err}");
            for word in words {
                assert!(err.contains(word), "{word:?} not in {err}");
            }
        }
        // The truncated gzip is reported at the line reached, past the first ones.
        let err = read_bed(&dir.path().join("bad4.bed"), &sizes()).unwrap_err();
        let PredictError::Genome(tfbind_genome::Error::Corrupt { line, .. }) = err else {
            panic!("{err}")
        };
        assert!(line > 1000, "{line}");
    }

    #[test]
    fn empty_inputs_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bed = dir.path().join("empty.bed");
        std::fs::write(&bed, "track name=x\n# nothing\n\n").unwrap();
        let err = read_bed(&bed, &sizes()).unwrap_err().to_string();
        assert!(err.contains("empty.bed: no regions"), "{err}");
        let fa = dir.path().join("empty.fa");
        for text in ["", "\n\n"] {
            std::fs::write(&fa, text).unwrap();
            let err = read_fasta(&fa).unwrap_err().to_string();
            assert!(err.contains("empty.fa: no FASTA record"), "{err}");
        }
    }
}
