use std::io::{BufWriter, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// A named window, BED coordinates (0-based, half-open).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub name: String,
}

impl Window {
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Writes windows as BED4.
pub fn write_windows(path: &Path, windows: &[Window]) -> Result<()> {
    let file = std::fs::File::create(path).map_err(Error::io(path))?;
    let mut out = BufWriter::new(file);
    for w in windows {
        writeln!(out, "{}\t{}\t{}\t{}", w.chrom, w.start, w.end, w.name)
            .map_err(Error::io(path))?;
    }
    out.flush().map_err(Error::io(path))
}

/// Reads the BED4 written by [`write_windows`], with `tfbind_genome::bed` as every BED. This is an
/// artifact's own file, not user input (tfbind-peaks parses those), so any deviation is
/// corruption and is reported with its line.
pub fn read_windows(path: &Path) -> Result<Vec<Window>> {
    let mut reader = tfbind_genome::bed::Reader::open(path)?;
    let mut windows = Vec::new();
    while let Some(mut record) = reader.next_record()? {
        let (Some(name), None) = (record.rest.next(), record.rest.next()) else {
            return Err(record
                .error("expected 4 tab-separated fields: chrom start end name")
                .into());
        };
        let name = std::str::from_utf8(name).map_err(|_| record.error("the name is not UTF-8"))?;
        let iv = record.interval;
        windows.push(Window {
            chrom: iv.chrom.to_string(),
            start: iv.start,
            end: iv.end,
            name: name.to_string(),
        });
    }
    Ok(windows)
}
