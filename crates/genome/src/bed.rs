//! BED3+ lines: the `chrom start end` every interval file starts with, as bytes, with errors that
//! say which field is wrong (callers add the file and line).
//!
//! Why not noodles' BED reader (noodles-bed 0.40): every error here must carry its file and line,
//! and that reader skips `#` comment lines inside `read_record` without saying how many, so line
//! numbers cannot be kept; it reads a UCSC `track`/`browser` header as a malformed record, takes
//! an end of `0` for "missing", and its errors ("unexpected EOL", a bare integer-parse error) do
//! not say which field is wrong. What tfbind needs of a BED line is a split on tabs and three
//! checked integers, so it is parsed here.

use crate::Interval;

/// The tab-separated fields of a line.
pub type Fields<'a> = std::slice::Split<'a, u8, fn(&u8) -> bool>;

pub fn fields(line: &[u8]) -> Fields<'_> {
    fn is_tab(b: &u8) -> bool {
        *b == b'\t'
    }
    line.split(is_tab as fn(&u8) -> bool)
}

/// Lines that hold no record: blank lines, `#` comments, UCSC `track` and `browser` headers.
pub fn is_header(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
        || line.starts_with(b"#")
        || line.starts_with(b"track")
        || line.starts_with(b"browser")
}

/// A non-negative decimal integer, without sign or spaces.
pub fn parse_u64(field: &[u8]) -> Option<u64> {
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
pub struct BedInterval<'a> {
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
pub fn interval<'a>(
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
pub fn too_few_fields(line: &[u8], want: usize, names: &str) -> String {
    let found = fields(line).count();
    let mut message =
        format!("expected at least {want} tab-separated fields ({names}), found {found}");
    if found < want && line.contains(&b' ') {
        message.push_str(" (fields must be separated by tabs, not spaces)");
    }
    message
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
}
