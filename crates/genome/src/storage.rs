//! The bytes of a FASTA file, plain or BGZF, cut into blocks that are read (and inflated)
//! independently, so many threads can serve windows from different parts of the file at once.

use std::{
    fs::File,
    io::{self, BufReader, Read, Seek},
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

/// What the first bytes of a file say it is.
pub(crate) enum Format {
    Plain,
    Bgzf,
    /// gzip, but not BGZF (no `BC` extra subfield): cannot be read at random.
    Gzip,
}

pub(crate) fn sniff(head: &[u8]) -> Format {
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
    /// Builds the table from a `.gzi` (which lists every block but the first) and the last
    /// block's footer, which gives the total size.
    pub(crate) fn from_gzi(index: &bgzf::gzi::Index, file: &File, path: &Path) -> Result<Self> {
        let file_len = file_len(file, path)?;
        let mut compressed = vec![0];
        let mut uncompressed = vec![0];
        for &(c, u) in index.as_ref() {
            compressed.push(c);
            uncompressed.push(u);
        }
        let mut blocks = Self {
            compressed,
            uncompressed,
            file_len,
        };
        let last = blocks.compressed.len() - 1;
        let mut reader = BlockReader::default();
        let (_, block_len) = reader.read_raw(&blocks, last, file, path)?;
        let isize = le_u32(&reader.raw[block_len - 4..block_len]);
        let total = blocks.uncompressed[last] + u64::from(isize);
        blocks.uncompressed.push(total);
        Ok(blocks)
    }

    /// Builds the table by walking the block headers (reading only headers and footers).
    pub(crate) fn scan(file: &File, path: &Path) -> Result<Self> {
        let file_len = file_len(file, path)?;
        let io_err = |e| Error::io(path, e);
        let mut reader = BufReader::with_capacity(1 << 16, file);
        reader.rewind().map_err(io_err)?;
        let mut compressed = Vec::new();
        let mut uncompressed = Vec::new();
        let (mut c, mut u) = (0u64, 0u64);
        let mut header = Vec::with_capacity(64);
        while c < file_len {
            let corrupt = |reason: String| Error::Bgzf {
                path: path.to_owned(),
                offset: c,
                reason,
            };
            header.resize(12, 0);
            reader
                .read_exact(&mut header)
                .map_err(|e| corrupt(format!("truncated block header: {e}")))?;
            let xlen = usize::from(u16::from_le_bytes([header[10], header[11]]));
            header.resize(12 + xlen, 0);
            reader
                .read_exact(&mut header[12..])
                .map_err(|e| corrupt(format!("truncated block header: {e}")))?;
            let (header_len, block_len) = parse_header(&header).map_err(corrupt)?;
            let skip = block_len - header_len - 4;
            reader
                .seek_relative(skip as i64)
                .map_err(|e| corrupt(e.to_string()))?;
            let mut isize = [0; 4];
            reader
                .read_exact(&mut isize)
                .map_err(|e| corrupt(format!("truncated block: {e}")))?;
            let isize = u32::from_le_bytes(isize);
            if isize > 0 {
                compressed.push(c);
                uncompressed.push(u);
            }
            c += block_len as u64;
            u += u64::from(isize);
        }
        if c != file_len {
            return Err(Error::Bgzf {
                path: path.to_owned(),
                offset: c,
                reason: format!("last block runs past the end of the file ({file_len} bytes)"),
            });
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

    fn len(&self) -> usize {
        self.compressed.len()
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
                "the index puts the block at bytes {start}..{end} of a {}-byte file; \
                 delete the .gzi to rebuild it",
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
                "block holds {isize} bytes but the index says {expected}; delete the .gzi to \
                 rebuild it"
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
