//! BED3+ lines: the `chrom start end` every interval file starts with, checked against the genome.
//!
//! Why not noodles' BED reader (noodles-bed 0.40): every error here must carry its file and line,
//! and that reader skips `#` comment lines inside `read_record` without saying how many, so line
//! numbers cannot be kept; it reads a UCSC `track`/`browser` header as a malformed record, takes
//! an end of `0` for "missing", and its errors ("unexpected EOL", a bare integer-parse error) do
//! not say which field is wrong. What tfbind needs of a BED line is a split on tabs and three
//! checked integers, so it is parsed here.

use std::path::Path;

use tfbind_genome::{ChromSizes, Interval};

use crate::{lines::LineReader, Error, Result};

/// The tab-separated fields of a line.
pub(crate) type Fields<'a> = std::slice::Split<'a, u8, fn(&u8) -> bool>;

pub(crate) fn fields(line: &[u8]) -> Fields<'_> {
    fn is_tab(b: &u8) -> bool {
        *b == b'\t'
    }
    line.split(is_tab as fn(&u8) -> bool)
}

/// Lines that hold no record: blank lines, `#` comments, UCSC `track` and `browser` headers.
pub(crate) fn is_header(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
        || line.starts_with(b"#")
        || line.starts_with(b"track")
        || line.starts_with(b"browser")
}

/// A non-negative decimal integer, without sign or spaces.
pub(crate) fn parse_u64(field: &[u8]) -> Option<u64> {
    if field.is_empty() {
        return None;
    }
    field.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit()
            .then(|| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
            .flatten()
    })
}

/// The first three fields of a BED line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BedInterval<'a> {
    pub chrom: &'a str,
    pub start: u64,
    pub end: u64,
}

impl BedInterval<'_> {
    pub fn to_interval(self) -> Interval {
        Interval::new(self.chrom, self.start, self.end)
    }
}

/// Parses `chrom start end` off the front of `fields` (of `line`); the message says what is wrong.
pub(crate) fn interval<'a>(
    line: &'a [u8],
    fields: &mut Fields<'a>,
) -> std::result::Result<BedInterval<'a>, String> {
    let (Some(chrom), Some(start), Some(end)) = (fields.next(), fields.next(), fields.next())
    else {
        return Err(too_few_fields(line, 3, "chrom start end"));
    };
    let chrom = std::str::from_utf8(chrom)
        .ok()
        .filter(|c| !c.is_empty())
        .ok_or("the chromosome name is empty or not UTF-8")?;
    let number = |field: &[u8], what: &str| {
        parse_u64(field).ok_or_else(|| {
            format!(
                "{what} {:?} is not a non-negative integer",
                String::from_utf8_lossy(field)
            )
        })
    };
    let start = number(start, "start")?;
    let end = number(end, "end")?;
    if start > end {
        return Err(format!("start {start} > end {end}"));
    }
    if start == end {
        return Err(format!("empty interval: start = end = {start}"));
    }
    Ok(BedInterval { chrom, start, end })
}

/// The message for a line with fewer than `want` fields, pointing at spaces used for tabs.
pub(crate) fn too_few_fields(line: &[u8], want: usize, names: &str) -> String {
    let found = fields(line).count();
    let mut message =
        format!("expected at least {want} tab-separated fields ({names}), found {found}");
    if found < want && line.contains(&b' ') {
        message.push_str(" (fields must be separated by tabs, not spaces)");
    }
    message
}

/// Whether records on chromosomes the genome lacks are errors or skipped (and counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownChroms {
    Error,
    Skip,
}

/// The genome's id of the chromosome of `iv`, or `None` when it is unknown and skipped; an
/// interval past the chromosome's end is an error.
pub(crate) fn resolve(
    sizes: &ChromSizes,
    unknown: UnknownChroms,
    path: &Path,
    line: u64,
    iv: BedInterval<'_>,
) -> Result<Option<u32>> {
    if let Some(id) = sizes.id(iv.chrom) {
        if sizes.entry(id).is_some_and(|(_, len)| iv.end <= len) {
            return Ok(Some(id as u32));
        }
    } else if unknown == UnknownChroms::Skip {
        return Ok(None);
    }
    // Off the fast path: the genome crate says what is wrong, in its words.
    let (path, interval) = (path.to_owned(), iv.to_interval());
    match sizes.check(&interval) {
        Ok(id) => Ok(Some(id as u32)),
        Err(cause @ tfbind_genome::Error::UnknownChrom { .. }) => {
            Err(Error::UnknownChrom { path, line, cause })
        }
        Err(cause) => Err(Error::OutsideChrom { path, line, cause }),
    }
}

/// An interval of a regions BED, on a chromosome of the genome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Region {
    pub chrom: u32,
    pub start: u64,
    pub end: u64,
    /// The BED name (field 4) when there is one and it is not `.`.
    pub name: Option<String>,
    pub line: u64,
}

/// The regions of a BED file, and how many were on chromosomes the genome lacks (skipped).
#[derive(Debug, Default)]
pub(crate) struct Regions {
    pub regions: Vec<Region>,
    pub skipped_unknown_chrom: u64,
}

/// Reads a BED3+ file of regions (accessible regions, e.g. DHS). An empty file is an error: the
/// windows come from it.
pub(crate) fn read_regions(
    path: &Path,
    sizes: &ChromSizes,
    unknown: UnknownChroms,
) -> Result<Regions> {
    let mut reader = LineReader::open(path)?;
    let mut out = Regions::default();
    while let Some((n, line)) = reader.next_line()? {
        if is_header(line) {
            continue;
        }
        let mut f = fields(line);
        let iv = interval(line, &mut f).map_err(|m| Error::at(path, n, m))?;
        let Some(chrom) = resolve(sizes, unknown, path, n, iv)? else {
            out.skipped_unknown_chrom += 1;
            continue;
        };
        let name = match f.next() {
            None | Some(b".") | Some(b"") => None,
            Some(name) => Some(
                std::str::from_utf8(name)
                    .map_err(|_| Error::at(path, n, "the name is not UTF-8"))?
                    .to_owned(),
            ),
        };
        out.regions.push(Region {
            chrom,
            start: iv.start,
            end: iv.end,
            name,
            line: n,
        });
    }
    if out.regions.is_empty() {
        let message = if out.skipped_unknown_chrom > 0 {
            format!(
                "all {} regions are on chromosomes the genome lacks",
                out.skipped_unknown_chrom
            )
        } else {
            "no regions in the file".to_owned()
        };
        return Err(Error::Empty {
            path: path.to_owned(),
            message,
        });
    }
    Ok(out)
}

/// Reads a blacklist BED3+ as `(chrom id, start, end)`. Intervals on chromosomes the genome lacks
/// are ignored without error: a blacklist is made for a whole assembly (chrM, unplaced contigs)
/// and is routinely applied to part of it.
pub(crate) fn read_blacklist(path: &Path, sizes: &ChromSizes) -> Result<Vec<(u32, u64, u64)>> {
    let mut reader = LineReader::open(path)?;
    let mut out = Vec::new();
    while let Some((n, line)) = reader.next_line()? {
        if is_header(line) {
            continue;
        }
        let iv = interval(line, &mut fields(line)).map_err(|m| Error::at(path, n, m))?;
        if let Some(id) = sizes.id(iv.chrom) {
            out.push((id as u32, iv.start, iv.end));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> std::result::Result<BedInterval<'_>, String> {
        interval(line.as_bytes(), &mut fields(line.as_bytes()))
    }

    #[test]
    fn parses_and_checks_the_three_fields() {
        let iv = parse("chr1\t10\t20\tname\t0").unwrap();
        assert_eq!((iv.chrom, iv.start, iv.end), ("chr1", 10, 20));
        assert!(parse("chr1\t20\t10")
            .unwrap_err()
            .contains("start 20 > end 10"));
        assert!(parse("chr1\t10\t10").unwrap_err().contains("empty"));
        assert!(parse("chr1\t-1\t10").unwrap_err().contains("start \"-1\""));
        assert!(parse("chr1\t1\t1e3").unwrap_err().contains("end \"1e3\""));
        let e = parse("chr1 10 20").unwrap_err();
        assert!(e.contains("found 1") && e.contains("not spaces"), "{e}");
        assert!(parse("\t1\t2").unwrap_err().contains("chromosome name"));
    }

    #[test]
    fn integers_refuse_signs_spaces_and_overflow() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        for bad in [&b""[..], b"+1", b" 1", b"18446744073709551616", b"1.0"] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn headers_are_skipped() {
        for h in ["", "  ", "#chrom", "track name=x", "browser position chr1"] {
            assert!(is_header(h.as_bytes()), "{h:?}");
        }
        assert!(!is_header(b"chr1\t0\t1"));
    }

    #[test]
    fn resolve_skips_or_refuses_unknown_chromosomes() {
        let sizes = ChromSizes::new([("chr1".to_string(), 100)]).unwrap();
        let path = Path::new("x.bed");
        let iv = |chrom, end| BedInterval {
            chrom,
            start: 0,
            end,
        };
        assert_eq!(
            resolve(&sizes, UnknownChroms::Error, path, 1, iv("chr1", 100)).unwrap(),
            Some(0)
        );
        assert_eq!(
            resolve(&sizes, UnknownChroms::Skip, path, 1, iv("chrZ", 10)).unwrap(),
            None
        );
        let e = resolve(&sizes, UnknownChroms::Error, path, 7, iv("chrZ", 10)).unwrap_err();
        assert!(matches!(e, Error::UnknownChrom { line: 7, .. }), "{e}");
        assert!(e.to_string().starts_with("x.bed:7: "), "{e}");
        let e = resolve(&sizes, UnknownChroms::Skip, path, 8, iv("chr1", 101)).unwrap_err();
        assert!(matches!(e, Error::OutsideChrom { line: 8, .. }), "{e}");
    }
}
