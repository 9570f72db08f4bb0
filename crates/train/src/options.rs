//! Optimisation settings shared by pre-training and fine-tuning, and seed derivation.

use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};

/// How to train: the part of a stage's configuration that the training loop reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainOptions {
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Windows per optimisation step.
    pub batch_size: usize,
    /// Maximum number of epochs.
    pub epochs: usize,
    /// Stop after this many epochs without a lower validation loss; `None` trains every epoch.
    pub patience: Option<usize>,
    /// Train and validate on both strands: each window also appears reverse-complemented, as the
    /// authors' data preparation does.
    pub rc_augment: bool,
    /// The one seed every random choice derives from (initial weights, order, dropout).
    pub seed: u64,
}

impl TrainOptions {
    /// The paper's pre-training: Adam lr 0.003, batch 100, 15 epochs, both strands.
    pub fn pretraining() -> Self {
        Self {
            learning_rate: 0.003,
            batch_size: 100,
            epochs: 15,
            patience: None,
            rc_augment: true,
            seed: 1,
        }
    }

    /// The paper's fine-tuning from a pre-trained model: lr 0.0003, batch 100, 10 epochs. (Its
    /// training from scratch for comparison uses lr 0.003.)
    pub fn fine_tuning() -> Self {
        Self {
            learning_rate: 0.0003,
            epochs: 10,
            ..Self::pretraining()
        }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |message: &str| Err(TrainError::Options(message.to_string()));
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return bad("learning_rate must be a positive number");
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1");
        }
        if self.epochs == 0 {
            return bad("epochs must be at least 1");
        }
        if self.patience == Some(0) {
            return bad("patience must be at least 1 (leave it out to train every epoch)");
        }
        Ok(())
    }
}

/// What a derived seed is for; each gets an independent stream from the one configured seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedUse {
    /// Initial weights.
    Init,
    /// The order of training windows in an epoch.
    Shuffle,
    /// Dropout masks in an epoch (libtorch's generator).
    Dropout,
}

/// A seed for one use and one index (e.g. the epoch), derived from the configured seed. Deriving
/// rather than drawing from one running generator is what makes a resumed run equal to an
/// uninterrupted one: epoch e's randomness depends on nothing but (seed, e).
pub fn derive_seed(seed: u64, purpose: SeedUse, index: u64) -> u64 {
    // SplitMix64 finalizer over the three inputs: consecutive indices give unrelated seeds.
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    };
    let purpose = purpose as u64 + 1;
    mix(mix(mix(seed) ^ purpose.wrapping_mul(0x9e3779b97f4a7c15)) ^ index)
}

/// libtorch takes a signed seed; any 64 bits will do.
pub(crate) fn torch_seed(seed: u64) -> i64 {
    seed as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_seeds_differ_by_use_and_index_and_repeat() {
        let a = derive_seed(1, SeedUse::Shuffle, 3);
        assert_eq!(a, derive_seed(1, SeedUse::Shuffle, 3));
        assert_ne!(a, derive_seed(1, SeedUse::Shuffle, 4));
        assert_ne!(a, derive_seed(1, SeedUse::Dropout, 3));
        assert_ne!(a, derive_seed(2, SeedUse::Shuffle, 3));
    }

    #[test]
    fn options_are_validated() {
        assert!(TrainOptions::pretraining().validate().is_ok());
        let o = TrainOptions {
            patience: Some(0),
            ..TrainOptions::fine_tuning()
        };
        assert!(o.validate().is_err());
        let o = TrainOptions {
            learning_rate: f64::NAN,
            ..TrainOptions::fine_tuning()
        };
        assert!(o.validate().is_err());
    }

    #[test]
    fn options_round_trip_through_toml_without_patience() {
        let o = TrainOptions::pretraining();
        let text = toml::to_string(&o).unwrap();
        assert!(!text.contains("patience"), "{text}");
        assert_eq!(toml::from_str::<TrainOptions>(&text).unwrap(), o);
    }
}
