//! Peak files: ENCODE narrowPeak (BED6+4, the summit offset in field 10) or BED3+ (no summit:
//! the midpoint stands for it). Read with `tfbind_genome::bed`, whose module docs say why not
//! with noodles.

use std::path::Path;

use tfbind_genome::{
    bed::{self, UnknownChroms},
    ChromSizes,
};

use crate::{bed::chrom_check, Result};

/// One peak of a TF, on a chromosome of the genome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peak {
    /// Index of the chromosome in the genome's order.
    pub chrom: u32,
    pub start: u64,
    pub end: u64,
    /// Absolute position of the summit: `start` + the narrowPeak summit offset, or the midpoint
    /// when the file has no summits (BED3+) or gives `-1`.
    pub summit: u64,
    /// Line of the peak in its file, for errors about what is made from it.
    pub line: u64,
}

/// How the lines of a peak file are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeakFormat {
    /// 10 fields or more; the summit offset is field 10.
    NarrowPeak,
    /// BED3 or more, without summits.
    Bed,
}

/// The peaks of one file, and how many were skipped on chromosomes the genome lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeakFile {
    pub peaks: Vec<Peak>,
    pub skipped_unknown_chrom: u64,
    pub format: PeakFormat,
}

/// narrowPeak's field count.
const NARROWPEAK_FIELDS: usize = 10;

/// Reads a peak file, plain, gzip or bgzip. It is narrowPeak when its name says so
/// (`*.narrowPeak*`) or when its first record has 10 fields or more; then every line must have
/// them, so a short (truncated) line is an error rather than a peak without a summit. A file
/// without peaks is not an error: a ChIP-seq experiment can find none; a file with peaks on none
/// of the genome's chromosomes is (see [`tfbind_genome::bed::ChromCheck`]).
pub fn read_peaks(path: &Path, sizes: &ChromSizes, unknown: UnknownChroms) -> Result<PeakFile> {
    let named_narrowpeak = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.to_ascii_lowercase().contains(".narrowpeak"));
    let mut format = named_narrowpeak.then_some(PeakFormat::NarrowPeak);
    let mut reader = bed::Reader::open(path)?;
    let mut check = chrom_check(path, sizes, unknown);
    let mut peaks = Vec::new();
    while let Some(mut record) = reader.next_record()? {
        let format = *format.get_or_insert_with(|| {
            if bed::fields(record.text).count() >= NARROWPEAK_FIELDS {
                PeakFormat::NarrowPeak
            } else {
                PeakFormat::Bed
            }
        });
        let iv = record.interval;
        let summit = match format {
            PeakFormat::Bed => None,
            PeakFormat::NarrowPeak => {
                let offset = record.rest.nth(NARROWPEAK_FIELDS - 4).ok_or_else(|| {
                    record.error(
                        bed::too_few_fields(record.text, NARROWPEAK_FIELDS, "narrowPeak")
                            + " (a short or truncated line)",
                    )
                })?;
                summit_offset(offset, iv.end - iv.start).map_err(|m| record.error(m))?
            }
        };
        let Some(chrom) = check.resolve(record.line, iv)? else {
            continue;
        };
        peaks.push(Peak {
            chrom: chrom as u32,
            start: iv.start,
            end: iv.end,
            summit: iv.start + summit.unwrap_or((iv.end - iv.start) / 2),
            line: record.line,
        });
    }
    Ok(PeakFile {
        peaks,
        skipped_unknown_chrom: check.finish()?,
        format: format.unwrap_or(PeakFormat::Bed),
    })
}

/// The summit offset of field 10: `-1` for none, else a position inside the peak.
fn summit_offset(field: &[u8], len: u64) -> std::result::Result<Option<u64>, String> {
    if field == b"-1" {
        return Ok(None);
    }
    let offset = bed::parse_u64(field).ok_or_else(|| {
        format!(
            "summit offset (field 10) {:?} is not an integer >= -1",
            String::from_utf8_lossy(field)
        )
    })?;
    if offset >= len {
        return Err(format!(
            "summit offset {offset} is outside its peak, which is {len} bp long"
        ));
    }
    Ok(Some(offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn sizes() -> ChromSizes {
        ChromSizes::new([("chr1".to_string(), 10_000), ("chr2".to_string(), 500)]).unwrap()
    }

    fn read(name: &str, text: &str, unknown: UnknownChroms) -> Result<PeakFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        read_peaks(&path, &sizes(), unknown)
    }

    #[test]
    fn narrowpeak_summits_and_bed_midpoints() {
        let f = read(
            "x.txt",
            "track name=x\nchr1\t100\t300\tp\t0\t.\t1\t1\t1\t50\nchr2\t0\t11\tq\t0\t.\t1\t1\t1\t-1\n",
            UnknownChroms::Error,
        )
        .unwrap();
        assert_eq!(f.format, PeakFormat::NarrowPeak);
        let summits: Vec<_> = f
            .peaks
            .iter()
            .map(|p| (p.chrom, p.summit, p.line))
            .collect();
        assert_eq!(summits, [(0, 150, 2), (1, 5, 3)]);

        let f = read("x.bed", "chr1\t100\t301\n", UnknownChroms::Error).unwrap();
        assert_eq!(f.format, PeakFormat::Bed);
        assert_eq!(f.peaks[0].summit, 200);
    }

    #[test]
    fn short_lines_and_bad_summits_name_their_line() {
        let good = "chr1\t100\t300\tp\t0\t.\t1\t1\t1\t50\n";
        let e = read(
            "x.bed",
            &format!("{good}chr1\t100\t300\tp\t0\n"),
            UnknownChroms::Error,
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("x.bed:2: expected at least 10"),
            "{e}"
        );
        // Named narrowPeak: even the first line must have 10 fields.
        let e = read("t.narrowPeak", "chr1\t1\t5\n", UnknownChroms::Error).unwrap_err();
        assert!(e.to_string().contains("t.narrowPeak:1:"), "{e}");
        for (summit, needle) in [("200", "outside its peak"), ("-2", "\"-2\"")] {
            let line = format!("chr1\t100\t300\tp\t0\t.\t1\t1\t1\t{summit}\n");
            let e = read("x.bed", &line, UnknownChroms::Error).unwrap_err();
            assert!(e.to_string().contains(needle), "{e}");
        }
    }

    #[test]
    fn unknown_chromosomes_are_errors_or_skipped() {
        use tfbind_genome::Error::{NoKnownChrom, OffChromEndAt, UnknownChromAt};
        let text = "chr1\t0\t10\nchrUn\t0\t10\n";
        let e = read("x.bed", text, UnknownChroms::Error).unwrap_err();
        assert!(
            matches!(e, Error::Genome(UnknownChromAt { line: 2, .. })),
            "{e}"
        );
        assert!(e.to_string().contains("--skip-unknown-chroms"), "{e}");
        let f = read("x.bed", text, UnknownChroms::Skip).unwrap();
        assert_eq!((f.peaks.len(), f.skipped_unknown_chrom), (1, 1));
        let e = read("x.bed", "chr2\t400\t501\n", UnknownChroms::Skip).unwrap_err();
        assert!(
            matches!(e, Error::Genome(OffChromEndAt { line: 1, .. })),
            "{e}"
        );
        // Skipping cannot make a file of none of the genome's chromosomes a file without peaks.
        let e = read("x.bed", "1\t0\t10\n2\t0\t10\n", UnknownChroms::Skip).unwrap_err();
        assert!(
            matches!(e, Error::Genome(NoKnownChrom { lines: 2, .. })),
            "{e}"
        );
        assert!(e.to_string().contains("chr1, not 1"), "{e}");
    }

    #[test]
    fn an_empty_file_has_no_peaks() {
        let f = read("x.bed", "", UnknownChroms::Error).unwrap();
        assert!(f.peaks.is_empty());
    }
}
