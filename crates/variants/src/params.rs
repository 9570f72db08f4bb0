//! The `[variants]` section of a pipeline config, overridden by flags.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How variants are scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Average over windows shifted by `-shifts..=shifts` bases (0: the centred window only).
    pub shifts: usize,
    /// Average each window's probability with its reverse complement's.
    pub rc_average: bool,
    /// Windows per forward pass.
    pub batch_size: usize,
    /// Also write the scores as INFO fields of a bgzipped, tabix-indexed VCF.
    pub annotated_vcf: bool,
    /// Skip (and count) records whose REF differs from the genome instead of failing.
    pub skip_ref_mismatch: bool,
    /// Skip (and count) records on chromosomes the genome lacks instead of failing.
    pub skip_unknown_chroms: bool,
    /// Only records in this region: `chrom`, or `chrom:start-end`, 1-based and inclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Only this contiguous part of the records (after --region): `i/n`, i in 1..=n.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

impl Default for Params {
    /// Both strands by default, as Selene and gReLU score variants: an effect should not depend
    /// on which strand the reference is written on. Batch 100 is predict's measured optimum.
    fn default() -> Self {
        Self {
            shifts: 0,
            rc_average: true,
            batch_size: 100,
            annotated_vcf: false,
            skip_ref_mismatch: false,
            skip_unknown_chroms: false,
            region: None,
            shard: None,
        }
    }
}

impl Params {
    /// Checks the parameters on their own; the message is for a user who gave them.
    pub fn validate(&self) -> Result<(), String> {
        if self.batch_size == 0 {
            return Err("batch_size must be at least 1".into());
        }
        if let Some(region) = &self.region {
            parse_region(region)?;
        }
        Ok(())
    }
}

/// A region as `chrom[:start-end]` (1-based, inclusive): the chromosome and the positions.
pub fn parse_region(text: &str) -> Result<(String, u64, u64), String> {
    let bad =
        || format!("region {text:?} is not `chrom` or `chrom:start-end` (1-based, inclusive)");
    let Some((chrom, range)) = text.rsplit_once(':') else {
        return if text.is_empty() {
            Err(bad())
        } else {
            Ok((text.to_owned(), 1, u64::MAX))
        };
    };
    let (start, end) = range.split_once('-').ok_or_else(bad)?;
    let number = |s: &str| s.replace(',', "").parse::<u64>().map_err(|_| bad());
    let (start, end) = (number(start)?, number(end)?);
    if chrom.is_empty() || start == 0 || end < start {
        return Err(bad());
    }
    Ok((chrom.to_owned(), start, end))
}

/// One of `count` contiguous parts of the records, `index` counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// The records `[from, to)` of this shard among `total`, as even as integers allow.
    pub fn range(&self, total: u64) -> (u64, u64) {
        let at = |i: u64| (total as u128 * i as u128 / self.count as u128) as u64;
        (at(self.index - 1), at(self.index))
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("shard {text:?} is not i/n with 1 ≤ i ≤ n (e.g. 2/8)");
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (i.parse().map_err(|_| bad())?, n.parse().map_err(|_| bad())?);
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl TryFrom<String> for Shard {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl From<Shard> for String {
    fn from(shard: Shard) -> String {
        shard.to_string()
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_records() {
        for total in [0, 1, 7, 10, 1001] {
            for count in 1..=5 {
                let mut next = 0;
                for index in 1..=count {
                    let (from, to) = Shard { index, count }.range(total);
                    assert_eq!(from, next);
                    assert!(to - from <= total / count + 1);
                    next = to;
                }
                assert_eq!(next, total);
            }
        }
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/2", "3/2", "1", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn regions_are_one_based_and_inclusive() {
        assert_eq!(parse_region("chr1"), Ok(("chr1".into(), 1, u64::MAX)));
        assert_eq!(
            parse_region("chr1:1,000-2,000"),
            Ok(("chr1".into(), 1000, 2000))
        );
        for bad in ["", "chr1:0-5", "chr1:5-4", "chr1:a-b", ":1-2"] {
            assert!(parse_region(bad).is_err(), "{bad}");
        }
    }
}
