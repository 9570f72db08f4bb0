//! BED3+ files: the `chrom start end` every interval file starts with, read with errors naming
//! the file, the line and the field that is wrong ([`Reader`]), and checked against a genome's
//! chromosomes ([`ChromCheck`]). Every BED-like input of tfbind (regions, blacklists, peaks,
//! windows, the regions to predict or interpret) is read here.
//!
//! Why not noodles' BED reader (noodles-bed 0.40): every error here must carry its file and line,
//! and that reader skips `#` comment lines inside `read_record` without saying how many, so line
//! numbers cannot be kept; it reads a UCSC `track`/`browser` header as a malformed record, takes
//! an end of `0` for "missing", and its errors ("unexpected EOL", a bare integer-parse error) do
//! not say which field is wrong. What tfbind needs of a BED line is a split on tabs and three
//! checked integers, so it is parsed here.

use std::path::{Path, PathBuf};

use crate::{text::LineReader, ChromSizes, Error, Interval, Result};

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
        return Err(format!("the interval is empty: start = end = {start}"));
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

/// The records of a BED3+ file, plain, gzip or bgzip (see [`LineReader`]): blank, `#`, `track`
/// and `browser` lines are skipped, `chrom start end` is checked, and errors name the file and
/// line.
///
/// # Examples
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("r.bed");
/// std::fs::write(&path, "track name=x\nchr1\t10\t20\tpeak\nchr1\t5\n").unwrap();
/// let mut bed = tfbind_genome::bed::Reader::open(&path).unwrap();
/// let mut record = bed.next_record().unwrap().unwrap();
/// assert_eq!((record.line, record.interval.chrom, record.interval.end), (2, "chr1", 20));
/// assert_eq!(record.rest.next(), Some(&b"peak"[..]));
/// let e = bed.next_record().err().unwrap();
/// assert!(e.to_string().ends_with("r.bed:3: expected at least 3 tab-separated fields (chrom start end), found 2"));
/// ```
pub struct Reader {
    path: PathBuf,
    lines: LineReader,
}

/// One record of a [`Reader`].
pub struct Record<'a> {
    pub path: &'a Path,
    /// 1-based line number.
    pub line: u64,
    /// The whole line, without its line break.
    pub text: &'a [u8],
    pub interval: BedInterval<'a>,
    /// The fields after `end`.
    pub rest: Fields<'a>,
}

impl Record<'_> {
    /// An error about this record's line.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Parse {
            path: self.path.to_owned(),
            line: self.line,
            message: message.into(),
        }
    }
}

impl Reader {
    pub fn open(path: &Path) -> Result<Self> {
        Ok(Self {
            path: path.to_owned(),
            lines: LineReader::open(path)?,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next record; `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        while self.lines.advance()? {
            if is_header(self.lines.current().1) {
                continue;
            }
            let (line, text) = self.lines.current();
            let mut rest = fields(text);
            let interval = interval(text, &mut rest).map_err(|message| Error::Parse {
                path: self.path.clone(),
                line,
                message,
            })?;
            return Ok(Some(Record {
                path: &self.path,
                line,
                text,
                interval,
                rest,
            }));
        }
        Ok(None)
    }
}

/// Whether lines on chromosomes the genome lacks are errors or skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownChroms {
    /// An error naming the file and line.
    Error,
    /// Skipped and counted; [`ChromCheck::finish`] warns with the count.
    Skip,
}

/// Checks the chromosomes of one file's intervals against a genome's, line by line.
///
/// An interval past its chromosome's end is always an error (another assembly's coordinates);
/// one on a chromosome the genome lacks is an error or skipped ([`UnknownChroms`]); and a file
/// none of whose intervals is on a chromosome of the genome is always an error, whatever the
/// policy: that is a naming mismatch (`21` against `chr21`) or another organism, and ignoring it
/// would silently do nothing (a blacklist that removes no window). Errors point out names that
/// differ from the genome's by the `chr` prefix.
///
/// # Examples
/// ```
/// use std::path::Path;
/// use tfbind_genome::{bed::{BedInterval, ChromCheck, UnknownChroms}, ChromSizes};
/// let sizes = ChromSizes::new([("chr21".to_string(), 1000)]).unwrap();
/// let iv = |chrom| BedInterval { chrom, start: 0, end: 10 };
/// let mut check = ChromCheck::new(Path::new("b.bed"), &sizes, UnknownChroms::Skip);
/// assert_eq!(check.resolve(1, iv("chr21")).unwrap(), Some(0));
/// assert_eq!(check.resolve(2, iv("chrM")).unwrap(), None);
/// assert_eq!(check.finish().unwrap(), 1);
///
/// let mut check = ChromCheck::new(Path::new("b.bed"), &sizes, UnknownChroms::Skip);
/// assert_eq!(check.resolve(1, iv("21")).unwrap(), None);
/// let e = check.finish().unwrap_err().to_string();
/// assert!(e.contains("b.bed: none of its 1 intervals") && e.contains("chr21"), "{e}");
/// ```
pub struct ChromCheck<'a> {
    path: &'a Path,
    sizes: &'a ChromSizes,
    unknown: UnknownChroms,
    reference: &'static str,
    skip_option: Option<&'static str>,
    known: u64,
    skipped: u64,
    /// The first few distinct names the genome lacks, for messages.
    missing: Vec<String>,
    more_missing: bool,
}

/// Missing chromosome names listed in messages.
const MISSING_SHOWN: usize = 5;

impl<'a> ChromCheck<'a> {
    pub fn new(path: &'a Path, sizes: &'a ChromSizes, unknown: UnknownChroms) -> Self {
        Self {
            path,
            sizes,
            unknown,
            reference: "the genome",
            skip_option: None,
            known: 0,
            skipped: 0,
            missing: Vec::new(),
            more_missing: false,
        }
    }

    /// Names the option that skips lines on unknown chromosomes, in the error for one.
    pub fn skipped_by(mut self, option: &'static str) -> Self {
        self.skip_option = Some(option);
        self
    }

    /// What the chromosomes are called in messages instead of "the genome" (e.g. "the dataset",
    /// when a file is checked against the chromosomes a dataset's windows are on).
    pub fn reference(mut self, reference: &'static str) -> Self {
        self.reference = reference;
        self
    }

    /// The genome's id of the chromosome of `iv` (from line `line`), or `None` when it is
    /// unknown and skipped.
    pub fn resolve(&mut self, line: u64, iv: BedInterval<'_>) -> Result<Option<usize>> {
        if let Some(id) = self.sizes.id(iv.chrom) {
            let (chrom, len) = self.sizes.entry(id).expect("an id of these sizes");
            if iv.end > len {
                return Err(Error::OffChromEndAt {
                    path: self.path.to_owned(),
                    line,
                    interval: iv.to_interval(),
                    chrom: chrom.to_owned(),
                    len,
                });
            }
            self.known += 1;
            return Ok(Some(id));
        }
        if self.unknown == UnknownChroms::Error {
            let mut context = self.context(iv.chrom);
            if let Some(option) = self.skip_option {
                context.push_str(&format!("; {option} skips such lines"));
            }
            return Err(Error::UnknownChromAt {
                path: self.path.to_owned(),
                line,
                chrom: iv.chrom.to_owned(),
                reference: self.reference,
                context,
            });
        }
        self.skipped += 1;
        if !self.missing.iter().any(|m| m == iv.chrom) {
            if self.missing.len() < MISSING_SHOWN {
                self.missing.push(iv.chrom.to_owned());
            } else {
                self.more_missing = true;
            }
        }
        Ok(None)
    }

    /// After the last line: the number of lines skipped, with a warning when there are any; an
    /// error when lines were read and none is on a chromosome of the genome.
    pub fn finish(self) -> Result<u64> {
        let mut chroms = self.missing.join(", ");
        if self.more_missing {
            chroms.push_str(", …");
        }
        if self.known == 0 && self.skipped > 0 {
            return Err(Error::NoKnownChrom {
                path: self.path.to_owned(),
                lines: self.skipped,
                chroms,
                reference: self.reference,
                context: self.context(&self.missing[0]),
            });
        }
        if self.skipped > 0 {
            tracing::warn!(
                path = %self.path.display(),
                chroms,
                "skipped {} lines on chromosomes {} lacks",
                self.skipped,
                self.reference
            );
        }
        Ok(self.skipped)
    }

    /// Some of the genome's names, and advice when `chrom` differs from one of them by the `chr`
    /// prefix.
    fn context(&self, chrom: &str) -> String {
        let mut context = self.sizes.describe_names();
        if let Some(name) = self.sizes.renamed(chrom) {
            let prefix = if name.len() > chrom.len() {
                "with"
            } else {
                "without"
            };
            context.push_str(&format!(
                "; {} names chromosomes {prefix} the `chr` prefix ({name}, not {chrom}): rename \
                 them in one of the files",
                self.reference
            ));
        }
        context
    }
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
    fn reader_skips_headers_and_names_lines_in_gzip_too() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let text = "track name=x\r\n# c\r\nchr1\t10\t20\tn\r\n\r\nchr2\t5\t6\r\nchr2\t9\t8\r\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        let path = dir.path().join("r.bed.gz");
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let mut reader = Reader::open(&path).unwrap();
        let mut seen = Vec::new();
        let e = loop {
            match reader.next_record() {
                Ok(Some(mut r)) => seen.push((
                    r.line,
                    r.interval.to_interval(),
                    r.rest.next().map(<[u8]>::to_vec),
                )),
                Ok(None) => panic!("the last line is bad"),
                Err(e) => break e,
            }
        };
        assert_eq!(
            seen,
            [
                (3, Interval::new("chr1", 10, 20), Some(b"n".to_vec())),
                (5, Interval::new("chr2", 5, 6), None)
            ]
        );
        assert!(matches!(e, Error::Parse { line: 6, .. }), "{e}");
        assert!(e.to_string().contains("r.bed.gz:6: start 9 > end 8"), "{e}");
    }

    fn iv(chrom: &str) -> BedInterval<'_> {
        BedInterval {
            chrom,
            start: 0,
            end: 10,
        }
    }

    #[test]
    fn unknown_chromosomes_are_named_with_their_line_or_skipped() {
        let sizes = ChromSizes::new([("chr1".to_string(), 100), ("chr2".to_string(), 5)]).unwrap();
        let path = Path::new("x.bed");
        let mut check = ChromCheck::new(path, &sizes, UnknownChroms::Error).skipped_by("--skip");
        assert_eq!(check.resolve(1, iv("chr1")).unwrap(), Some(0));
        let e = check.resolve(2, iv("1")).unwrap_err();
        assert!(matches!(e, Error::UnknownChromAt { line: 2, .. }), "{e}");
        let text = e.to_string();
        assert!(
            text.starts_with(
                "x.bed:2: chromosome \"1\" is not in the genome, which has chr1, chr2"
            ),
            "{text}"
        );
        assert!(
            text.contains("with the `chr` prefix (chr1, not 1)")
                && text.ends_with("; --skip skips such lines"),
            "{text}"
        );
        let e = check.resolve(3, iv("chr2")).unwrap_err();
        assert!(
            matches!(
                e,
                Error::OffChromEndAt {
                    line: 3,
                    len: 5,
                    ..
                }
            ),
            "{e}"
        );
        assert_eq!(check.finish().unwrap(), 0);

        let mut check = ChromCheck::new(path, &sizes, UnknownChroms::Skip);
        for (line, chrom) in ["chrM", "chrUn", "chrM", "chr1"].into_iter().enumerate() {
            check.resolve(line as u64 + 1, iv(chrom)).unwrap();
        }
        assert_eq!(check.finish().unwrap(), 3);
        // Nothing read, nothing to say.
        assert_eq!(
            ChromCheck::new(path, &sizes, UnknownChroms::Error)
                .finish()
                .unwrap(),
            0
        );
    }

    #[test]
    fn a_file_on_none_of_the_chromosomes_is_always_an_error() {
        let ucsc = ChromSizes::new([("chr21".to_string(), 100)]).unwrap();
        let ensembl = ChromSizes::new([("21".to_string(), 100)]).unwrap();
        let path = Path::new("bl.bed");
        for (sizes, names, advice) in [
            (
                &ucsc,
                ["21", "22", "X", "Y", "MT", "GL1", "GL2"],
                "with the `chr` prefix (chr21, not 21)",
            ),
            (
                &ensembl,
                ["chr21", "chr22", "chrX", "chrY", "chrM", "a", "b"],
                "without the `chr` prefix (21, not chr21)",
            ),
        ] {
            let mut check =
                ChromCheck::new(path, sizes, UnknownChroms::Skip).reference("the windows");
            for (line, chrom) in names.iter().enumerate() {
                assert_eq!(check.resolve(line as u64 + 1, iv(chrom)).unwrap(), None);
            }
            let e = check.finish().unwrap_err();
            assert!(matches!(e, Error::NoKnownChrom { lines: 7, .. }), "{e}");
            let text = e.to_string();
            assert!(
                text.starts_with(
                    "bl.bed: none of its 7 intervals is on a chromosome of the windows: it names "
                ),
                "{text}"
            );
            assert!(
                text.contains(&format!("{}, …", names[..5].join(", "))),
                "{text}"
            );
            assert!(text.contains(advice), "{text}");
        }
        // No advice when the prefix is not the difference.
        let mut check = ChromCheck::new(path, &ucsc, UnknownChroms::Skip);
        check.resolve(1, iv("scaffold_1")).unwrap();
        let text = check.finish().unwrap_err().to_string();
        assert!(!text.contains("prefix"), "{text}");
    }

    #[test]
    fn headers_are_skipped() {
        for h in ["", "  ", "#chrom", "track name=x", "browser position chr1"] {
            assert!(is_header(h.as_bytes()), "{h:?}");
        }
        assert!(!is_header(b"chr1\t0\t1"));
    }
}
