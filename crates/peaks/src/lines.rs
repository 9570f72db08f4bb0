//! Numbered lines of a text file that may be plain, gzip or bgzip.

use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
};

use flate2::bufread::MultiGzDecoder;

use crate::{Error, Result};

/// Reads a file line by line, telling plain text from gzip by its first bytes (not its name, which
/// is often wrong: `.bed` files that are gzip, `.gz` files that were decompressed in place).
///
/// bgzip is a series of gzip members, so the multi-member gzip decoder reads it too. A read error
/// inside compressed data (a truncated download, a damaged block) is reported with the number of
/// the line being read.
pub struct LineReader {
    path: PathBuf,
    inner: Box<dyn BufRead + Send>,
    compressed: bool,
    buf: Vec<u8>,
    line: u64,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];

/// Magic bytes of compressions we refuse by name rather than parse as garbage text.
const OTHER_MAGIC: &[(&[u8], &str)] = &[
    (b"BZh", "bzip2"),
    (&[0xfd, b'7', b'z', b'X', b'Z', 0x00], "xz"),
    (&[0x28, 0xb5, 0x2f, 0xfd], "zstd"),
];

impl LineReader {
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(Error::io(path))?;
        let mut reader = BufReader::with_capacity(1 << 16, file);
        let head = reader.fill_buf().map_err(Error::io(path))?;
        if let Some((_, format)) = OTHER_MAGIC.iter().find(|(m, _)| head.starts_with(m)) {
            return Err(Error::UnsupportedCompression {
                path: path.to_owned(),
                format,
            });
        }
        let compressed = head.starts_with(GZIP_MAGIC);
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

    /// The next line, without its `\n` or `\r\n`, and its 1-based number; `None` at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &[u8])>> {
        self.buf.clear();
        let n = match self.inner.read_until(b'\n', &mut self.buf) {
            Ok(n) => n,
            Err(cause) if self.compressed => {
                return Err(Error::Corrupt {
                    path: self.path.clone(),
                    line: self.line + 1,
                    cause,
                })
            }
            Err(cause) => {
                return Err(Error::Io {
                    path: self.path.clone(),
                    cause,
                })
            }
        };
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        let mut line = self.buf.as_slice();
        if let Some(rest) = line.strip_suffix(b"\n") {
            line = rest;
        }
        if let Some(rest) = line.strip_suffix(b"\r") {
            line = rest;
        }
        Ok(Some((self.line, line)))
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
    fn reads_plain_gzip_and_multi_member_gzip_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.bed");
        std::fs::write(&plain, "x\r\ny\n\nz").unwrap();
        let want: Vec<(u64, String)> = vec![
            (1, "x".into()),
            (2, "y".into()),
            (3, "".into()),
            (4, "z".into()),
        ];
        assert_eq!(lines(&plain).unwrap(), want);
        // Two members, as bgzip writes, with a name that does not say gzip.
        let gz = dir.path().join("b.bed");
        let mut bytes = gzip(b"x\r\ny\n");
        bytes.extend(gzip(b"\nz"));
        std::fs::write(&gz, bytes).unwrap();
        assert_eq!(lines(&gz).unwrap(), want);
    }

    #[test]
    fn truncated_gzip_is_corrupt_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.gz");
        let text: String = (0..5000)
            .map(|i| format!("chr1\t{i}\t{}\n", i + 1))
            .collect();
        let bytes = gzip(text.as_bytes());
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let e = lines(&path).unwrap_err();
        assert!(matches!(e, Error::Corrupt { line, .. } if line > 1), "{e}");
        assert!(e.to_string().contains("t.gz:"), "{e}");
    }

    #[test]
    fn other_compressions_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bed.zst");
        std::fs::write(&path, [0x28, 0xb5, 0x2f, 0xfd, 0, 0]).unwrap();
        let e = lines(&path).unwrap_err();
        assert!(e.to_string().contains("zstd"), "{e}");
    }
}
