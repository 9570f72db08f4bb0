//! The stage's parameters: the `[negatives]` section of a pipeline config, overridden by flags,
//! and recorded in the manifest of the `windows` artifact.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfbind_dataset::Split;

use crate::error::{Error, Result};

/// How negatives are chosen for a single-task dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// Unbound windows drawn to match the positives' GC histogram.
    #[default]
    GcMatched,
    /// Unbound windows drawn uniformly.
    Random,
    /// Synthetic sequences: the positives shuffled with their dinucleotide counts kept.
    DinucleotideShuffle,
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::GcMatched => "gc-matched",
            Strategy::Random => "random",
            Strategy::DinucleotideShuffle => "dinucleotide-shuffle",
        })
    }
}

/// A split of a `dataset` artifact, as named in configs and on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SplitName {
    Train,
    Valid,
    Test,
}

impl SplitName {
    pub fn split(self) -> Split {
        match self {
            SplitName::Train => Split::Train,
            SplitName::Valid => Split::Valid,
            SplitName::Test => Split::Test,
        }
    }
}

/// The `[negatives]` section. Paths (regions, genome, excluded artifacts, output) are not here:
/// the manifest pins inputs by checksum, so moving a directory does not invalidate an artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Params {
    /// Single-task: the target TF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tf: Option<String>,
    /// Multi-task: these TFs, in this order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tfs: Option<Vec<String>>,
    /// Multi-task: the N TFs with the fewest NA labels (ties by name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fewest_na: Option<usize>,
    pub strategy: Strategy,
    /// Negatives per positive.
    pub ratio: f64,
    /// GC bins over [0, 1], for matching, stratified subsampling and the report.
    pub gc_bins: usize,
    /// Subsample the positives to at most this many, stratified by GC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_positives: Option<usize>,
    /// Keep every available negative when there are fewer than the ratio asks for.
    pub allow_fewer: bool,
    /// Windows with a larger fraction of N bases are dropped.
    pub max_n_fraction: f64,
    /// Which splits of an excluded `dataset` artifact are removed.
    pub exclude_splits: Vec<SplitName>,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            tf: None,
            tfs: None,
            fewest_na: None,
            strategy: Strategy::default(),
            ratio: 1.0,
            // As the paper: 10 bins of GC content.
            gc_bins: 10,
            max_positives: None,
            allow_fewer: false,
            // A few Ns (assembly gaps at a window's edge) are harmless; a window that is mostly N
            // carries no sequence to learn from.
            max_n_fraction: 0.1,
            // The paper removes the pre-training train and validation windows from a target's data.
            exclude_splits: vec![SplitName::Train, SplitName::Valid],
            seed: 0,
        }
    }
}

/// What the parameters ask for, once checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode<'a> {
    SingleTask(&'a str),
    MultiTask(TaskChoice<'a>),
}

/// How the columns of a multi-task dataset are chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskChoice<'a> {
    Named(&'a [String]),
    FewestNa(usize),
}

impl Params {
    /// Checks the parameters against each other and says which mode they ask for.
    pub fn mode(&self) -> Result<Mode<'_>> {
        let invalid = |m: String| Err(Error::InvalidParams(m));
        let mode = match (&self.tf, &self.tfs, self.fewest_na) {
            (Some(tf), None, None) => Mode::SingleTask(tf),
            (None, Some(tfs), None) => {
                if tfs.is_empty() {
                    return invalid("tfs is empty: name at least one TF".into());
                }
                Mode::MultiTask(TaskChoice::Named(tfs))
            }
            (None, None, Some(0)) => return invalid("fewest_na must be at least 1".into()),
            (None, None, Some(n)) => Mode::MultiTask(TaskChoice::FewestNa(n)),
            (None, None, None) => {
                return invalid(
                    "no task: give a target TF (--tf), a TF list (--tfs) or --fewest-na N".into(),
                )
            }
            _ => return invalid("give only one of --tf, --tfs and --fewest-na".into()),
        };
        if !(self.ratio.is_finite() && self.ratio > 0.0) {
            return invalid(format!(
                "ratio must be a positive number, not {}",
                self.ratio
            ));
        }
        if self.gc_bins == 0 {
            return invalid("gc_bins must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.max_n_fraction) {
            return invalid(format!(
                "max_n_fraction must be between 0 and 1, not {}",
                self.max_n_fraction
            ));
        }
        if self.max_positives == Some(0) {
            return invalid("max_positives must be at least 1".into());
        }
        if self.exclude_splits.is_empty() {
            return invalid("exclude_splits is empty: name the splits to exclude".into());
        }
        if matches!(mode, Mode::MultiTask(_)) {
            // These shape a single TF's positives and negatives; a multi-task dataset keeps every
            // window with a known label, so accepting them silently would mislead.
            let defaults = Params::default();
            let single_only = [
                (self.strategy != defaults.strategy, "strategy"),
                (self.ratio != defaults.ratio, "ratio"),
                (self.max_positives.is_some(), "max_positives"),
                (self.allow_fewer, "allow_fewer"),
            ];
            if let Some((_, name)) = single_only.iter().find(|(set, _)| *set) {
                return invalid(format!(
                    "{name} applies to a single-task dataset (--tf) only"
                ));
            }
        }
        Ok(mode)
    }

    /// The splits of an excluded `dataset` artifact that are removed.
    pub fn excluded_splits(&self) -> Vec<Split> {
        self.exclude_splits.iter().map(|s| s.split()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn single(tf: &str) -> Params {
        Params {
            tf: Some(tf.into()),
            ..Params::default()
        }
    }

    #[test]
    fn one_task_choice_is_required() {
        assert!(Params::default().mode().unwrap_err().is_usage());
        let both = Params {
            fewest_na: Some(3),
            ..single("MAX")
        };
        assert!(both.mode().is_err());
        assert_eq!(single("MAX").mode().unwrap(), Mode::SingleTask("MAX"));
        let multi = Params {
            fewest_na: Some(3),
            ..Params::default()
        };
        assert_eq!(
            multi.mode().unwrap(),
            Mode::MultiTask(TaskChoice::FewestNa(3))
        );
    }

    #[test]
    fn single_task_options_are_refused_for_multi_task() {
        let p = Params {
            tfs: Some(vec!["MAX".into()]),
            max_positives: Some(50),
            ..Params::default()
        };
        let msg = p.mode().unwrap_err().to_string();
        assert!(msg.contains("max_positives"), "{msg}");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for p in [
            Params {
                ratio: 0.0,
                ..single("MAX")
            },
            Params {
                gc_bins: 0,
                ..single("MAX")
            },
            Params {
                max_n_fraction: 1.5,
                ..single("MAX")
            },
            Params {
                max_positives: Some(0),
                ..single("MAX")
            },
        ] {
            assert!(p.mode().unwrap_err().is_usage(), "{p:?}");
        }
    }

    #[test]
    fn parses_from_a_config_section_and_round_trips_through_the_manifest() {
        let p: Params = toml::from_str(
            "tf = \"NRF1\"\nstrategy = \"dinucleotide-shuffle\"\nexclude_splits = [\"train\"]\n",
        )
        .unwrap();
        assert_eq!(p.strategy, Strategy::DinucleotideShuffle);
        assert_eq!(p.exclude_splits, [SplitName::Train]);
        assert_eq!(p.gc_bins, 10);
        let table = tfbind_artifact::to_table(&p).unwrap();
        let back: Params = table.try_into().unwrap();
        assert_eq!(back, p);
        assert!(toml::from_str::<Params>("tff = \"NRF1\"\n").is_err());
    }
}
