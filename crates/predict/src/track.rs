//! Per-task tracks of a prediction run: one bigWig per task, and the calls where a task's track
//! reaches a threshold. Both take the segments of [`crate::Tiles::segment`] in genome order, so
//! each base gets the probability of the window whose centre is nearest, as in the bedGraph.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use bigtools::{
    BBIDataProcessor, BBIDataSource, BBIProcessError, BigWigWrite, ProcessDataError, Value,
};
use tfbind_artifact::AtomicFile;
use tokio::sync::mpsc;

use crate::zoom::Zooms;
use crate::{PredictError, Result};

/// A chromosome name shared by all the values on it, so that a writer sees a new chromosome by
/// pointer, not by comparing names value after value.
#[derive(Clone)]
struct Chrom(Arc<str>);

/// Runs of values of one task, each on one chromosome, handed to its writer at a time.
type Batch = Vec<(Chrom, Vec<Value>)>;

/// Values handed to each writer at a time, at most: the writers hold one batch each in their
/// channel, so this bounds memory whatever the length of the regions.
const BATCH_VALUES: usize = 1_024;

/// One bigWig per task, each written by bigtools on a thread of its own as the values stream in,
/// chromosome by chromosome, with zoom levels summed alongside (`zoom.rs`).
pub struct BigWigs {
    /// The files, in the order of the tasks, renamed into place by the caller once complete.
    files: Vec<AtomicFile>,
    paths: Vec<PathBuf>,
    /// Closed (emptied) to tell the writers that the values have ended.
    senders: Vec<mpsc::Sender<Batch>>,
    writers: Vec<Option<JoinHandle<Result<(), String>>>>,
    pending: Vec<Batch>,
    pending_values: usize,
    chrom: Option<Chrom>,
}

impl BigWigs {
    /// Starts writing `paths` (one per task, in task order) over chromosomes of these `sizes`,
    /// in this order, with zoom levels of `first_zoom` bases, 4 times that, and so on. A
    /// chromosome longer than a bigWig's 32-bit coordinates is an error naming it.
    pub fn create(paths: Vec<PathBuf>, sizes: &[(&str, u64)], first_zoom: u32) -> Result<Self> {
        let mut sizes32 = Vec::with_capacity(sizes.len());
        for &(chrom, len) in sizes {
            let len = u32::try_from(len).map_err(|_| PredictError::ChromTooLong {
                chrom: chrom.to_string(),
                len,
            })?;
            sizes32.push((chrom.to_string(), len));
        }
        let mut files = Vec::with_capacity(paths.len());
        let mut senders = Vec::with_capacity(paths.len());
        let mut writers = Vec::with_capacity(paths.len());
        for path in &paths {
            let file = AtomicFile::create(path)?;
            let failed = |source: io::Error| PredictError::BigWig {
                path: path.clone(),
                message: source.to_string(),
            };
            // bigtools takes its output by value and seeks in it; the clones share the temporary
            // file that `file` renames into place once every output is complete.
            let out = file.writer.get_ref().try_clone().map_err(failed)?;
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let (sender, batches) = mpsc::channel(1);
            let sizes = sizes32.clone();
            writers.push(Some(std::thread::spawn(move || {
                write_bigwig(out, &dir, sizes, first_zoom, batches)
            })));
            senders.push(sender);
            files.push(file);
        }
        Ok(Self {
            pending: vec![Vec::new(); paths.len()],
            files,
            paths,
            senders,
            writers,
            pending_values: 0,
            chrom: None,
        })
    }

    /// Adds the bases `[lo, hi)` of `chrom` with each task's value in `row`, handing the values
    /// to the writers every `BATCH_VALUES` segments.
    pub fn push(&mut self, chrom: &str, lo: u64, hi: u64, row: &[f32]) -> Result<()> {
        let same = matches!(&self.chrom, Some(c) if &*c.0 == chrom);
        if !same {
            self.chrom = Some(Chrom(Arc::from(chrom)));
        }
        let current = self.chrom.as_ref().expect("set above");
        for (batch, &value) in self.pending.iter_mut().zip(row) {
            if !same || batch.is_empty() {
                batch.push((current.clone(), Vec::with_capacity(BATCH_VALUES)));
            }
            let (_, values) = batch.last_mut().expect("pushed above");
            // Coordinates fit: `create` checked every chromosome's length.
            values.push(Value {
                start: lo as u32,
                end: hi as u32,
                value,
            });
        }
        self.pending_values += 1;
        if self.pending_values >= BATCH_VALUES {
            self.send()?;
        }
        Ok(())
    }

    /// Hands the values added so far to the writers.
    fn send(&mut self) -> Result<()> {
        self.pending_values = 0;
        for i in 0..self.pending.len() {
            let batch = std::mem::take(&mut self.pending[i]);
            if self.senders[i].blocking_send(batch).is_err() {
                // The writer stopped early: its error says why.
                self.senders.clear();
                return Err(self.join(i).err().unwrap_or_else(|| PredictError::BigWig {
                    path: self.paths[i].clone(),
                    message: "the writer stopped before the end of the values".into(),
                }));
            }
        }
        Ok(())
    }

    /// Waits for writer `i` to end, once its channel is closed.
    fn join(&mut self, i: usize) -> Result<()> {
        let failed = match self.writers[i].take().map(JoinHandle::join) {
            None | Some(Ok(Ok(()))) => return Ok(()),
            Some(Ok(Err(message))) => message,
            Some(Err(_)) => "the bigWig writer panicked".to_string(),
        };
        Err(PredictError::BigWig {
            path: self.paths[i].clone(),
            message: failed,
        })
    }

    /// Hands over the last values and waits for every file to be complete, returning them to be
    /// committed. At least one value must have been pushed: a track without values is an error.
    pub fn finish(mut self) -> Result<Vec<AtomicFile>> {
        if self.pending_values > 0 {
            self.send()?;
        }
        self.senders.clear();
        for i in 0..self.writers.len() {
            self.join(i)?;
        }
        Ok(std::mem::take(&mut self.files))
    }
}

impl Drop for BigWigs {
    /// A run that fails stops its writers before their temporary files are removed, so no
    /// thread outlives it writing to a file that is gone.
    fn drop(&mut self) {
        self.senders.clear();
        for writer in self.writers.iter_mut().filter_map(Option::take) {
            let _ = writer.join();
        }
    }
}

/// Writes one bigWig from the batches until their channel closes, then appends its zoom levels.
fn write_bigwig(
    out: File,
    dir: &Path,
    sizes: Vec<(String, u32)>,
    first_zoom: u32,
    batches: mpsc::Receiver<Batch>,
) -> Result<(), String> {
    let longest = sizes.iter().map(|&(_, len)| len).max().unwrap_or(0);
    let mut zooms = Zooms::new(dir, first_zoom, longest)
        .map_err(|e| format!("making the zoom levels' temporary file: {e}"))?;
    let file = out.try_clone().map_err(|e| e.to_string())?;
    let error = Arc::new(Mutex::new(None));
    let out = Watched {
        file: out,
        error: Arc::clone(&error),
    };
    // bigtools compresses on this thread between values: the model needs the cores more than
    // fifty more threads would help the compression.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| format!("starting the bigWig writer: {e}"))?;
    // bigtools numbers chromosomes in their order of appearance; so does `zooms`.
    let lengths: HashMap<String, u32> = sizes.into_iter().collect();
    let data = Track {
        batches,
        lengths: &lengths,
        zooms: &mut zooms,
    };
    let mut writer = BigWigWrite::new(out, lengths.clone());
    // No zoom level from bigtools: see crate::zoom.
    writer.options.manual_zoom_sizes = Some(Vec::new());
    let items_per_slot = writer.options.items_per_slot;
    writer.write(data, runtime).map_err(|e| e.to_string())?;
    let failed = error.lock().expect("not poisoned").take();
    if let Some(e) = failed {
        return Err(e.to_string());
    }
    // A data block holds a 24-byte header and 12 bytes per value.
    let data_buffer = 24 + 12 * items_per_slot;
    zooms
        .append_to(&file, data_buffer)
        .map_err(|e| format!("writing the zoom levels: {e}"))?;
    // Synced here, every task's file at once, so that the commit, which syncs the outputs one
    // after the other, finds nothing left to write in them.
    file.sync_all().map_err(|e| e.to_string())
}

/// One task's values as bigtools writes them, chromosome by chromosome as they come (in the
/// genome's order, not sorted by name), each summed into the zoom levels on its way.
struct Track<'a> {
    batches: mpsc::Receiver<Batch>,
    lengths: &'a HashMap<String, u32>,
    zooms: &'a mut Zooms,
}

impl BBIDataSource for Track<'_> {
    type Value = Value;
    type Error = std::convert::Infallible;

    fn process_to_bbi<
        P: BBIDataProcessor<Value = Value>,
        StartProcessing: FnMut(String) -> Result<P, ProcessDataError>,
        Advance: FnMut(P),
    >(
        &mut self,
        runtime: &tokio::runtime::Runtime,
        start_processing: &mut StartProcessing,
        advance: &mut Advance,
    ) -> Result<(), BBIProcessError<Self::Error>> {
        runtime.block_on(async {
            // bigtools checks each value against the next one on its chromosome, so a value is
            // held until the next arrives. Chromosomes are numbered in order of appearance, as
            // bigtools numbers them.
            let mut current: Option<(Chrom, u32, u32, P)> = None;
            let mut held: Option<Value> = None;
            // Awaited, not blocked on: while the next batch is on its way the runtime compresses
            // the blocks bigtools has spawned, instead of leaving them all to the end.
            while let Some(batch) = self.batches.recv().await {
                for (chrom, values) in batch {
                    if !matches!(&current, Some((c, ..)) if Arc::ptr_eq(&c.0, &chrom.0)) {
                        let id = match current.take() {
                            Some((_, id, _, mut ended)) => {
                                if let Some(last) = held.take() {
                                    ended.do_process(last, None).await?;
                                }
                                advance(ended);
                                id + 1
                            }
                            None => 0,
                        };
                        let len = self.lengths[&*chrom.0];
                        let started = start_processing(chrom.0.to_string())?;
                        current = Some((chrom, id, len, started));
                    }
                    let (_, id, len, processor) = current.as_mut().expect("started above");
                    for value in values {
                        self.zooms.add(*id, *len, &value);
                        if let Some(previous) = held.replace(value) {
                            processor.do_process(previous, held.as_ref()).await?;
                        }
                    }
                }
            }
            // A bigWig needs a value: runs without windows are refused before they get here.
            let (_, _, _, mut ended) = current
                .ok_or_else(|| BBIProcessError::InvalidInput("the track has no values".into()))?;
            if let Some(last) = held {
                ended.do_process(last, None).await?;
            }
            advance(ended);
            Ok(())
        })
    }
}

/// A file that remembers its first write error: bigtools leaves the file's last bytes in a
/// `BufWriter` that it drops, and a drop cannot report a failed flush.
struct Watched {
    file: File,
    error: Arc<Mutex<Option<io::Error>>>,
}

impl Watched {
    fn watch<T>(&self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            let mut error = self.error.lock().expect("not poisoned");
            if error.is_none() {
                *error = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
        result
    }
}

impl Write for Watched {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.file.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.file.flush();
        self.watch(result)
    }
}

impl Seek for Watched {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let result = self.file.seek(pos);
        self.watch(result)
    }
}

/// A stretch of one task's track at or above the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Call {
    start: u64,
    task: usize,
    end: u64,
    /// The highest probability, as `f32::to_bits`: probabilities are not negative, so their
    /// bits order as they do.
    max: u32,
    summit: u64,
}

/// Calls: for each task, the maximal stretches of bases where its track is at or above a
/// threshold (adjacent segments merged; bases without a value, between regions, end a call),
/// written as narrowPeak-like BED in genome order, tasks' calls that start at the same base in
/// task order.
pub struct Calls {
    file: AtomicFile,
    threshold: f32,
    tasks: Vec<String>,
    chrom: String,
    open: Vec<Option<Call>>,
    /// Ended calls waiting for the calls that start before them to end.
    ended: BinaryHeap<Reverse<Call>>,
    written: usize,
}

impl Calls {
    pub fn create(path: &Path, tasks: &[String], threshold: f32) -> Result<Self> {
        Ok(Self {
            file: AtomicFile::create(path)?,
            threshold,
            tasks: tasks.to_vec(),
            chrom: String::new(),
            open: vec![None; tasks.len()],
            ended: BinaryHeap::new(),
            written: 0,
        })
    }

    /// Adds the bases `[lo, hi)` of `chrom`, whose window is centred on `summit`, with each
    /// task's value in `row`. Segments come in genome order.
    pub fn push(&mut self, chrom: &str, lo: u64, hi: u64, summit: u64, row: &[f32]) -> Result<()> {
        if chrom != self.chrom {
            self.end_all();
            self.write_ended()?;
            self.chrom = chrom.to_string();
        }
        for (task, &p) in row.iter().enumerate() {
            let open = &mut self.open[task];
            let above = p >= self.threshold;
            match open {
                Some(call) if above && call.end == lo => {
                    call.end = hi;
                    if p.to_bits() > call.max {
                        call.max = p.to_bits();
                        call.summit = summit;
                    }
                }
                _ => {
                    if let Some(call) = open.take() {
                        self.ended.push(Reverse(call));
                    }
                    if above {
                        *open = Some(Call {
                            start: lo,
                            task,
                            end: hi,
                            max: p.to_bits(),
                            summit,
                        });
                    }
                }
            }
        }
        self.write_ended()
    }

    fn end_all(&mut self) {
        for call in self.open.iter_mut().filter_map(Option::take) {
            self.ended.push(Reverse(call));
        }
    }

    /// Writes the ended calls that no open call precedes.
    fn write_ended(&mut self) -> Result<()> {
        let first_open = self.open.iter().flatten().map(|c| (c.start, c.task)).min();
        while let Some(Reverse(call)) = self.ended.peek() {
            if first_open.is_some_and(|first| (call.start, call.task) > first) {
                break;
            }
            let call = *call;
            self.ended.pop();
            let max = f32::from_bits(call.max);
            // narrowPeak's score is an integer 0-1000.
            let score = (max * 1000.0).round().clamp(0.0, 1000.0) as u32;
            writeln!(
                self.file.writer,
                "{}\t{}\t{}\t{}\t{score}\t.\t{max}\t-1\t-1\t{}",
                self.chrom,
                call.start,
                call.end,
                self.tasks[call.task],
                call.summit - call.start
            )
            .map_err(|source| PredictError::Write {
                what: "the calls",
                source,
            })?;
            self.written += 1;
        }
        Ok(())
    }

    /// Ends the open calls and writes them; returns the file to be committed and the number of
    /// calls.
    pub fn finish(mut self) -> Result<(AtomicFile, usize)> {
        self.end_all();
        self.write_ended()?;
        Ok((self.file, self.written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_merge_adjacent_bases_at_the_threshold_in_genome_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.bed");
        let tasks = ["A".to_string(), "B".to_string()];
        let mut calls = Calls::create(&path, &tasks, 0.5).unwrap();
        // (chrom, lo, hi, window centre, [A, B]); chr1 has no value over [260, 300).
        let segments: [(&str, u64, u64, u64, [f32; 2]); 6] = [
            ("chr1", 0, 100, 50, [0.6, 0.2]),
            ("chr1", 100, 150, 120, [0.9, 0.7]),
            ("chr1", 150, 200, 170, [0.4, 0.8]),
            ("chr1", 200, 260, 230, [0.5, 0.8]),
            ("chr1", 300, 400, 350, [0.7, 0.9]),
            ("chr2", 0, 50, 25, [0.1, 0.55]),
        ];
        for (chrom, lo, hi, summit, row) in segments {
            calls.push(chrom, lo, hi, summit, &row).unwrap();
        }
        let (file, n) = calls.finish().unwrap();
        file.commit().unwrap();
        let expected = "\
chr1\t0\t150\tA\t900\t.\t0.9\t-1\t-1\t120
chr1\t100\t260\tB\t800\t.\t0.8\t-1\t-1\t70
chr1\t200\t260\tA\t500\t.\t0.5\t-1\t-1\t30
chr1\t300\t400\tA\t700\t.\t0.7\t-1\t-1\t50
chr1\t300\t400\tB\t900\t.\t0.9\t-1\t-1\t50
chr2\t0\t50\tB\t550\t.\t0.55\t-1\t-1\t25
";
        assert_eq!(std::fs::read_to_string(&path).unwrap(), expected);
        assert_eq!(n, 6);
    }
}
