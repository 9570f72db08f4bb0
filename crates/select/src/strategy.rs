use std::fmt;

use serde::{Deserialize, Serialize};

/// How the pre-training TFs are chosen for a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// The TFs whose binding is most similar to the target's (cosine over windows where both
    /// are labelled): the paper's cofactor sets.
    #[default]
    Cobinding,
    /// The TFs whose binding is least similar to the target's: the control for `cobinding`.
    LowCobinding,
    /// The TFs whose JASPAR motifs are most similar to the target's (best Tomtom p-value).
    Motif,
    /// A seeded random draw.
    Random,
    /// The TFs with the fewest unknown (NA) windows: the paper's 50-TF multi-task model.
    FewestNa,
}

impl Strategy {
    /// The number of TFs chosen when none is given: the paper pre-trains on 5 related (or
    /// random) TFs, and its multi-task model on the 50 TFs with the fewest NA.
    pub fn default_k(self) -> usize {
        match self {
            Strategy::FewestNa => 50,
            _ => 5,
        }
    }

    /// Whether the strategy ranks TFs by their relation to a target, so cannot run without one.
    /// `random` and `fewest-na` use a target only to leave it out.
    pub fn needs_target(self) -> bool {
        matches!(
            self,
            Strategy::Cobinding | Strategy::LowCobinding | Strategy::Motif
        )
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Cobinding => "cobinding",
            Strategy::LowCobinding => "low-cobinding",
            Strategy::Motif => "motif",
            Strategy::Random => "random",
            Strategy::FewestNa => "fewest-na",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_the_serde_spelling() {
        for s in [
            Strategy::Cobinding,
            Strategy::LowCobinding,
            Strategy::Motif,
            Strategy::Random,
            Strategy::FewestNa,
        ] {
            let toml_value = toml::Value::try_from(s).unwrap();
            assert_eq!(toml_value.as_str(), Some(s.to_string().as_str()));
        }
    }
}
