//! The samtools `.fai` index: read here (for line-numbered errors), built and written with noodles.

use std::{
    fs,
    io::{self, BufRead},
    num::NonZero,
    path::{Path, PathBuf},
};

use noodles::fasta;

use crate::{
    codes,
    storage::{Cursor, Text},
    Error, Result,
};

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
        // Equal only for a record of one line without a line break, at the end of the file.
        if record.line_bases == 0 || record.line_width < record.line_bases {
            return Err(parse_error(format!(
                "line bases {} / line width {} are inconsistent",
                record.line_bases, record.line_width
            )));
        }
        records.push(record);
    }
    Ok(records)
}

/// Bytes read at each end of a line to see that it holds bases: enough to tell sequence from a
/// header or a line break, without reading whole lines (unwrapped FASTA has 50 Mb lines).
const PEEK: u64 = 64;
/// A longer header line is taken for a sign that the index skips part of the file.
const MAX_HEADER: u64 = 1 << 16;

/// Why `records` cannot be the index of `text`, or `None` when they match where a stale index
/// would differ (errors are failures to read the file).
///
/// Checked for each record, in file order, with a few small reads: the header line `>name…`
/// starts where the previous record ended and ends on the byte before the sequence; the first
/// and the last line hold the stated number of bases followed by the stated line break; then
/// come blank lines at most and the next header or the end of the file. The records therefore
/// tile the file, and a FASTA edited by whole lines (which keeps every base where a stale index
/// expects a base) fails the check of the record it changed or of the next one.
pub(crate) fn mismatch(records: &[Record], text: &Text) -> Result<Option<String>> {
    let mut order: Vec<&Record> = records.iter().collect();
    order.sort_by_key(|r| r.offset);
    let mut check = Check {
        cursor: Cursor::new(text),
        len: text.storage.len(),
    };
    let mut header = 0;
    for r in order {
        match check.record(r, header) {
            Ok(next) => header = next,
            Err(Mismatch::Differs(why)) => return Ok(Some(format!("{}: {why}", r.name))),
            Err(Mismatch::Read(e)) => return Err(e),
        }
    }
    Ok((header < check.len).then(|| {
        format!(
            "the file goes on after the last indexed sequence (at byte {header} of {}): it holds \
             sequences the index lacks",
            check.len
        )
    }))
}

enum Mismatch {
    Differs(String),
    Read(Error),
}

impl From<Error> for Mismatch {
    fn from(e: Error) -> Self {
        Self::Read(e)
    }
}

struct Check<'t> {
    cursor: Cursor<'t>,
    /// Uncompressed length of the file.
    len: u64,
}

impl Check<'_> {
    /// Checks record `r`, whose header line must start at byte `header`; returns where the next
    /// header must start.
    fn record(&mut self, r: &Record, header: u64) -> Result<u64, Mismatch> {
        let differs = |why: String| Err(Mismatch::Differs(why));
        if r.offset <= header || r.offset - header > MAX_HEADER || r.offset > self.len {
            return differs(format!(
                "the index puts its sequence at byte {}, but its header line starts at byte \
                 {header} (after the previous sequence) in a file of {} bytes",
                r.offset, self.len
            ));
        }
        let line = self.cursor.bytes(header..r.offset)?;
        let is_header = line
            .strip_prefix(b">")
            .and_then(|l| l.strip_prefix(r.name.as_bytes()))
            .is_some_and(|rest| {
                rest.first().is_some_and(u8::is_ascii_whitespace)
                    && rest.iter().position(|&b| b == b'\n') == Some(rest.len() - 1)
            });
        if !is_header {
            return differs(format!(
                "bytes {header}..{} are not its header line `>{}`",
                r.offset, r.name
            ));
        }
        let mut end = r.offset;
        if r.length > 0 {
            let eol: &[u8] = match r.line_width - r.line_bases {
                // One line without a line break, which must end the file.
                0 => b"",
                1 => b"\n",
                2 => b"\r\n",
                _ => {
                    return differs(format!(
                        "lines of {} bytes for {} bases: line breaks are 1 or 2 bytes",
                        r.line_width, r.line_bases
                    ))
                }
            };
            end = self.line(r.offset, r.length.min(r.line_bases), eol)?;
            let lines = r.length.div_ceil(r.line_bases);
            if lines > 1 {
                // Checked: the numbers come from a file that may be anything.
                let Some(start) = (lines - 1)
                    .checked_mul(r.line_width)
                    .and_then(|n| n.checked_add(r.offset))
                else {
                    return differs(format!(
                        "{} bases in lines of {} bytes run past any file",
                        r.length, r.line_width
                    ));
                };
                end = self.line(start, r.length - (lines - 1) * r.line_bases, eol)?;
            }
        }
        let next = self.skip_blank_lines(end)?;
        if next < self.len && self.cursor.bytes(next..next + 1)? != b">" {
            return differs(format!(
                "byte {next}, after its last line, starts neither the next header nor a blank \
                 line: the sequence is longer than the index says"
            ));
        }
        Ok(next)
    }

    /// Checks that the line at `start` holds `bases` bases then `eol` (or the end of the file);
    /// returns where the next line starts.
    fn line(&mut self, start: u64, bases: u64, eol: &[u8]) -> Result<u64, Mismatch> {
        let differs = |why: String| Err(Mismatch::Differs(why));
        let end = start.saturating_add(bases);
        if end > self.len {
            return differs(format!(
                "its line at byte {start} of {bases} bases runs past the end of the file ({} \
                 bytes)",
                self.len
            ));
        }
        for range in [
            start..end.min(start + PEEK),
            end.saturating_sub(PEEK).max(start)..end,
        ] {
            let bytes = self.cursor.bytes(range.clone())?;
            if let Some(i) = bytes.iter().position(|&b| codes::encode_base(b).is_none()) {
                return differs(format!(
                    "byte {} is {:?} where the index puts a base (line of {bases} bases at \
                     byte {start})",
                    range.start + i as u64,
                    char::from(bytes[i])
                ));
            }
        }
        if end == self.len {
            return Ok(end);
        }
        let after = end + eol.len() as u64;
        if eol.is_empty() || after > self.len || self.cursor.bytes(end..after)? != eol {
            return differs(format!(
                "its line at byte {start} should hold {bases} bases then a line break, but byte \
                 {end} is not a line break"
            ));
        }
        Ok(after)
    }

    /// The first byte from `pos` on that does not belong to a blank line.
    fn skip_blank_lines(&mut self, mut pos: u64) -> Result<u64, Mismatch> {
        while pos < self.len {
            let bytes = self.cursor.bytes(pos..(pos + PEEK).min(self.len))?;
            match bytes.iter().position(|&b| b != b'\n' && b != b'\r') {
                Some(i) => return Ok(pos + i as u64),
                None => pos += bytes.len() as u64,
            }
        }
        Ok(pos)
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;

    /// The records noodles builds for `fasta`, and what `mismatch` says of them once the file
    /// holds `edited` instead.
    fn verdict(fasta: &[u8], edited: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.fa");
        let records = build(fasta, &path).unwrap();
        fs::write(&path, edited).unwrap();
        let text = Text {
            file: fs::File::open(&path).unwrap(),
            storage: Storage::Plain {
                len: edited.len() as u64,
            },
            path,
        };
        mismatch(&records, &text).unwrap()
    }

    #[test]
    fn valid_layouts_match_their_index() {
        // A stale verdict on a valid index would rebuild it on every open.
        for fasta in [
            &b">a desc\nACGT\nAC\n>b\nNNNN\n"[..],
            b">a\nACGT\nAC\n>b\nNN",
            b">a\r\nACGT\r\nAC\r\n>b x\r\nacgt\r\n",
            b">a\nACGT\nACGT\n\n>b\nRYKM\nN",
            b">a\nACGTACGT\n>b\nAC",
        ] {
            assert_eq!(
                verdict(fasta, fasta),
                None,
                "{}",
                String::from_utf8_lossy(fasta)
            );
        }
    }

    #[test]
    fn absurd_numbers_are_a_mismatch_not_an_overflow() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.fa");
        fs::write(&path, ">a\nACGT\nAC\n").unwrap();
        let text = Text {
            file: fs::File::open(&path).unwrap(),
            storage: Storage::Plain { len: 11 },
            path,
        };
        for (length, line_bases, line_width) in [
            (u64::MAX, 4, 5),
            (u64::MAX, u64::MAX - 1, u64::MAX),
            (6, u64::MAX, u64::MAX),
        ] {
            let record = Record {
                name: "a".into(),
                length,
                offset: 3,
                line_bases,
                line_width,
            };
            assert!(mismatch(&[record], &text).unwrap().is_some());
        }
    }

    #[test]
    fn whole_line_edits_are_named() {
        let fasta = b">a\nACGT\nACGT\nAC\n>b\nGGGG\nTT\n";
        for (edited, record) in [
            (&b">a\nACGT\nAC\n>b\nGGGG\nTT\n"[..], "a"),
            (b">a\nACGT\nACGT\nACGT\nAC\n>b\nGGGG\nTT\n", "a"),
            (b">a\nACGT\nACGT\nAC\n>b\nGGGG\nGGGG\nTT\n", "b"),
            (
                b">a\nACGT\nACGT\nAC\n>b\nGGGG\nTT\n>c\nAAAA\n",
                "the file goes on",
            ),
            (b">a\nACGT\nACGT\nAC\n>bb\nGGGG\nTT\n", "b"),
        ] {
            let why = verdict(fasta, edited).expect("a mismatch");
            assert!(why.starts_with(record), "{why}");
        }
    }
}
