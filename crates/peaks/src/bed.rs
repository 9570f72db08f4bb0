//! BED3+ files of regions and blacklists, checked against the genome (reading and checking are
//! `tfbind_genome::bed`'s).

use std::path::Path;

use tfbind_genome::{
    bed::{ChromCheck, Reader, UnknownChroms},
    ChromSizes,
};

use crate::{Error, Result};

/// The checker of `path`'s chromosomes, whose errors name the option that skips unknown ones.
pub(crate) fn chrom_check<'a>(
    path: &'a Path,
    sizes: &'a ChromSizes,
    unknown: UnknownChroms,
) -> ChromCheck<'a> {
    ChromCheck::new(path, sizes, unknown).skipped_by("--skip-unknown-chroms")
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
    let mut reader = Reader::open(path)?;
    let mut check = chrom_check(path, sizes, unknown);
    let mut regions = Vec::new();
    while let Some(mut record) = reader.next_record()? {
        let Some(chrom) = check.resolve(record.line, record.interval)? else {
            continue;
        };
        let name = match record.rest.next() {
            None | Some(b".") | Some(b"") => None,
            Some(name) => Some(
                std::str::from_utf8(name)
                    .map_err(|_| record.error("the name is not UTF-8"))?
                    .to_owned(),
            ),
        };
        regions.push(Region {
            chrom: chrom as u32,
            start: record.interval.start,
            end: record.interval.end,
            name,
            line: record.line,
        });
    }
    let skipped_unknown_chrom = check.finish()?;
    if regions.is_empty() {
        return Err(Error::Empty {
            path: path.to_owned(),
            message: "no regions in the file".to_owned(),
        });
    }
    Ok(Regions {
        regions,
        skipped_unknown_chrom,
    })
}

/// Reads a blacklist BED3+ as `(chrom id, start, end)`. Checked like any other input: an ENCODE
/// blacklist of the whole assembly applied to part of it needs `--skip-unknown-chroms` (lines
/// skipped are warned about with their count), and one whose names match none of the genome's
/// (`21` against `chr21`) is an error, not a blacklist that removes nothing.
pub(crate) fn read_blacklist(
    path: &Path,
    sizes: &ChromSizes,
    unknown: UnknownChroms,
) -> Result<Vec<(u32, u64, u64)>> {
    let mut reader = Reader::open(path)?;
    let mut check = chrom_check(path, sizes, unknown);
    let mut out = Vec::new();
    while let Some(record) = reader.next_record()? {
        let iv = record.interval;
        if let Some(id) = check.resolve(record.line, iv)? {
            out.push((id as u32, iv.start, iv.end));
        }
    }
    check.finish()?;
    Ok(out)
}
