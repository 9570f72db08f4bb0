use std::fmt;

/// A genomic interval in BED coordinates: 0-based, half-open (`start..end`).
///
/// Displayed as `chrom:start-end` with the same 0-based half-open numbers, the [`window_name`]
/// convention (not a samtools region string, which is 1-based inclusive; see
/// [`Interval::to_region_string`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
}

impl Interval {
    /// # Examples
    /// ```
    /// let w = tfbind_genome::Interval::new("chr21", 100, 300);
    /// assert_eq!(w.len(), 200);
    /// ```
    pub fn new(chrom: impl Into<String>, start: u64, end: u64) -> Self {
        Self {
            chrom: chrom.into(),
            start,
            end,
        }
    }

    /// Number of bases, 0 when `start >= end`.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// True when the interval holds no base (`start >= end`).
    pub fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// The samtools-style region string (1-based inclusive), e.g. for `samtools faidx`.
    ///
    /// # Examples
    /// ```
    /// let w = tfbind_genome::Interval::new("chr21", 14568635, 14568835);
    /// assert_eq!(w.to_region_string(), "chr21:14568636-14568835");
    /// ```
    pub fn to_region_string(&self) -> String {
        format!("{}:{}-{}", self.chrom, self.start + 1, self.end)
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_name(f, &self.chrom, self.start, self.end)
    }
}

/// The name tfbind gives a window or region that has none (tfbind-peaks' windows, the rows of
/// tfbind-predict): `chrom:start-end` with the BED start and end, so the 0-based start, as
/// [`Interval`] displays; not samtools' 1-based region string.
///
/// # Examples
/// ```
/// // The 200 bases 101..=300 of chr21, counted from 1.
/// assert_eq!(tfbind_genome::window_name("chr21", 100, 300), "chr21:100-300");
/// ```
pub fn window_name(chrom: &str, start: u64, end: u64) -> String {
    let mut name = String::with_capacity(chrom.len() + 22);
    write_name(&mut name, chrom, start, end).expect("writing to a String cannot fail");
    name
}

fn write_name(out: &mut impl fmt::Write, chrom: &str, start: u64, end: u64) -> fmt::Result {
    write!(out, "{chrom}:{start}-{end}")
}

/// Anything with a chromosome and BED coordinates, so callers can fetch their own window records
/// without building an [`Interval`] (and a chromosome `String`) for each.
pub trait Locus {
    fn chrom(&self) -> &str;
    /// 0-based start.
    fn start(&self) -> u64;
    /// Exclusive end.
    fn end(&self) -> u64;

    /// An owned [`Interval`] of the same coordinates, for error messages.
    fn to_interval(&self) -> Interval {
        Interval::new(self.chrom(), self.start(), self.end())
    }
}

impl Locus for Interval {
    fn chrom(&self) -> &str {
        &self.chrom
    }

    fn start(&self) -> u64 {
        self.start
    }

    fn end(&self) -> u64 {
        self.end
    }
}
