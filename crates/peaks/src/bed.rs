//! BED3+ files of regions, checked against the genome (the line parsing is
//! `tfbind_genome::bed`'s).

use std::path::Path;

pub(crate) use tfbind_genome::bed::{fields, interval, is_header, parse_u64, too_few_fields};
use tfbind_genome::{bed::BedInterval, ChromSizes};

use crate::{lines::LineReader, Error, Result};

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
