//! Predictions of a trained model for regions of a genome (BED, or whole chromosomes) or for
//! sequences (FASTA), as a TSV, a bedGraph, per-task bigWig tracks and calls.
//!
//! Regions of the model's window length are predicted as they are; longer ones are tiled with
//! windows every `stride` bases, plus one window flush with the region's end, so every base is
//! covered ([`Tiles`], computed on demand so that a chromosome's windows take no memory). A
//! region shorter than the window is an error naming its line.
//!
//! Whole chromosomes ([`acgt_stretches`]: `--chroms`, `--genome-wide`) are predicted as their
//! stretches of A, C, G and T, the maximal runs without N, each tiled as a region: no window
//! holds an N, so assembly gaps, centromeres and telomeres (and, in the example genomes,
//! everything outside the DHS windows) cost nothing and get no value, and neither does a
//! stretch shorter than the window. BED regions are predicted as they are, N and all.
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
//!   FASTA record's name, or for a BED3 region or a chromosome's stretch `chrom:start-end` with
//!   its BED start and end ([`tfbind_genome::window_name`]: the 0-based start, as tfbind-peaks
//!   names windows).
//! - The track of a task: each base takes the probability of the window whose centre is nearest
//!   ([`Tiles::segment`]: a region's windows cut at the midpoints between their centres), so the
//!   entries of one region are adjacent and never overlap. As bedGraph for one task; as one
//!   bigWig per task ([`BigWigs`], `<dir>/<task>.bw`), written by bigtools chromosome by
//!   chromosome as the windows are predicted, with zoom levels computed here (see `zoom.rs`:
//!   bigtools' own count the bases of gaps); a chromosome's header entry is the genome's length.
//! - Calls ([`Calls`]): per task, the maximal stretches of its track at or above a threshold
//!   (adjacent bases merged; a base without a value ends a call), as narrowPeak-like BED in
//!   genome order: `chrom start end task score . signalValue -1 -1 peak`, with signalValue the
//!   highest probability, score `round(1000 × signalValue)` and peak the offset from `start` of
//!   the centre of the window with the highest probability (the first, on ties).
//!
//! The bigWigs and calls need genome coordinates and one value per base: BED regions are put in
//! the genome's order ([`sort_for_tracks`], which the TSV then follows) and overlapping ones are
//! an error naming both lines. Memory stays bounded whatever the input's length: windows are
//! made, fetched, predicted and written a chunk at a time, bigWig values are handed to their
//! writers in batches, zoom records go to a temporary file beside the bigWigs, and calls are
//! held only until no open call can precede them.

use std::io::Write;
use std::path::{Path, PathBuf};

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
mod track;
mod zoom;

pub use request::{run, InputFiles, Request, Summary, Tracks};
pub use track::{BigWigs, Calls};

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
    #[error("{}: no chromosome {name}{}", genome.display(), match hint {
        Some(h) => format!(" (it names it {h})"),
        None => String::new(),
    })]
    UnknownChrom {
        name: String,
        genome: PathBuf,
        hint: Option<String>,
    },
    #[error("chromosome {name} is listed twice")]
    ChromTwice { name: String },
    #[error("{}: {message}", path.display())]
    NoWindows { path: PathBuf, message: String },
    #[error("{chrom} ({len} bp) is longer than a bigWig can hold (2^32 - 1 bp)")]
    ChromTooLong { chrom: String, len: u64 },
    #[error("{}: {message}", path.display())]
    BigWig { path: PathBuf, message: String },
    #[error("{}: {reason}", path.display())]
    TrackDir { path: PathBuf, reason: &'static str },
    #[error("the model's task {name:?} cannot name a file <task>.bw")]
    TaskFileName { name: String },
    #[error("--bigwig and --calls need genome coordinates (--bed, --chroms or --genome-wide), not FASTA")]
    TracksOnFasta,
}

impl PredictError {
    /// Whether the error is a mistake in how the predictions were asked for (exit status 2)
    /// rather than bad data or a failure.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            PredictError::UnknownTask { .. }
                | PredictError::UnknownChrom { .. }
                | PredictError::ChromTwice { .. }
                | PredictError::TrackDir { .. }
                | PredictError::TracksOnFasta
        )
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

/// Bases of a chromosome read at a time when looking for N.
const SCAN_BASES: u64 = 1 << 20;

/// The regions of whole chromosomes: each chromosome's stretches of A, C, G and T (maximal runs
/// without N) of at least `min_len` bases, in the genome's order, named `chrom:start-end`. So
/// no window holds an N: gaps, centromeres and telomeres, and any stretch shorter than
/// `min_len` (the window), get no prediction. `chroms` empty means every chromosome; reading
/// the sequence is one `find N` step of `progress`.
pub fn acgt_stretches(
    genome: &Genome,
    chroms: &[String],
    min_len: u64,
    progress: &dyn Progress,
) -> Result<Vec<Region>> {
    let sizes = genome.sizes();
    let mut ids: Vec<usize> = Vec::with_capacity(chroms.len());
    for name in chroms {
        let id = sizes.id(name).ok_or_else(|| PredictError::UnknownChrom {
            name: name.clone(),
            genome: genome.path().to_path_buf(),
            hint: sizes.renamed(name).map(str::to_string),
        })?;
        if ids.contains(&id) {
            return Err(PredictError::ChromTwice { name: name.clone() });
        }
        ids.push(id);
    }
    if chroms.is_empty() {
        ids = (0..sizes.len()).collect();
    }
    ids.sort_unstable();
    let entries: Vec<(&str, u64)> = ids.iter().filter_map(|&id| sizes.entry(id)).collect();
    progress.start("find N", entries.iter().map(|(_, len)| len).sum());
    let mut regions = Vec::new();
    for (chrom, len) in entries {
        let mut keep = |start: u64, end: u64| {
            if end - start >= min_len {
                regions.push(Region {
                    chrom: chrom.to_string(),
                    start,
                    end,
                    name: window_name(chrom, start, end),
                    line: 0,
                });
            }
        };
        let mut run: Option<u64> = None;
        for from in (0..len).step_by(SCAN_BASES as usize) {
            let to = (from + SCAN_BASES).min(len);
            let codes = genome.fetch(&Interval::new(chrom, from, to))?;
            for (pos, &code) in (from..).zip(&codes) {
                match (code == codes::N, run) {
                    (false, None) => run = Some(pos),
                    (true, Some(start)) => {
                        keep(start, pos);
                        run = None;
                    }
                    _ => {}
                }
            }
            progress.advance(to - from);
        }
        if let Some(start) = run {
            keep(start, len);
        }
    }
    if regions.is_empty() {
        return Err(PredictError::NoWindows {
            path: genome.path().to_path_buf(),
            message: format!(
                "no stretch of A, C, G and T as long as the model's {min_len}-bp window on {}",
                match chroms.is_empty() {
                    true => "any chromosome".to_string(),
                    false => chroms.join(", "),
                }
            ),
        });
    }
    Ok(regions)
}

/// Puts BED regions in the genome's order (its chromosome order, then start) and refuses
/// overlapping ones, naming both lines: a bigWig gives each base one value, and a stream of
/// values in that order lets it be written chromosome by chromosome.
pub fn sort_for_tracks(regions: &mut [Region], sizes: &ChromSizes, path: &Path) -> Result<()> {
    regions.sort_by_key(|r| (sizes.id(&r.chrom), r.start, r.end));
    for pair in regions.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.chrom == b.chrom && b.start < a.end {
            let (first, second) = if a.line < b.line { (a, b) } else { (b, a) };
            return Err(PredictError::Line {
                path: path.to_path_buf(),
                line: second.line,
                message: format!(
                    "region {} overlaps region {} of line {}: a bigWig or calls need regions \
                     that do not overlap (merge them first, e.g. with bedtools merge)",
                    second.name, first.name, first.line
                ),
            });
        }
    }
    Ok(())
}

/// The windows tiling a region `[start, end)`: one every `stride` bases while a window fits,
/// then one flush with `end` if the last one stops short; none if the region is shorter than
/// the window. Computed on demand, so a chromosome's tiling costs no memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tiles {
    start: u64,
    end: u64,
    window: u64,
    stride: u64,
    /// Windows at `start + k * stride`.
    regular: u64,
    len: u64,
}

impl Tiles {
    pub fn new(start: u64, end: u64, window: u64, stride: u64) -> Self {
        let stride = stride.max(1);
        let (regular, len) = if end < start + window {
            (0, 0)
        } else {
            let last = end - window;
            let regular = (last - start) / stride + 1;
            let flush = start + (regular - 1) * stride != last;
            (regular, regular + u64::from(flush))
        };
        Self {
            start,
            end,
            window,
            stride,
            regular,
            len,
        }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The start of window `i` (< `len`).
    pub fn start(&self, i: u64) -> u64 {
        if i < self.regular {
            self.start + i * self.stride
        } else {
            self.end - self.window
        }
    }

    pub fn starts(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.len).map(|i| self.start(i))
    }

    /// The bases of the region nearer window `i`'s centre than any other window's: the region
    /// cut at the midpoints between consecutive centres, so the segments of a region are
    /// adjacent and never overlap (the bedGraph and bigWig entries).
    pub fn segment(&self, i: u64) -> (u64, u64) {
        // The midpoint between two centres s + w/2 and t + w/2.
        let boundary = |s: u64, t: u64| (s + t + self.window) / 2;
        let lo = match i {
            0 => self.start,
            _ => boundary(self.start(i - 1), self.start(i)),
        };
        let hi = match i + 1 < self.len {
            true => boundary(self.start(i), self.start(i + 1)),
            false => self.end,
        };
        (lo, hi)
    }
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

/// Where predictions go: any of the TSV, a bedGraph of one task (by index), every task's
/// bigWig and the calls over a threshold.
#[derive(Default)]
pub struct Outputs<'a> {
    pub tsv: Option<&'a mut (dyn Write + Send)>,
    pub bedgraph: Option<(&'a mut (dyn Write + Send), usize)>,
    pub bigwigs: Option<&'a mut BigWigs>,
    pub calls: Option<&'a mut Calls>,
}

/// Windows predicted and regions covered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub regions: usize,
    pub windows: usize,
}

/// Windows fetched and predicted at a time, by one worker: bounds memory for genome-wide inputs,
/// and small enough that a few thousand windows still keep every worker busy.
const CHUNK_WINDOWS: usize = 4_096;

/// A window to predict: its region, its index among the region's tiles, and its start.
struct Tile {
    region: usize,
    index: u64,
    start: u64,
}

/// Predicts every window of every region and writes each output asked for, reporting the
/// windows done as one `predict` step of `progress`. The windows are made as they are needed,
/// so memory does not grow with the regions' length.
///
/// Threads work as a pipeline, a chunk of windows apart: one reads the next chunk's sequence,
/// the model's workers ([`tfbind_model::workers`], one per `--threads` on CPU) predict chunks
/// side by side, and this one formats and writes the rows of the chunks done, in order. The
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
    let tiles_of: Vec<Tiles> = regions
        .iter()
        .map(|r| {
            let tiles = Tiles::new(r.start, r.end, window, params.stride(window));
            if tiles.is_empty() {
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
                Ok(tiles)
            }
        })
        .collect::<Result<_>>()?;
    progress.start("predict", tiles_of.iter().map(Tiles::len).sum());
    let mut tiles = tiles_of
        .iter()
        .enumerate()
        .flat_map(|(region, tiles)| {
            (0..tiles.len()).map(move |index| Tile {
                region,
                index,
                start: tiles.start(index),
            })
        })
        .peekable();
    let batch_codes = params.batch_size.max(1) * window as usize;
    let rows = Rows {
        regions,
        tiles_of: &tiles_of,
        tasks,
        window,
    };
    let chunks = std::iter::from_fn(move || {
        tiles.peek()?;
        let chunk: Vec<Tile> = tiles.by_ref().take(CHUNK_WINDOWS).collect();
        Some(fetch(input, &chunk, window).map(|codes| (chunk, codes)))
    });
    let windows = tfbind_model::workers::in_turn(
        &[model],
        chunks,
        |predictors, (chunk, codes)| {
            let predictor = &predictors[0];
            let mut p = Vec::with_capacity(chunk.len() * tasks.len());
            for batch in codes.chunks(batch_codes) {
                p.extend(predictor.predict(batch, params.rc_average)?);
                progress.advance((batch.len() / window as usize) as u64);
            }
            Ok((chunk, p))
        },
        |predicted| rows.write_all(predicted, out),
    )?;
    Ok(Counts {
        regions: regions.len(),
        windows,
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
    tiles_of: &'a [Tiles],
    tasks: &'a [String],
    window: u64,
}

impl Rows<'_> {
    /// Writes the TSV header, then each predicted chunk's rows, entries and values as it
    /// arrives; returns the windows written.
    fn write_all(
        &self,
        chunks: &mut dyn Iterator<Item = Result<(Vec<Tile>, Vec<f32>)>>,
        out: Outputs,
    ) -> Result<usize> {
        let Outputs {
            mut tsv,
            mut bedgraph,
            mut bigwigs,
            mut calls,
        } = out;
        let tsv_error = |source| PredictError::Write {
            what: "the TSV",
            source,
        };
        if let Some(tsv) = tsv.as_mut() {
            let mut header = String::from("chrom\tstart\tend\tname");
            for task in self.tasks {
                header.push('\t');
                header.push_str(task);
            }
            writeln!(tsv, "{header}").map_err(tsv_error)?;
        }
        let segments = bedgraph.is_some() || bigwigs.is_some() || calls.is_some();
        let mut text = String::new();
        let mut graph = String::new();
        let mut windows = 0;
        for predicted in chunks {
            let (chunk, p) = predicted?;
            windows += chunk.len();
            text.clear();
            graph.clear();
            for (t, row) in chunk.iter().zip(p.chunks_exact(self.tasks.len())) {
                let r = &self.regions[t.region];
                use std::fmt::Write as _;
                if tsv.is_some() {
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
                }
                if !segments {
                    continue;
                }
                let (lo, hi) = self.tiles_of[t.region].segment(t.index);
                if let Some((_, task)) = &bedgraph {
                    let _ = writeln!(graph, "{}\t{lo}\t{hi}\t{}", r.chrom, row[*task]);
                }
                if let Some(bigwigs) = bigwigs.as_mut() {
                    bigwigs.push(&r.chrom, lo, hi, row)?;
                }
                if let Some(calls) = calls.as_mut() {
                    // With a stride of 1 a window's centre can fall just past its segment.
                    let summit = (t.start + self.window / 2).clamp(lo, hi - 1);
                    calls.push(&r.chrom, lo, hi, summit, row)?;
                }
            }
            if let Some(tsv) = tsv.as_mut() {
                tsv.write_all(text.as_bytes()).map_err(tsv_error)?;
            }
            if let Some((writer, _)) = bedgraph.as_mut() {
                writer
                    .write_all(graph.as_bytes())
                    .map_err(|source| PredictError::Write {
                        what: "the bedGraph",
                        source,
                    })?;
            }
        }
        Ok(windows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn starts(start: u64, end: u64, window: u64, stride: u64) -> Vec<u64> {
        Tiles::new(start, end, window, stride).starts().collect()
    }

    #[test]
    fn tiles_cover_the_region_and_end_flush() {
        assert_eq!(starts(100, 300, 200, 50), [100]);
        assert_eq!(starts(0, 450, 200, 100), [0, 100, 200, 250]);
        assert_eq!(starts(0, 400, 200, 200), [0, 200]);
        assert_eq!(starts(7, 457, 200, 50), [7, 57, 107, 157, 207, 257]);
        assert!(Tiles::new(0, 199, 200, 50).is_empty());
        // A chromosome's worth of windows, computed without listing them.
        let chr1 = Tiles::new(10_000, 248_946_422, 200, 50);
        assert_eq!(chr1.len(), 4_978_726);
        assert_eq!(chr1.start(chr1.len() - 2), 248_946_200);
        assert_eq!(chr1.start(chr1.len() - 1), 248_946_222);
    }

    #[test]
    fn segments_partition_the_region_at_midpoints_between_centres() {
        let tiles = Tiles::new(0, 450, 200, 100);
        let segments: Vec<_> = (0..tiles.len()).map(|i| tiles.segment(i)).collect();
        // Centres 100, 200, 300, 350: boundaries halfway between them.
        assert_eq!(segments, [(0, 150), (150, 250), (250, 325), (325, 450)]);
        let tiles = Tiles::new(1000, 1400, 200, 200);
        let segments: Vec<_> = (0..2).map(|i| tiles.segment(i)).collect();
        assert_eq!(segments, [(1000, 1200), (1200, 1400)]);
        // Stride 1: the inner segments are one base each, ending at their window's centre.
        let tiles = Tiles::new(0, 203, 200, 1);
        let segments: Vec<_> = (0..tiles.len()).map(|i| tiles.segment(i)).collect();
        assert_eq!(segments, [(0, 100), (100, 101), (101, 102), (102, 203)]);
    }

    #[test]
    fn track_regions_sort_into_genome_order_and_may_not_overlap() {
        let region = |chrom: &str, start, end, line| Region {
            chrom: chrom.into(),
            start,
            end,
            name: format!("r{line}"),
            line,
        };
        // chr2 before chr1 in this genome: its order, not the names'.
        let sizes =
            ChromSizes::new([("chr2".to_string(), 1_000), ("chr1".to_string(), 1_000)]).unwrap();
        let mut regions = vec![
            region("chr1", 500, 700, 1),
            region("chr2", 300, 500, 2),
            region("chr1", 0, 500, 3),
            region("chr2", 0, 300, 4),
        ];
        sort_for_tracks(&mut regions, &sizes, Path::new("r.bed")).unwrap();
        let lines: Vec<u64> = regions.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 2, 3, 1]);
        regions.push(region("chr2", 299, 400, 5));
        let err = sort_for_tracks(&mut regions, &sizes, Path::new("r.bed")).unwrap_err();
        let err = err.to_string();
        assert!(
            err.starts_with("r.bed:5: region r5 overlaps region r4 of line 4"),
            "{err}"
        );
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
