//! The bytes of a FASTA file, plain or BGZF, cut into blocks that are read (and inflated)
//! independently, so many threads can serve windows from different parts of the file at once.

use std::{
    fs::File,
    io::{self, BufReader, Seek},
    ops::Range,
    os::unix::fs::FileExt,
    path::{Path, PathBuf},
};

use noodles::bgzf;

use crate::{Error, Result};

/// Block size of a plain FASTA: large enough that a 200 bp window rarely straddles two blocks and
/// that reads are few, small enough that sparse windows do not read much unused text.
const PLAIN_BLOCK: u64 = 1 << 16;

/// The smallest BGZF header: gzip's 12 bytes, then the 6-byte `BC` extra subfield.
const MIN_HEADER: usize = 18;
/// CRC32 and ISIZE.
const FOOTER: usize = 8;

pub(crate) enum Storage {
    Plain { len: u64 },
    Bgzf(Blocks),
}

/// Where every non-empty BGZF block starts, compressed and uncompressed: the content of a `.gzi`
/// plus the first block and the total size.
pub(crate) struct Blocks {
    /// Compressed offset of each block.
    compressed: Vec<u64>,
    /// Uncompressed offset of each block, then the total uncompressed size.
    uncompressed: Vec<u64>,
    file_len: u64,
}

/// Per-thread buffers for reading blocks.
#[derive(Default)]
pub(crate) struct BlockReader {
    raw: Vec<u8>,
    decompressor: Option<libdeflater::Decompressor>,
}

/// What the first bytes of a file say it is. Names are often wrong (`.bed` files that are gzip,
/// `.gz` files that were decompressed in place), so every reader asks the content.
pub(crate) enum Format {
    Plain,
    Bgzf,
    /// gzip, but not BGZF (no `BC` extra subfield): cannot be read at random.
    Gzip,
    /// A compression tfbind does not read, by name, rather than parsed as garbage text.
    Other(&'static str),
}

/// Magic bytes of the compressions [`Format::Other`] names.
const OTHER_MAGIC: &[(&[u8], &str)] = &[
    (b"BZh", "bzip2"),
    (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
    (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
];

/// Tells the format from the first bytes of a file (at least [`MIN_HEADER`] of them when the
/// file has that many, to see a BGZF header whole).
pub(crate) fn sniff(head: &[u8]) -> Format {
    if let Some((_, name)) = OTHER_MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
        return Format::Other(name);
    }
    match head {
        [0x1f, 0x8b, ..] if parse_header(head).is_ok() => Format::Bgzf,
        [0x1f, 0x8b, ..] => Format::Gzip,
        _ => Format::Plain,
    }
}

/// Parses a BGZF block header; returns (header length, whole block length).
fn parse_header(bytes: &[u8]) -> Result<(usize, usize), String> {
    if bytes.len() < MIN_HEADER {
        return Err(format!("truncated block header ({} bytes)", bytes.len()));
    }
    // Magic, deflate, and FLG = FEXTRA only, as the BGZF spec requires.
    if bytes[..4] != [0x1f, 0x8b, 8, 4] {
        return Err("not a BGZF block header".into());
    }
    let xlen = usize::from(u16::from_le_bytes([bytes[10], bytes[11]]));
    let header_len = 12 + xlen;
    let extra = bytes
        .get(12..header_len)
        .ok_or_else(|| "truncated extra field".to_string())?;
    let mut rest = extra;
    while rest.len() >= 4 {
        let slen = usize::from(u16::from_le_bytes([rest[2], rest[3]]));
        if rest[..2] == *b"BC" && slen == 2 && rest.len() >= 6 {
            let bsize = usize::from(u16::from_le_bytes([rest[4], rest[5]]));
            let block_len = bsize + 1;
            if block_len < header_len + FOOTER {
                return Err(format!("block size {block_len} is smaller than its header"));
            }
            return Ok((header_len, block_len));
        }
        rest = rest.get(4 + slen..).unwrap_or_default();
    }
    Err("gzip member without the BGZF `BC` block-size field".into())
}

fn le_u32(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes.try_into().expect("4 bytes"))
}

impl Blocks {
    /// Builds the table by walking the chain of block headers from the start of the file: one
    /// small positioned read per block (its footer's ISIZE and the next block's header), so the
    /// compressed data itself is not read. Every block is where the previous one's size says and
    /// holds the bytes its footer says, so the uncompressed offsets are exact.
    ///
    /// Why walk on every open rather than trust a `.gzi`: a `.gzi` whose offsets are shifted
    /// (from another version of the file) passes every per-block check made when a block is read
    /// and serves shifted sequence. Walking costs one read per 64 KiB of sequence (3,436 reads
    /// for the chr19–22 bundle), far less than inflating any part of the genome.
    pub(crate) fn scan(file: &File, path: &Path) -> Result<Self> {
        let file_len = file_len(file, path)?;
        let mut peek = Peek::new(file);
        let mut compressed = Vec::new();
        let mut uncompressed = Vec::new();
        let (mut c, mut u) = (0u64, 0u64);
        while c < file_len {
            let corrupt = |reason: String| Error::Bgzf {
                path: path.to_owned(),
                offset: c,
                reason,
            };
            let truncated = |e: io::Error| corrupt(format!("truncated block header: {e}"));
            let fixed = peek.get(c, 12).map_err(truncated)?;
            let xlen = usize::from(u16::from_le_bytes([fixed[10], fixed[11]]));
            let header = peek.get(c, 12 + xlen).map_err(truncated)?;
            let (_, block_len) = parse_header(header).map_err(corrupt)?;
            let isize = peek
                .get(c + block_len as u64 - 4, 4)
                .map_err(|e| corrupt(format!("truncated block: {e}")))?;
            let isize = le_u32(isize);
            if isize > 0 {
                compressed.push(c);
                uncompressed.push(u);
            }
            c += block_len as u64;
            u += u64::from(isize);
        }
        uncompressed.push(u);
        Ok(Self {
            compressed,
            uncompressed,
            file_len,
        })
    }

    /// The `.gzi` form of the table: every block but the first.
    pub(crate) fn to_gzi(&self) -> bgzf::gzi::Index {
        let n = self.compressed.len();
        let entries = (1..n)
            .map(|k| (self.compressed[k], self.uncompressed[k]))
            .collect::<Vec<_>>();
        bgzf::gzi::Index::from(entries)
    }

    /// True when `gzi` lists exactly the blocks of this table. (Empty blocks, which hold no
    /// byte, are left out of both: the end-of-file marker, or the marker of each part of
    /// concatenated files.)
    pub(crate) fn agrees_with(&self, gzi: &bgzf::gzi::Index) -> bool {
        gzi.as_ref().len() + 1 == self.len()
            && gzi
                .as_ref()
                .iter()
                .zip(self.compressed[1..].iter().zip(&self.uncompressed[1..]))
                .all(|(&(c, u), (&our_c, &our_u))| c == our_c && u == our_u)
    }

    fn len(&self) -> usize {
        self.compressed.len()
    }
}

/// Small positioned reads served from one 64-byte read where they fall inside it: a block's
/// footer and the next block's header are read together.
struct Peek<'f> {
    file: &'f File,
    start: u64,
    buf: Vec<u8>,
}

impl<'f> Peek<'f> {
    const SPAN: usize = 64;

    fn new(file: &'f File) -> Self {
        Self {
            file,
            start: 0,
            buf: Vec::with_capacity(Self::SPAN),
        }
    }

    /// `n` bytes at `pos`; an `UnexpectedEof` error when the file ends first.
    fn get(&mut self, pos: u64, n: usize) -> io::Result<&[u8]> {
        let inside = pos >= self.start && pos + n as u64 <= self.start + self.buf.len() as u64;
        if !inside {
            self.buf.resize(n.max(Self::SPAN), 0);
            let mut got = 0;
            while got < self.buf.len() {
                match self.file.read_at(&mut self.buf[got..], pos + got as u64) {
                    Ok(0) => break,
                    Ok(k) => got += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.buf.truncate(got);
            self.start = pos;
            if got < n {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the file ends {got} bytes after byte {pos}, {n} are needed"),
                ));
            }
        }
        let from = (pos - self.start) as usize;
        Ok(&self.buf[from..from + n])
    }
}

impl Storage {
    /// Total uncompressed size in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Self::Plain { len } => *len,
            Self::Bgzf(b) => *b.uncompressed.last().expect("sentinel"),
        }
    }

    /// The block holding uncompressed byte `pos` (`pos < self.len()`).
    pub(crate) fn block_of(&self, pos: u64) -> usize {
        match self {
            Self::Plain { .. } => (pos / PLAIN_BLOCK) as usize,
            Self::Bgzf(b) => b.uncompressed[..b.len()].partition_point(|&u| u <= pos) - 1,
        }
    }

    /// Uncompressed offset of the first byte of block `k`.
    pub(crate) fn block_start(&self, k: usize) -> u64 {
        match self {
            Self::Plain { .. } => k as u64 * PLAIN_BLOCK,
            Self::Bgzf(b) => b.uncompressed[k],
        }
    }
}

impl BlockReader {
    /// Reads block `k`'s bytes (uncompressed) into `out`, replacing its content.
    pub(crate) fn read_block(
        &mut self,
        storage: &Storage,
        k: usize,
        file: &File,
        path: &Path,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        match storage {
            Storage::Plain { len } => {
                let start = k as u64 * PLAIN_BLOCK;
                let end = (start + PLAIN_BLOCK).min(*len);
                out.resize((end - start) as usize, 0);
                file.read_exact_at(out, start)
                    .map_err(|e| Error::io(path, e))
            }
            Storage::Bgzf(blocks) => self.inflate(blocks, k, file, path, out),
        }
    }

    /// Reads the compressed bytes of block `k` into `self.raw` and checks its header; returns
    /// (header length, block length).
    fn read_raw(
        &mut self,
        blocks: &Blocks,
        k: usize,
        file: &File,
        path: &Path,
    ) -> Result<(usize, usize)> {
        let start = blocks.compressed[k];
        // The next block's start bounds this one; the last block may be followed by the empty
        // end-of-file block, which the header's own size excludes.
        let end = blocks
            .compressed
            .get(k + 1)
            .copied()
            .unwrap_or(blocks.file_len);
        let corrupt = |reason: String| Error::Bgzf {
            path: path.to_owned(),
            offset: start,
            reason,
        };
        if end <= start || end > blocks.file_len {
            return Err(corrupt(format!(
                "the block table puts the block at bytes {start}..{end} of a {}-byte file: \
                 was the file changed after it was opened?",
                blocks.file_len
            )));
        }
        self.raw.resize((end - start) as usize, 0);
        file.read_exact_at(&mut self.raw, start)
            .map_err(|e| Error::io(path, e))?;
        let (header_len, block_len) = parse_header(&self.raw).map_err(corrupt)?;
        if block_len > self.raw.len() {
            return Err(corrupt(format!(
                "block of {block_len} bytes, but only {} before the next block or the end \
                 of the file (truncated?)",
                self.raw.len()
            )));
        }
        Ok((header_len, block_len))
    }

    fn inflate(
        &mut self,
        blocks: &Blocks,
        k: usize,
        file: &File,
        path: &Path,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let (header_len, block_len) = self.read_raw(blocks, k, file, path)?;
        let corrupt = |reason: String| Error::Bgzf {
            path: path.to_owned(),
            offset: blocks.compressed[k],
            reason,
        };
        let footer = &self.raw[block_len - FOOTER..block_len];
        let (crc, isize) = (le_u32(&footer[..4]), le_u32(&footer[4..]) as usize);
        let expected = (blocks.uncompressed[k + 1] - blocks.uncompressed[k]) as usize;
        if isize != expected {
            return Err(corrupt(format!(
                "block holds {isize} bytes but held {expected} when the file was opened: was \
                 it changed since?"
            )));
        }
        // `resize` only writes the bytes it adds, so a reused buffer is not cleared each time.
        out.resize(isize, 0);
        let n = self
            .decompressor
            .get_or_insert_with(libdeflater::Decompressor::new)
            .deflate_decompress(&self.raw[header_len..block_len - FOOTER], out)
            .map_err(|e| corrupt(format!("cannot inflate: {e}")))?;
        if n != isize {
            return Err(corrupt(format!("inflated to {n} bytes, expected {isize}")));
        }
        if libdeflater::crc32(out) != crc {
            return Err(corrupt("CRC32 mismatch".into()));
        }
        Ok(())
    }
}

/// A FASTA file's bytes: the open file and how its blocks are stored.
pub(crate) struct Text {
    pub path: PathBuf,
    pub file: File,
    pub storage: Storage,
}

/// One thread's view of a file's bytes: the last two blocks read, so reads in file order read
/// each block once.
pub(crate) struct Cursor<'t> {
    text: &'t Text,
    reader: BlockReader,
    slots: [(Option<usize>, Vec<u8>); 2],
    /// The slot used last; the other is replaced next.
    last: usize,
    /// The bytes of a range that straddles blocks.
    joined: Vec<u8>,
}

impl<'t> Cursor<'t> {
    pub(crate) fn new(text: &'t Text) -> Self {
        Self {
            text,
            reader: BlockReader::default(),
            slots: Default::default(),
            last: 0,
            joined: Vec::new(),
        }
    }

    /// Makes block `k` resident; returns its slot.
    fn load(&mut self, k: usize) -> Result<usize> {
        let slot = match self.slots.iter().position(|(b, _)| *b == Some(k)) {
            Some(slot) => slot,
            None => {
                let slot = 1 - self.last;
                let t = self.text;
                let (block, data) = &mut self.slots[slot];
                *block = None;
                self.reader
                    .read_block(&t.storage, k, &t.file, &t.path, data)?;
                *block = Some(k);
                slot
            }
        };
        self.last = slot;
        Ok(slot)
    }

    /// The uncompressed bytes `range` of the file, which must be non-empty and end inside it.
    pub(crate) fn bytes(&mut self, range: Range<u64>) -> Result<&[u8]> {
        let storage = &self.text.storage;
        let first = storage.block_of(range.start);
        let last = storage.block_of(range.end - 1);
        if first == last {
            let slot = self.load(first)?;
            let base = self.text.storage.block_start(first);
            return Ok(
                &self.slots[slot].1[(range.start - base) as usize..(range.end - base) as usize]
            );
        }
        self.joined.clear();
        for k in first..=last {
            let slot = self.load(k)?;
            let base = self.text.storage.block_start(k);
            let data = &self.slots[slot].1;
            let from = range.start.saturating_sub(base) as usize;
            let to = ((range.end - base) as usize).min(data.len());
            self.joined.extend_from_slice(&data[from..to]);
        }
        Ok(&self.joined)
    }
}

fn file_len(file: &File, path: &Path) -> Result<u64> {
    Ok(file.metadata().map_err(|e| Error::io(path, e))?.len())
}

pub(crate) fn gzi_path(fasta: &Path) -> PathBuf {
    let mut s = fasta.as_os_str().to_owned();
    s.push(".gzi");
    PathBuf::from(s)
}

/// A reader of the whole uncompressed text, for building the `.fai`.
pub(crate) fn text_reader(format_is_bgzf: bool, file: File) -> io::Result<Box<dyn io::BufRead>> {
    let mut file = file;
    file.rewind()?;
    Ok(if format_is_bgzf {
        Box::new(bgzf::io::Reader::new(file))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    })
}
