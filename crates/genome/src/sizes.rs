use std::{collections::HashMap, path::Path};

use crate::{fai, Error, Genome, Locus, Result};

/// Chromosome names and lengths, in genome (FASTA) order.
///
/// # Examples
/// ```
/// use tfbind_genome::{ChromSizes, Interval};
/// let sizes = ChromSizes::new([("chr1".to_string(), 1000), ("chr2".to_string(), 500)]).unwrap();
/// assert_eq!(sizes.get("chr2"), Some(500));
/// assert!(sizes.contains(&Interval::new("chr2", 300, 500)));
/// assert!(!sizes.contains(&Interval::new("chr2", 300, 501)));
/// assert!(sizes.check(&Interval::new("chrX", 0, 10)).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChromSizes {
    entries: Vec<(String, u64)>,
    ids: HashMap<String, usize>,
}

impl ChromSizes {
    /// Builds from `(name, length)` pairs in order; a repeated name is an error.
    pub fn new(entries: impl IntoIterator<Item = (String, u64)>) -> Result<Self> {
        let entries: Vec<(String, u64)> = entries.into_iter().collect();
        let mut ids = HashMap::with_capacity(entries.len());
        for (i, (name, _)) in entries.iter().enumerate() {
            if ids.insert(name.clone(), i).is_some() {
                return Err(Error::DuplicateChrom {
                    chrom: name.clone(),
                });
            }
        }
        Ok(Self { entries, ids })
    }

    /// Reads a samtools `.fai` index (its first two columns).
    pub fn from_fai(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        Self::from_records(&fai::read(path)?, path)
    }

    /// The sizes of an index's records; `path` names the index if a name repeats.
    pub(crate) fn from_records(records: &[fai::Record], path: &Path) -> Result<Self> {
        Self::new(records.iter().map(|r| (r.name.clone(), r.length))).map_err(|e| match e {
            Error::DuplicateChrom { chrom } => Error::InvalidIndex {
                path: path.to_owned(),
                message: format!("sequence {chrom:?} appears twice"),
            },
            other => other,
        })
    }

    /// Reads the index of a FASTA (plain or bgzip), `<fasta>.fai`, building it when missing
    /// (see [`Genome::open`]).
    pub fn from_fasta(path: impl AsRef<Path>) -> Result<Self> {
        Ok(Genome::open(path)?.sizes().clone())
    }

    /// Length of `chrom`, if the genome has it.
    pub fn get(&self, chrom: &str) -> Option<u64> {
        self.id(chrom).map(|i| self.entries[i].1)
    }

    /// Position of `chrom` in genome order, if the genome has it.
    pub fn id(&self, chrom: &str) -> Option<usize> {
        self.ids.get(chrom).copied()
    }

    /// Name and length of the chromosome at position `id` in genome order.
    pub fn entry(&self, id: usize) -> Option<(&str, u64)> {
        self.entries.get(id).map(|(n, l)| (n.as_str(), *l))
    }

    /// Number of chromosomes.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// `(name, length)` in genome order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, u64)> + '_ {
        self.entries.iter().map(|(n, l)| (n.as_str(), *l))
    }

    /// Sum of all chromosome lengths.
    pub fn total_length(&self) -> u64 {
        self.entries.iter().map(|(_, l)| l).sum()
    }

    /// True when `interval` is non-empty, on a known chromosome and within its length.
    pub fn contains(&self, interval: &impl Locus) -> bool {
        self.check(interval).is_ok()
    }

    /// Like [`contains`](Self::contains), but says what is wrong; returns the chromosome's id.
    pub fn check(&self, interval: &impl Locus) -> Result<usize> {
        let Some(id) = self.id(interval.chrom()) else {
            return Err(Error::UnknownChrom {
                chrom: interval.chrom().to_owned(),
                interval: interval.to_interval(),
                known: self.describe_names(),
            });
        };
        if interval.start() >= interval.end() {
            return Err(Error::EmptyInterval {
                interval: interval.to_interval(),
            });
        }
        let len = self.entries[id].1;
        if interval.end() > len {
            return Err(Error::OffChromEnd {
                interval: interval.to_interval(),
                chrom: interval.chrom().to_owned(),
                len,
            });
        }
        Ok(id)
    }

    /// The genome's name for `chrom` when `chrom` is not one but adding or removing a `chr`
    /// prefix makes it one (UCSC `chr21` against Ensembl `21`).
    ///
    /// # Examples
    /// ```
    /// let sizes = tfbind_genome::ChromSizes::new([("chr21".to_string(), 10)]).unwrap();
    /// assert_eq!(sizes.renamed("21"), Some("chr21"));
    /// assert_eq!(sizes.renamed("chr21"), None);
    /// assert_eq!(sizes.renamed("chr22"), None);
    /// ```
    pub fn renamed(&self, chrom: &str) -> Option<&str> {
        if self.id(chrom).is_some() {
            return None;
        }
        let id = match chrom.strip_prefix("chr") {
            Some(bare) => self.id(bare),
            None => self.id(&format!("chr{chrom}")),
        }?;
        Some(self.entries[id].0.as_str())
    }

    /// A short list of the names for error messages; whole genomes have thousands of contigs.
    pub(crate) fn describe_names(&self) -> String {
        const SHOWN: usize = 5;
        let mut s = self
            .entries
            .iter()
            .take(SHOWN)
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if self.entries.len() > SHOWN {
            s.push_str(&format!(", … ({} in all)", self.entries.len()));
        }
        if s.is_empty() {
            s.push_str("no chromosomes");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Interval;

    #[test]
    fn reads_the_bundle_fai() {
        let Some(bundle) = tfbind_artifact::testing::shared_bundle() else {
            return;
        };
        let sizes = ChromSizes::from_fasta(bundle.join("genome.fa.gz")).unwrap();
        let names: Vec<&str> = sizes.iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["chr19", "chr20", "chr21", "chr22"]);
        assert_eq!(sizes.get("chr21"), Some(46_709_983));
        assert_eq!(sizes.get("chr1"), None);
    }

    #[test]
    fn check_names_what_is_wrong() {
        let sizes = ChromSizes::new([("chr1".to_string(), 100)]).unwrap();
        assert_eq!(sizes.check(&Interval::new("chr1", 0, 100)).unwrap(), 0);
        let e = sizes.check(&Interval::new("chr1", 50, 101)).unwrap_err();
        assert!(matches!(e, Error::OffChromEnd { len: 100, .. }), "{e}");
        assert!(e.to_string().contains("chr1:50-101"), "{e}");
        let e = sizes.check(&Interval::new("chr2", 0, 10)).unwrap_err();
        assert!(matches!(e, Error::UnknownChrom { .. }), "{e}");
        let e = sizes.check(&Interval::new("chr1", 10, 10)).unwrap_err();
        assert!(matches!(e, Error::EmptyInterval { .. }), "{e}");
        assert!(ChromSizes::new([("a".to_string(), 1), ("a".to_string(), 2)]).is_err());
    }

    #[test]
    fn bad_fai_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.fa.fai");
        std::fs::write(&path, "chr1\t100\t6\t60\t61\nchr2\tten\t200\t60\t61\n").unwrap();
        let e = ChromSizes::from_fai(&path).unwrap_err();
        assert!(e.to_string().contains("g.fa.fai:2:"), "{e}");
        std::fs::write(&path, "chr1\t100\t6\t60\t61\nchr1\t100\t200\t60\t61\n").unwrap();
        let e = ChromSizes::from_fai(&path).unwrap_err();
        assert!(
            e.to_string().contains("g.fa.fai") && e.to_string().contains("twice"),
            "{e}"
        );
    }
}
