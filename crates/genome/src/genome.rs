use std::{
    fs::{self, File},
    io::{self, BufWriter, Read},
    ops::Range,
    path::Path,
};

use noodles::bgzf;
use rayon::prelude::*;
use tfbind_artifact::AtomicFile;

use crate::{
    codes, fai,
    storage::{self, Blocks, Cursor, Format, Storage, Text},
    ChromSizes, Error, Interval, Locus, Result,
};

/// An indexed FASTA genome, plain or bgzip-compressed, serving windows as sequence codes
/// (A C G T N = 0 1 2 3 4; lowercase folded; every other letter is N).
///
/// # How windows are read
///
/// The file is cut into blocks: its BGZF blocks, or 64 KiB pieces of a plain file.
/// [`fetch_codes`](Self::fetch_codes) sorts the windows by file offset, splits them into runs,
/// and rayon serves each run with positioned reads (`pread`, so threads share one `File`
/// without seeking) of only the blocks its windows touch, each block inflated once per run with
/// libdeflate into a two-block cache; windows are then cut out of the line-wrapped text with the
/// `.fai` geometry and mapped to codes.
///
/// Why, measured on the shared chr19–22 bundle (144,015 windows of 200 bp, 3,436 BGZF blocks,
/// 2-core VM): inflating the genome is the floor of the cost, since with one window every ~1.5 kb
/// 86% of the blocks hold a window. BGZF blocks are independent deflate streams, so they inflate
/// in parallel; libdeflate inflates them 1.7× faster than flate2's miniz_oxide, which noodles'
/// BGZF reader uses (105 against 181 ms on one core). noodles' `IndexedReader` inflates the
/// block again for every query: 6 s for the 144,015 windows, where pysam (htslib faidx, which
/// keeps the last block) takes 0.5 s as a whole process and this design ~50 ms on 2 cores
/// (about twice that on one). Reading only the touched blocks keeps memory at two blocks per
/// thread plus the output, whatever the genome's size. (rust-htslib's faidx would have matched
/// pysam's per-window path, at the cost of building htslib with bindgen.)
///
/// # Indexes are checked, not trusted
///
/// An index from another version of the file serves shifted sequence without any error (a FASTA
/// edited by whole lines keeps every byte where a base is expected), so on every open:
/// - the BGZF block table is walked from the file itself (one small read per block); a
///   `<fasta>.gzi` that lists other blocks is rewritten;
/// - a `<fasta>.fai` older than the FASTA is rebuilt; a newer one is checked record by record
///   (a few small reads each): its header line ends where the sequence starts, its first and
///   last lines have the stated bases and line breaks, and the next header or the end of the
///   file follows, so the records tile the file. One that does not match is rebuilt, with a
///   warning saying why.
///
/// Indexes are written beside the genome when missing or rebuilt; when they cannot be (a
/// read-only directory) they are kept in memory only.
pub struct Genome {
    text: Text,
    /// `.fai` records, in the order of `sizes`.
    records: Vec<fai::Record>,
    sizes: ChromSizes,
}

/// Windows served by one rayon task; a run re-reads at most the one block it shares with the
/// previous run.
const MIN_RUN: usize = 256;

impl Genome {
    /// Opens a FASTA file, plain or bgzip (told apart by its first bytes), reading and checking
    /// or building its indexes. A gzip file that is not bgzip is refused: it cannot be read at
    /// random.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_owned();
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let mut head = Vec::with_capacity(64);
        (&file)
            .take(64)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(&path, e))?;
        let storage = match storage::sniff(&head) {
            Format::Plain => Storage::Plain {
                len: file.metadata().map_err(|e| Error::io(&path, e))?.len(),
            },
            Format::Bgzf => Storage::Bgzf(load_blocks(&path, &file)?),
            Format::Gzip => return Err(Error::NotBgzip { path }),
            Format::Other(format) => return Err(Error::UnsupportedCompression { path, format }),
        };
        let text = Text {
            path,
            file,
            storage,
        };
        let records = load_fai(&text)?;
        let sizes = ChromSizes::from_records(&records, &fai::path_for(&text.path))?;
        Ok(Self {
            text,
            records,
            sizes,
        })
    }

    pub fn path(&self) -> &Path {
        &self.text.path
    }

    /// Chromosome names and lengths, in FASTA order.
    pub fn sizes(&self) -> &ChromSizes {
        &self.sizes
    }

    /// True for a bgzip-compressed FASTA.
    pub fn is_bgzf(&self) -> bool {
        matches!(self.text.storage, Storage::Bgzf(_))
    }

    /// Codes of one interval, of any length.
    pub fn fetch(&self, interval: &Interval) -> Result<Vec<u8>> {
        self.fetch_codes(std::slice::from_ref(interval), interval.len() as usize)
    }

    /// Codes of many windows of `window_len` bases, as one `windows.len() × window_len` row-major
    /// array in the order of `windows`. Fetched in parallel on the current rayon pool.
    pub fn fetch_codes<W: Locus + Sync>(
        &self,
        windows: &[W],
        window_len: usize,
    ) -> Result<Vec<u8>> {
        let mut out = vec![0; windows.len() * window_len];
        self.fetch_codes_into(windows, window_len, &mut out, &|_| {})?;
        Ok(out)
    }

    /// Like [`fetch_codes`](Self::fetch_codes), into `out` (of exactly `windows.len() *
    /// window_len` bytes), calling `progress(n)` as each batch of `n` windows is done.
    pub fn fetch_codes_into<W: Locus + Sync>(
        &self,
        windows: &[W],
        window_len: usize,
        out: &mut [u8],
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<()> {
        assert_eq!(
            out.len(),
            windows.len() * window_len,
            "output must hold windows × window_len codes"
        );
        if windows.is_empty() {
            return Ok(());
        }
        // Byte ranges in the uncompressed file, checked in input order so the error names the
        // first bad window.
        let mut ranges = Vec::with_capacity(windows.len());
        for w in windows {
            let id = self.sizes.check(w)?;
            let len = w.end() - w.start();
            if len != window_len as u64 {
                return Err(Error::WrongLength {
                    interval: w.to_interval(),
                    len,
                    expected: window_len,
                });
            }
            ranges.push((id, self.records[id].byte_range(w.start(), w.end())));
        }
        let mut order: Vec<u32> = (0..windows.len() as u32).collect();
        let sorted = ranges.is_sorted_by_key(|(_, r)| r.start);
        if !sorted {
            order.sort_unstable_by_key(|&i| ranges[i as usize].1.start);
        }
        let run = (windows.len() / (rayon::current_num_threads() * 16)).max(MIN_RUN);
        let serve = |(rows, idx): (&mut [u8], &[u32])| -> Result<()> {
            let mut cursor = Cursor::new(&self.text);
            for (row, &i) in rows.chunks_exact_mut(window_len).zip(idx) {
                let (id, range) = &ranges[i as usize];
                self.encode(&mut cursor, *id, range.clone(), &windows[i as usize], row)?;
            }
            progress(idx.len());
            Ok(())
        };
        if sorted {
            out.par_chunks_mut(run * window_len)
                .zip(order.par_chunks(run))
                .try_for_each(serve)
        } else {
            // Serve in file order into a scratch array, then put rows back in input order.
            let mut by_offset = vec![0; out.len()];
            by_offset
                .par_chunks_mut(run * window_len)
                .zip(order.par_chunks(run))
                .try_for_each(serve)?;
            let mut rank = vec![0u32; windows.len()];
            for (r, &i) in order.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            out.par_chunks_mut(window_len)
                .zip(rank.par_iter())
                .for_each(|(row, &r)| {
                    let r = r as usize;
                    row.copy_from_slice(&by_offset[r * window_len..(r + 1) * window_len]);
                });
            Ok(())
        }
    }

    /// Writes the codes of `window` (whose text is at `range` of chromosome `id`) into `row`.
    fn encode(
        &self,
        cursor: &mut Cursor,
        id: usize,
        range: Range<u64>,
        window: &impl Locus,
        row: &mut [u8],
    ) -> Result<()> {
        let text = cursor.bytes(range)?;
        if let Err(byte) = codes::encode_wrapped(text, &self.records[id], window.start(), row) {
            return Err(Error::BadSequence {
                path: self.text.path.clone(),
                interval: window.to_interval(),
                byte,
            });
        }
        Ok(())
    }
}

/// The block table of a bgzip file, walked from the file; the `.gzi` is (re)written when missing
/// or different.
fn load_blocks(path: &Path, file: &File) -> Result<Blocks> {
    let blocks = Blocks::scan(file, path)?;
    let gzi = storage::gzi_path(path);
    let problem = match bgzf::gzi::fs::read(&gzi) {
        Ok(index) if blocks.agrees_with(&index) => return Ok(blocks),
        Ok(_) => Some("it lists other blocks than the file holds".to_owned()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => Some(format!("cannot read it: {e}")),
    };
    if let Some(problem) = problem {
        tracing::warn!(index = %gzi.display(), %problem, "the .gzi does not match its bgzip file; rewriting it");
    }
    save_index(&gzi, |w| {
        bgzf::gzi::io::Writer::new(w).write_index(&blocks.to_gzi())
    });
    Ok(blocks)
}

/// What is beside a FASTA as its `.fai`.
enum Existing {
    Missing,
    Valid(Vec<fai::Record>),
    /// Why it cannot serve this file.
    Stale(String),
}

fn existing_fai(text: &Text, fai_path: &Path) -> Result<Existing> {
    let index_time = match fs::metadata(fai_path) {
        Ok(meta) => meta.modified().ok(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Existing::Missing),
        Err(e) => return Err(Error::io(fai_path, e)),
    };
    let fasta_time = text
        .file
        .metadata()
        .map_err(|e| Error::io(&text.path, e))?
        .modified()
        .ok();
    // An edit that keeps the file's shape (a base replaced) is visible in the times only.
    if let (Some(index), Some(fasta)) = (index_time, fasta_time) {
        if index < fasta {
            return Ok(Existing::Stale("it is older than the FASTA".into()));
        }
    }
    let records = match fai::read(fai_path) {
        Ok(records) => records,
        Err(Error::Parse { line, message, .. }) => {
            return Ok(Existing::Stale(format!("line {line}: {message}")))
        }
        Err(e) => return Err(e),
    };
    Ok(match fai::mismatch(&records, text)? {
        None => Existing::Valid(records),
        Some(reason) => Existing::Stale(reason),
    })
}

/// The `.fai` records of `text`: the existing index when it matches the file, else built from
/// the file (and saved beside it when possible).
fn load_fai(text: &Text) -> Result<Vec<fai::Record>> {
    let fai_path = fai::path_for(&text.path);
    match existing_fai(text, &fai_path)? {
        Existing::Valid(records) => return Ok(records),
        Existing::Missing => {
            tracing::info!(fasta = %text.path.display(), "building the FASTA index (.fai)")
        }
        Existing::Stale(reason) => tracing::warn!(
            index = %fai_path.display(),
            %reason,
            "the .fai does not match its FASTA; rebuilding it"
        ),
    }
    let file = text
        .file
        .try_clone()
        .map_err(|e| Error::io(&text.path, e))?;
    let bgzf = matches!(text.storage, Storage::Bgzf(_));
    let reader = storage::text_reader(bgzf, file).map_err(|e| Error::io(&text.path, e))?;
    let records = fai::build(reader, &text.path)?;
    save_index(&fai_path, |w| fai::write(w, &records));
    Ok(records)
}

/// Writes an index beside the genome when the directory allows it; a read-only directory (a
/// shared data folder) only costs rebuilding the index in memory next time.
fn save_index(path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>) {
    // Through a temporary file and a rename, so a concurrent reader never sees half an index.
    let saved = AtomicFile::create(path).and_then(|mut file| {
        write(&mut file.writer).map_err(|source| tfbind_artifact::Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        file.commit()
    });
    match saved {
        Ok(()) => tracing::info!(index = %path.display(), "wrote index"),
        Err(e) => tracing::warn!(
            index = %path.display(),
            error = %e,
            "cannot write the index beside the genome; keeping it in memory"
        ),
    }
}
