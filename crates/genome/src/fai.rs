//! The samtools `.fai` index: read here (for line-numbered errors), built and written with noodles.

use std::{
    fs,
    io::{self, BufRead},
    num::NonZero,
    path::{Path, PathBuf},
};

use noodles::fasta;

use crate::{Error, Result};

/// One `.fai` line: where a sequence's text starts and how it is wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Record {
    pub name: String,
    pub length: u64,
    /// Uncompressed byte offset of the first base.
    pub offset: u64,
    pub line_bases: u64,
    /// Bytes per line including the terminator (`line_bases + 1`, or `+ 2` for CRLF).
    pub line_width: u64,
}

impl Record {
    /// Uncompressed byte offset of base `pos` (0-based).
    pub fn byte_offset(&self, pos: u64) -> u64 {
        self.offset + pos / self.line_bases * self.line_width + pos % self.line_bases
    }

    /// Uncompressed byte range holding bases `start..end` (with the line breaks between them).
    pub fn byte_range(&self, start: u64, end: u64) -> std::ops::Range<u64> {
        self.byte_offset(start)..self.byte_offset(end - 1) + 1
    }
}

pub(crate) fn path_for(fasta: &Path) -> PathBuf {
    let mut s = fasta.as_os_str().to_owned();
    s.push(".fai");
    PathBuf::from(s)
}

pub(crate) fn read(path: &Path) -> Result<Vec<Record>> {
    let text = fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let parse_error = |message: String| Error::Parse {
            path: path.to_owned(),
            line: i as u64 + 1,
            message,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 5 {
            return Err(parse_error(format!(
                "expected 5 tab-separated fields (name length offset linebases linewidth), found {}",
                fields.len()
            )));
        }
        let number = |k: usize, what: &str| {
            fields[k]
                .parse::<u64>()
                .map_err(|_| parse_error(format!("{what} {:?} is not a number", fields[k])))
        };
        let record = Record {
            name: fields[0].to_owned(),
            length: number(1, "length")?,
            offset: number(2, "offset")?,
            line_bases: number(3, "line bases")?,
            line_width: number(4, "line width")?,
        };
        if record.line_bases == 0 || record.line_width <= record.line_bases {
            return Err(parse_error(format!(
                "line bases {} / line width {} are inconsistent",
                record.line_bases, record.line_width
            )));
        }
        records.push(record);
    }
    Ok(records)
}

/// Indexes FASTA text (already decompressed) with noodles' indexer.
pub(crate) fn build<R: BufRead>(reader: R, fasta_path: &Path) -> Result<Vec<Record>> {
    let index_error = |source: io::Error| Error::Index {
        path: fasta_path.to_owned(),
        source,
    };
    let mut indexer = fasta::io::Indexer::new(reader);
    let mut records = Vec::new();
    while let Some(r) = indexer.index_record().map_err(|e| index_error(e.into()))? {
        records.push(Record {
            name: String::from_utf8_lossy(r.name()).into_owned(),
            length: r.length(),
            offset: r.position(),
            line_bases: r.line_base_count().get(),
            line_width: r.line_width().get(),
        });
    }
    if records.is_empty() {
        return Err(index_error(io::Error::new(
            io::ErrorKind::InvalidData,
            "no FASTA record (expected a `>name` line)",
        )));
    }
    Ok(records)
}

pub(crate) fn write(out: impl io::Write, records: &[Record]) -> io::Result<()> {
    let index = fasta::fai::Index::from(
        records
            .iter()
            .map(|r| {
                fasta::fai::Record::new(
                    r.name.as_str(),
                    r.length,
                    r.offset,
                    NonZero::new(r.line_bases).expect("validated when built"),
                    NonZero::new(r.line_width).expect("validated when built"),
                )
            })
            .collect::<Vec<_>>(),
    );
    fasta::fai::io::Writer::new(out).write_index(&index)
}
