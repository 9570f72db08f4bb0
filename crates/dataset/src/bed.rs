use std::io::{BufRead, BufWriter, Write};
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

/// Reads the BED4 written by [`write_windows`]. This is an artifact's own file, not user input
/// (tfbind-peaks parses those), so any deviation is corruption and is reported with its line.
pub fn read_windows(path: &Path) -> Result<Vec<Window>> {
    let file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut windows = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(Error::io(path))?;
        let bad = |message: &str| Error::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message: message.to_string(),
        };
        let mut fields = line.split('\t');
        let (Some(chrom), Some(start), Some(end), Some(name), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(bad("expected 4 tab-separated fields: chrom start end name"));
        };
        let start: u64 = start
            .parse()
            .map_err(|_| bad("start is not a non-negative integer"))?;
        let end: u64 = end
            .parse()
            .map_err(|_| bad("end is not a non-negative integer"))?;
        if end < start {
            return Err(bad("end is before start"));
        }
        windows.push(Window {
            chrom: chrom.to_string(),
            start,
            end,
            name: name.to_string(),
        });
    }
    Ok(windows)
}
