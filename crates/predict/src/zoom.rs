//! The zoom levels of a bigWig: summaries of the track over ever larger spans, which genome
//! browsers draw when zoomed out. bigtools 0.5.8 counts the bases of a gap between values as
//! covered, in every zoom record the gap crosses (bigtools issue #85), so a sparse track (DHS
//! windows, or a chromosome with N stretches) would look as if it covered its gaps. bigtools
//! writes the data and its index with no zoom level; these are computed here as the values
//! stream past, as UCSC's bedGraphToBigWig does, and appended to the finished file.
//!
//! A record of a level starts at the first base with a value after the previous record's span
//! (`size` bases from its start, clipped to the chromosome) and sums the values of the bases it
//! covers; its end is the last such base. Records go into zlib blocks of [`ITEMS_PER_SLOT`],
//! each on one chromosome, kept in a temporary file beside the output until the file is
//! complete, then copied after the data with an R-tree index per level.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use bigtools::Value;

/// Records per compressed block, and R-tree items per node: bigtools' and UCSC's values.
const ITEMS_PER_SLOT: usize = 1024;
const TREE_BLOCK: usize = 256;
/// Zoom headers the bigWig header has room for (bigtools reserves 10).
const MAX_LEVELS: usize = 10;
const BIGWIG_MAGIC: u32 = 0x888F_FC26;
const TREE_MAGIC: u32 = 0x2468_ACE0;
const RECORD_BYTES: usize = 32;

/// One zoom record being summed.
#[derive(Debug, Clone, Copy)]
struct Record {
    start: u32,
    end: u32,
    /// Where the record's span ends: values from here on start a new record.
    limit: u32,
    covered: u32,
    min: f32,
    max: f32,
    sum: f64,
    sum_squares: f64,
}

/// A compressed block of records in the temporary file, or (once copied) in the bigWig.
#[derive(Debug, Clone, Copy)]
struct Block {
    chrom: u32,
    start: u32,
    end: u32,
    offset: u64,
    size: u64,
}

struct Level {
    size: u32,
    live: Option<Record>,
    pending: Vec<Record>,
    blocks: Vec<Block>,
    records: u64,
}

/// The zoom levels of one bigWig, summed as its values stream past.
pub(crate) struct Zooms {
    levels: Vec<Level>,
    /// The current chromosome (as bigtools numbers them: in order of appearance) and length.
    chrom: Option<(u32, u32)>,
    values: u64,
    temp: BufWriter<File>,
    written: u64,
    /// The largest block before compression, which readers must have room for.
    max_raw: usize,
    compressor: libdeflater::Compressor,
    /// The first write error, reported by `append_to`: values arrive where none can be returned.
    error: Option<io::Error>,
}

impl Zooms {
    /// Levels of `first`, 4 × `first`, 16 × `first`… bases, as many as fit in the header and
    /// below `longest` (the longest chromosome); the temporary file goes in `dir`.
    pub(crate) fn new(dir: &Path, first: u32, longest: u32) -> io::Result<Self> {
        let levels = std::iter::successors(Some(first.max(1)), |s| s.checked_mul(4))
            .take(MAX_LEVELS)
            .take_while(|&s| s < longest)
            .map(|size| Level {
                size,
                live: None,
                pending: Vec::with_capacity(ITEMS_PER_SLOT),
                blocks: Vec::new(),
                records: 0,
            })
            .collect();
        Ok(Self {
            levels,
            chrom: None,
            values: 0,
            temp: BufWriter::new(tempfile::tempfile_in(dir)?),
            written: 0,
            max_raw: 0,
            // A zoom record is 32 bytes against a data value's 12, and a sparse track (DHS
            // windows) has about as many records per level as values: at the default level,
            // compressing the zooms cost 4 times the CPU of the data, for files 15% smaller.
            compressor: libdeflater::Compressor::new(libdeflater::CompressionLvl::fastest()),
            error: None,
        })
    }

    /// Adds a value of the chromosome numbered `chrom` (`len` bases); values come in order.
    pub(crate) fn add(&mut self, chrom: u32, len: u32, value: &Value) {
        if self.chrom != Some((chrom, len)) {
            self.end_chrom();
            self.chrom = Some((chrom, len));
        }
        self.values += 1;
        for i in 0..self.levels.len() {
            let level = &mut self.levels[i];
            let mut start = value.start;
            if level.live.is_some_and(|r| r.limit <= start) {
                self.emit(i);
            }
            loop {
                let level = &mut self.levels[i];
                let size = level.size;
                let record = level.live.get_or_insert_with(|| Record {
                    start,
                    end: start,
                    limit: start.saturating_add(size).min(len),
                    covered: 0,
                    min: value.value,
                    max: value.value,
                    sum: 0.0,
                    sum_squares: 0.0,
                });
                let stop = value.end.min(record.limit);
                let bases = f64::from(stop - start);
                let v = f64::from(value.value);
                record.end = stop;
                record.covered += stop - start;
                record.min = record.min.min(value.value);
                record.max = record.max.max(value.value);
                record.sum += bases * v;
                record.sum_squares += bases * v * v;
                if stop == value.end {
                    break;
                }
                self.emit(i);
                start = stop;
            }
        }
    }

    /// Ends the live records of the current chromosome, and its blocks.
    fn end_chrom(&mut self) {
        for i in 0..self.levels.len() {
            if self.levels[i].live.is_some() {
                self.emit(i);
            }
            self.write_block(i);
        }
    }

    /// Moves level `i`'s live record to its block, writing the block when full.
    fn emit(&mut self, i: usize) {
        let level = &mut self.levels[i];
        if let Some(record) = level.live.take() {
            level.pending.push(record);
            level.records += 1;
        }
        if level.pending.len() == ITEMS_PER_SLOT {
            self.write_block(i);
        }
    }

    fn write_block(&mut self, i: usize) {
        let Some((chrom, _)) = self.chrom else { return };
        let level = &mut self.levels[i];
        let (Some(first), Some(last)) = (level.pending.first(), level.pending.last()) else {
            return;
        };
        let mut raw = Vec::with_capacity(level.pending.len() * RECORD_BYTES);
        for r in &level.pending {
            for word in [chrom, r.start, r.end, r.covered] {
                raw.extend(word.to_le_bytes());
            }
            for x in [r.min, r.max, r.sum as f32, r.sum_squares as f32] {
                raw.extend(x.to_le_bytes());
            }
        }
        let (start, end) = (first.start, last.end);
        level.pending.clear();
        self.max_raw = self.max_raw.max(raw.len());
        let mut packed = vec![0; self.compressor.zlib_compress_bound(raw.len())];
        let size = match self.compressor.zlib_compress(&raw, &mut packed) {
            Ok(size) => size,
            Err(e) => return self.fail(io::Error::other(format!("compressing zooms: {e:?}"))),
        };
        if let Err(e) = self.temp.write_all(&packed[..size]) {
            return self.fail(e);
        }
        self.levels[i].blocks.push(Block {
            chrom,
            start,
            end,
            offset: self.written,
            size: size as u64,
        });
        self.written += size as u64;
    }

    fn fail(&mut self, e: io::Error) {
        self.error.get_or_insert(e);
    }

    /// Appends the levels that shrink the track to `file`, a complete bigWig with no zoom level
    /// whose data blocks hold at most `data_buffer` bytes uncompressed, and lists them in its
    /// header. `file` may be write-only: nothing is read from it.
    ///
    /// The first level is chosen as bedGraphToBigWig chooses it: the finest whose records, at
    /// 32 bytes each and counted twice for compressing worse than the data, take less than half
    /// the data's 12 bytes per value (else the coarsest, which no level shrinks further); a
    /// finer one would be about as large as the data it summarises, which on a sparse track
    /// (one record per DHS window) doubled the file. Each further level has at most half the
    /// records of the one before.
    pub(crate) fn append_to(mut self, file: &File, data_buffer: u32) -> io::Result<()> {
        self.end_chrom();
        self.temp.flush()?;
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        let temp = self.temp.get_ref();
        let len = file.metadata()?.len();
        // The file's last bytes, its magic again, are written after the zoom levels.
        let mut pos = len - 4;
        let mut headers = Vec::new();
        let first = self
            .levels
            .iter()
            .position(|l| l.records > 0 && 32 * l.records < 3 * self.values)
            .or_else(|| self.levels.iter().rposition(|l| l.records > 0))
            .unwrap_or(self.levels.len());
        let mut before = u64::MAX;
        for level in &self.levels[first..] {
            if level.records == 0 || level.records > before / 2 {
                continue;
            }
            before = level.records;
            let data_offset = pos;
            let mut blocks = level.blocks.clone();
            for block in &mut blocks {
                let mut bytes = vec![0; block.size as usize];
                temp.read_exact_at(&mut bytes, block.offset)?;
                file.write_all_at(&bytes, pos)?;
                block.offset = pos;
                pos += block.size;
            }
            let index = cir_tree(&blocks, pos);
            file.write_all_at(&index, pos)?;
            headers.push((level.size, data_offset, pos));
            pos += index.len() as u64;
        }
        file.write_all_at(&BIGWIG_MAGIC.to_le_bytes(), pos)?;
        file.write_all_at(&(headers.len() as u16).to_le_bytes(), 6)?;
        let buffer = data_buffer.max(self.max_raw as u32);
        file.write_all_at(&buffer.to_le_bytes(), 52)?;
        let mut table = Vec::with_capacity(headers.len() * 24);
        for (size, data, index) in headers {
            table.extend(size.to_le_bytes());
            table.extend(0u32.to_le_bytes());
            table.extend(data.to_le_bytes());
            table.extend(index.to_le_bytes());
        }
        file.write_all_at(&table, 64)
    }
}

/// The R-tree (UCSC's cirTree) over `blocks`, to be written at `at`, right after them: a
/// 48-byte header, then the nodes level by level from the root, each node padded to
/// [`TREE_BLOCK`] items as UCSC writes them.
fn cir_tree(blocks: &[Block], at: u64) -> Vec<u8> {
    // Each level's nodes as ranges of the level below (blocks for the leaves), leaves first.
    let mut levels: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut below = blocks.len();
    loop {
        let nodes: Vec<(usize, usize)> = (0..below)
            .step_by(TREE_BLOCK)
            .map(|lo| (lo, (lo + TREE_BLOCK).min(below)))
            .collect();
        below = nodes.len();
        levels.push(nodes);
        if below <= 1 {
            break;
        }
    }
    // The blocks under each node of each level, for its bounds.
    let mut spans: Vec<Vec<(usize, usize)>> = Vec::with_capacity(levels.len());
    for (depth, nodes) in levels.iter().enumerate() {
        let span = nodes
            .iter()
            .map(|&(lo, hi)| match depth {
                0 => (lo, hi),
                _ => (spans[depth - 1][lo].0, spans[depth - 1][hi - 1].1),
            })
            .collect();
        spans.push(span);
    }
    let node_bytes = |depth: usize| 4 + TREE_BLOCK * if depth == 0 { 32 } else { 24 };
    let mut level_offset = vec![0u64; levels.len()];
    let mut offset = at + 48;
    for depth in (0..levels.len()).rev() {
        level_offset[depth] = offset;
        offset += (levels[depth].len() * node_bytes(depth)) as u64;
    }
    let bounds = |lo: usize, hi: usize| {
        let (first, last) = (&blocks[lo], &blocks[hi - 1]);
        [first.chrom, first.start, last.chrom, last.end]
    };

    let mut out = Vec::with_capacity((offset - at) as usize);
    out.extend(TREE_MAGIC.to_le_bytes());
    out.extend((TREE_BLOCK as u32).to_le_bytes());
    out.extend((blocks.len() as u64).to_le_bytes());
    let all = match blocks.len() {
        0 => [0; 4],
        n => bounds(0, n),
    };
    for word in all {
        out.extend(word.to_le_bytes());
    }
    out.extend(at.to_le_bytes());
    out.extend((ITEMS_PER_SLOT as u32).to_le_bytes());
    out.extend(0u32.to_le_bytes());
    for depth in (0..levels.len()).rev() {
        for &(lo, hi) in &levels[depth] {
            let start = out.len();
            out.push(u8::from(depth == 0));
            out.push(0);
            out.extend(((hi - lo) as u16).to_le_bytes());
            for item in lo..hi {
                if depth == 0 {
                    let b = &blocks[item];
                    for word in [b.chrom, b.start, b.chrom, b.end] {
                        out.extend(word.to_le_bytes());
                    }
                    out.extend(b.offset.to_le_bytes());
                    out.extend(b.size.to_le_bytes());
                } else {
                    let (first, last) = spans[depth - 1][item];
                    for word in bounds(first, last) {
                        out.extend(word.to_le_bytes());
                    }
                    let child = level_offset[depth - 1] + (item * node_bytes(depth - 1)) as u64;
                    out.extend(child.to_le_bytes());
                }
            }
            out.resize(start + node_bytes(depth), 0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The records of level `i`: (chrom, start, end, covered, min, max, sum).
    fn records(zooms: &mut Zooms, i: usize) -> Vec<(u32, u32, u32, u32, f32, f32, f32)> {
        zooms.temp.flush().unwrap();
        let mut out = Vec::new();
        for b in &zooms.levels[i].blocks {
            let mut packed = vec![0; b.size as usize];
            zooms
                .temp
                .get_ref()
                .read_exact_at(&mut packed, b.offset)
                .unwrap();
            let mut raw = vec![0; ITEMS_PER_SLOT * RECORD_BYTES];
            let n = libdeflater::Decompressor::new()
                .zlib_decompress(&packed, &mut raw)
                .unwrap();
            for r in raw[..n].chunks_exact(RECORD_BYTES) {
                let bytes = |k: usize| r[k * 4..k * 4 + 4].try_into().unwrap();
                let u = |k| u32::from_le_bytes(bytes(k));
                let f = |k| f32::from_le_bytes(bytes(k));
                out.push((u(0), u(1), u(2), u(3), f(4), f(5), f(6)));
            }
        }
        out
    }

    /// Records span at most their level's size from their first base with a value, split a
    /// value that crosses their span, and never count the bases of a gap.
    #[test]
    fn records_cover_only_bases_with_values() {
        let dir = tempfile::tempdir().unwrap();
        let mut zooms = Zooms::new(dir.path(), 100, 10_000).unwrap();
        let sizes: Vec<u32> = zooms.levels.iter().map(|l| l.size).collect();
        assert_eq!(sizes, [100, 400, 1600, 6400]);
        let values = [
            (0, 50, 1.0),
            (50, 150, 3.0),
            (5000, 5020, 2.0),
            (9990, 10_000, 4.0),
        ];
        for (start, end, value) in values {
            zooms.add(0, 10_000, &Value { start, end, value });
        }
        zooms.add(
            1,
            500,
            &Value {
                start: 10,
                end: 20,
                value: 5.0,
            },
        );
        zooms.end_chrom();
        assert_eq!(
            records(&mut zooms, 0),
            [
                (0, 0, 100, 100, 1.0, 3.0, 200.0),
                (0, 100, 150, 50, 3.0, 3.0, 150.0),
                (0, 5000, 5020, 20, 2.0, 2.0, 40.0),
                (0, 9990, 10_000, 10, 4.0, 4.0, 40.0),
                (1, 10, 20, 10, 5.0, 5.0, 50.0),
            ]
        );
        // Two chromosomes, two blocks.
        assert_eq!(zooms.levels[0].blocks.len(), 2);
        assert_eq!(
            records(&mut zooms, 3),
            [
                (0, 0, 5020, 170, 1.0, 3.0, 390.0),
                (0, 9990, 10_000, 10, 4.0, 4.0, 40.0),
                (1, 10, 20, 10, 5.0, 5.0, 50.0),
            ]
        );
    }

    /// On a sparse track (a 50-base value every 3,000 bases) the finer levels have a record per
    /// value: the first level kept is the finest that is a small fraction of the data, as in
    /// bedGraphToBigWig, and each next one halves the records at least.
    #[test]
    fn the_first_level_kept_is_much_smaller_than_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let len = 3_000_000;
        let mut zooms = Zooms::new(dir.path(), 100, len).unwrap();
        for start in (0..len).step_by(3_000) {
            let value = Value {
                start,
                end: start + 50,
                value: 1.0,
            };
            zooms.add(0, len, &value);
        }
        zooms.end_chrom();
        let records: Vec<(u32, u64)> = zooms.levels.iter().map(|l| (l.size, l.records)).collect();
        // 1,000 values: one record each up to 1,600 bases, 334 at 6,400, 112 at 25,600.
        assert_eq!(records[2], (1_600, 1_000));
        assert!(32 * records[4].1 >= 3 * 1_000, "{records:?}");
        // A file with a header and no zoom level: the levels go after it.
        let file = tempfile::tempfile().unwrap();
        file.write_all_at(&[0; 64 + MAX_LEVELS * 24 + 4], 0)
            .unwrap();
        zooms.append_to(&file, 1024).unwrap();
        let mut header = [0; 64 + MAX_LEVELS * 24];
        file.read_exact_at(&mut header, 0).unwrap();
        let levels = u16::from_le_bytes([header[6], header[7]]) as usize;
        let sizes: Vec<u32> = (0..levels)
            .map(|i| u32::from_le_bytes(header[64 + i * 24..68 + i * 24].try_into().unwrap()))
            .collect();
        assert_eq!(sizes, [102_400, 409_600, 1_638_400]);
    }

    /// Past one node of blocks the tree has a root over padded leaves, each item bounding its
    /// child.
    #[test]
    fn the_index_of_many_blocks_has_levels() {
        let blocks: Vec<Block> = (0..300u32)
            .map(|i| Block {
                chrom: i / 200,
                start: i * 10,
                end: i * 10 + 5,
                offset: 1000 + u64::from(i) * 7,
                size: 7,
            })
            .collect();
        let at = 5000;
        let tree = cir_tree(&blocks, at);
        let u32_at = |k: usize| u32::from_le_bytes(tree[k..k + 4].try_into().unwrap());
        let u64_at = |k: usize| u64::from_le_bytes(tree[k..k + 8].try_into().unwrap());
        let (leaf, inner) = (4 + 256 * 32, 4 + 256 * 24);
        assert_eq!(tree.len(), 48 + inner + 2 * leaf);
        assert_eq!((u32_at(0), u32_at(4), u64_at(8)), (TREE_MAGIC, 256, 300));
        // Bounds: chromosome 0 base 0 to chromosome 1 base 2995; data end; items per block.
        assert_eq!(
            [u32_at(16), u32_at(20), u32_at(24), u32_at(28)],
            [0, 0, 1, 2995]
        );
        assert_eq!((u64_at(32), u32_at(40)), (at, 1024));
        // The root: not a leaf, two children.
        assert_eq!((tree[48], u16::from_le_bytes([tree[50], tree[51]])), (0, 2));
        let child = |k: usize| 48 + 4 + k * 24;
        assert_eq!(
            [u32_at(child(1)), u32_at(child(1) + 4), u32_at(child(1) + 8)],
            [1, 2560, 1]
        );
        let second = u64_at(child(1) + 16);
        assert_eq!(second, at + 48 + (inner + leaf) as u64);
        // The second leaf: 44 blocks from the 257th.
        let node = (second - at) as usize;
        assert_eq!(
            (
                tree[node],
                u16::from_le_bytes([tree[node + 2], tree[node + 3]])
            ),
            (1, 44)
        );
        assert_eq!(u64_at(node + 4 + 16), 1000 + 256 * 7);
    }
}
