//! Numbered lines of a text file that may be plain, gzip or bgzip: the one way tfbind opens text
//! inputs (BED, narrowPeak, FASTA to predict, label tables, lists).

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
};

use flate2::bufread::MultiGzDecoder;

use crate::{
    storage::{self, Format},
    Error, Result,
};

/// Reads a file line by line, telling plain text from gzip and bgzip by its first bytes (not its
/// name, which is often wrong: `.bed` files that are gzip, `.gz` files that were decompressed in
/// place). Other compressions (bzip2, xz, zstd) are refused by name.
///
/// bgzip is a series of gzip members, so the multi-member gzip decoder reads it too. A read error
/// inside compressed data (a truncated download, a damaged block) is reported with the number of
/// the line being read, and so is a NUL byte, the mark of a binary file given for text.
///
/// # Examples
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("a.bed");
/// std::fs::write(&path, "chr1\t0\t10\r\nchr2\t5\t9\n").unwrap();
/// let mut lines = tfbind_genome::text::LineReader::open(&path).unwrap();
/// assert_eq!(lines.next_line().unwrap(), Some((1, &b"chr1\t0\t10"[..])));
/// assert_eq!(lines.next_line().unwrap(), Some((2, &b"chr2\t5\t9"[..])));
/// assert_eq!(lines.next_line().unwrap(), None);
/// ```
pub struct LineReader {
    path: PathBuf,
    inner: Box<dyn BufRead + Send>,
    compressed: bool,
    buf: Vec<u8>,
    line: u64,
}

impl LineReader {
    pub fn open(path: &Path) -> Result<Self> {
        let io_error = |e| Error::io(path, e);
        let file = File::open(path).map_err(io_error)?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let compressed = match storage::sniff(reader.fill_buf().map_err(io_error)?) {
            Format::Plain => false,
            Format::Gzip | Format::Bgzf => true,
            Format::Other(format) => {
                return Err(Error::UnsupportedCompression {
                    path: path.to_owned(),
                    format,
                })
            }
        };
        let inner: Box<dyn BufRead + Send> = if compressed {
            Box::new(BufReader::with_capacity(
                1 << 16,
                MultiGzDecoder::new(reader),
            ))
        } else {
            Box::new(reader)
        };
        Ok(Self {
            path: path.to_owned(),
            inner,
            compressed,
            buf: Vec::with_capacity(256),
            line: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An error about line `line` of this file.
    pub fn error_at(&self, line: u64, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.clone(),
            line,
            message: message.into(),
        }
    }

    /// The next line, without its `\n` or `\r\n`, and its 1-based number; `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        Ok(if self.advance()? {
            Some(self.current())
        } else {
            None
        })
    }

    /// Reads the next line into the buffer; false at the end. (Split from [`Self::current`] so a
    /// caller can skip lines in a loop and then return the line it stops at.)
    pub(crate) fn advance(&mut self) -> Result<bool> {
        self.buf.clear();
        let n = match self.inner.read_until(b'\n', &mut self.buf) {
            Ok(n) => n,
            Err(source) if self.compressed => {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    line: self.line + 1,
                    source,
                })
            }
            Err(source) => return Err(Error::io(&self.path, source)),
        };
        if n == 0 {
            return Ok(false);
        }
        self.line += 1;
        if self.buf.contains(&0) {
            return Err(self.error_at(
                self.line,
                "a NUL byte: this is binary data, not a text file",
            ));
        }
        Ok(true)
    }

    /// The line last read, without its line break, and its number.
    pub(crate) fn current(&self) -> (u64, &[u8]) {
        let mut line = self.buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest;
        }
        if let Some(rest) = line.strip_suffix(b"\r") {
            line = rest;
        }
        (self.line, line)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(text: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(text).unwrap();
        enc.finish().unwrap()
    }

    fn lines(path: &Path) -> Result<Vec<(u64, String)>> {
        let mut r = LineReader::open(path)?;
        let mut out = Vec::new();
        while let Some((n, l)) = r.next_line()? {
            out.push((n, String::from_utf8(l.to_vec()).unwrap()));
        }
        Ok(out)
    }

    #[test]
    fn reads_plain_gzip_and_bgzip_alike() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"x\r\ny\n\nz";
        let want: Vec<(u64, String)> = vec![
            (1, "x".into()),
            (2, "y".into()),
            (3, "".into()),
            (4, "z".into()),
        ];
        let plain = dir.path().join("a.bed.gz");
        std::fs::write(&plain, text).unwrap();
        assert_eq!(lines(&plain).unwrap(), want);
        // Two members, with a name that does not say gzip.
        let gz = dir.path().join("b.bed");
        let mut bytes = gzip(b"x\r\ny\n");
        bytes.extend(gzip(b"\nz"));
        std::fs::write(&gz, bytes).unwrap();
        assert_eq!(lines(&gz).unwrap(), want);
        // bgzip: BGZF blocks and the empty end-of-file block.
        let bgz = dir.path().join("c.bed");
        let mut writer = noodles::bgzf::io::Writer::new(File::create(&bgz).unwrap());
        writer.write_all(text).unwrap();
        writer.finish().unwrap();
        assert!(matches!(
            storage::sniff(&std::fs::read(&bgz).unwrap()),
            Format::Bgzf
        ));
        assert_eq!(lines(&bgz).unwrap(), want);
    }

    #[test]
    fn truncated_gzip_is_corrupt_at_the_line_reached() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gz");
        let text: String = (0..5000)
            .map(|i| format!("chr1\t{i}\t{}\n", i + 1))
            .collect();
        let bytes = gzip(text.as_bytes());
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let e = lines(&path).unwrap_err();
        let Error::Corrupt { line, .. } = e else {
            panic!("{e}")
        };
        assert!(line > 1 && line < 5000, "{line}");
        assert!(e
            .to_string()
            .starts_with(&format!("{}:{line}: truncated", path.display())));
    }

    #[test]
    fn binary_data_is_refused_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bed");
        std::fs::write(&path, b"chr1\t0\t10\n\x89PNG\x00\x01\n").unwrap();
        let e = lines(&path).unwrap_err();
        assert!(e.to_string().contains("x.bed:2: a NUL byte"), "{e}");
    }

    #[test]
    fn other_compressions_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for (magic, name) in [
            (&[0x28, 0xb5, 0x2f, 0xfd, 0, 0][..], "zstd"),
            (b"BZh91AY&SY", "bzip2"),
        ] {
            let path = dir.path().join("p.bed");
            std::fs::write(&path, magic).unwrap();
            let e = lines(&path).err().unwrap();
            assert!(matches!(e, Error::UnsupportedCompression { .. }), "{e}");
            assert!(e.to_string().contains(name), "{e}");
        }
    }
}
