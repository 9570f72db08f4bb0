use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{Error, Result, Strategy};

/// The parameters of a selection: the `[select]` section of a pipeline config, overridden by
/// flags, and reported with the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SelectParams {
    pub strategy: Strategy,
    /// The TF to choose pre-training TFs for.
    pub target: Option<String>,
    /// How many TFs to choose; `None` is the strategy's default ([`Strategy::default_k`]).
    pub k: Option<usize>,
    /// Leave the target out of the candidates: pre-training on it would leak its labels into
    /// the fine-tuning comparison.
    pub exclude_target: bool,
    /// Seed of the `random` strategy.
    pub seed: u64,
    /// Only TFs with at least this many bound windows are candidates. A TF bound in a handful of
    /// windows has a cosine near 0 with anything, so `low-cobinding` picks such TFs first.
    pub min_bound: usize,
    /// The MEME motif file of the `motif` strategy.
    pub motifs: PathBuf,
}

impl Default for SelectParams {
    fn default() -> Self {
        Self {
            strategy: Strategy::default(),
            target: None,
            k: None,
            exclude_target: true,
            seed: 0,
            min_bound: 0,
            motifs: tfbind_motifs::default_database(),
        }
    }
}

impl SelectParams {
    /// The number of TFs to choose.
    pub fn k(&self) -> usize {
        self.k.unwrap_or_else(|| self.strategy.default_k())
    }

    /// Checks what can be checked before any data is read.
    pub fn validate(&self) -> Result<()> {
        if self.k() == 0 {
            return Err(Error::ZeroK);
        }
        if self.strategy.needs_target() && self.target.is_none() {
            return Err(Error::NeedsTarget {
                strategy: self.strategy,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let p = SelectParams::default();
        assert_eq!(p.k(), 5);
        assert!(matches!(p.validate(), Err(Error::NeedsTarget { .. })));
        let p = SelectParams {
            strategy: Strategy::FewestNa,
            ..SelectParams::default()
        };
        assert_eq!(p.k(), 50);
        p.validate().unwrap();
        let p = SelectParams {
            strategy: Strategy::Random,
            k: Some(0),
            ..SelectParams::default()
        };
        assert!(matches!(p.validate(), Err(Error::ZeroK)));
    }

    #[test]
    fn reads_a_config_section() {
        let p: SelectParams =
            toml::from_str("strategy = \"low-cobinding\"\ntarget = \"JUND\"\nk = 3\n").unwrap();
        assert_eq!(p.strategy, Strategy::LowCobinding);
        assert_eq!(p.target.as_deref(), Some("JUND"));
        assert_eq!(p.k(), 3);
        assert!(p.exclude_target);
        assert!(toml::from_str::<SelectParams>("topk = 3\n").is_err());
    }
}
