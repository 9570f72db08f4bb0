//! What the training stages (tfbind-pretrain, tfbind-finetune) share: the training keys of their
//! config sections, how they run beside what they train, and the parts of their summaries that
//! describe the training run. Each stage adds the keys and summary fields of its own.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfbind_metrics::BinaryMetrics;
use tfbind_model::DeviceChoice;

use crate::error::Result;
use crate::options::TrainOptions;
use crate::run::RunOutcome;

/// How a training stage runs, beside what it trains: none of it changes the model (beyond
/// floating-point rounding), so none of it is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Runtime {
    /// Where to run.
    pub device: DeviceChoice,
    /// Windows per batch for validation loss and test predictions.
    pub eval_batch_size: usize,
    /// Discard checkpoints of an interrupted run instead of resuming from them.
    pub restart: bool,
}

/// The training keys of a stage's config section, `#[serde(flatten)]`ed into the stage's own
/// section type; an unset key takes the stage's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainSection {
    pub learning_rate: Option<f64>,
    pub batch_size: Option<usize>,
    pub epochs: Option<usize>,
    pub patience: Option<usize>,
    pub rc_augment: Option<bool>,
    pub seed: Option<u64>,
}

impl TrainSection {
    /// The options these keys set, `defaults` for the rest.
    pub fn options(&self, defaults: TrainOptions) -> TrainOptions {
        TrainOptions {
            learning_rate: self.learning_rate.unwrap_or(defaults.learning_rate),
            batch_size: self.batch_size.unwrap_or(defaults.batch_size),
            epochs: self.epochs.unwrap_or(defaults.epochs),
            patience: self.patience.or(defaults.patience),
            rc_augment: self.rc_augment.unwrap_or(defaults.rc_augment),
            seed: self.seed.unwrap_or(defaults.seed),
        }
    }

    /// Sets every unset key to its default (patience stays unset without one), so that the
    /// artifact records what training used even if a default changes later; returns those
    /// options, checked.
    pub fn resolve(&mut self, defaults: TrainOptions) -> Result<TrainOptions> {
        let o = self.options(defaults);
        o.validate()?;
        *self = Self {
            learning_rate: Some(o.learning_rate),
            batch_size: Some(o.batch_size),
            epochs: Some(o.epochs),
            patience: o.patience,
            rc_augment: Some(o.rc_augment),
            seed: Some(o.seed),
        };
        Ok(o)
    }
}

/// How the training went, `#[serde(flatten)]`ed into a stage's summary; shown as `kept epoch …`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub epochs_trained: usize,
    pub best_epoch: usize,
    pub best_valid_loss: f64,
    pub stopped_early: bool,
    pub resumed_after: Option<usize>,
    pub seconds: f64,
}

impl From<&RunOutcome> for RunSummary {
    fn from(outcome: &RunOutcome) -> Self {
        let fit = &outcome.fit;
        Self {
            epochs_trained: fit.state.epochs_done,
            best_epoch: fit.best_epoch(),
            best_valid_loss: fit.state.best_valid_loss().unwrap_or(f64::NAN),
            stopped_early: fit.stopped_early,
            resumed_after: fit.resumed_after,
            seconds: outcome.seconds,
        }
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kept epoch {} of {} (valid loss {:.5})",
            self.best_epoch, self.epochs_trained, self.best_valid_loss
        )?;
        if self.stopped_early {
            f.write_str(", stopped early")?;
        }
        if let Some(e) = self.resumed_after {
            write!(f, ", resumed after epoch {e}")?;
        }
        write!(f, "; {:.1} s", self.seconds)
    }
}

/// One task's test metrics in a stage's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsRow {
    pub positives: u64,
    pub negatives: u64,
    pub auroc: Option<f64>,
    pub auprc: Option<f64>,
    pub auprc_trapezoid: Option<f64>,
    pub mcc: f64,
}

impl From<&BinaryMetrics> for MetricsRow {
    fn from(m: &BinaryMetrics) -> Self {
        Self {
            positives: m.positives,
            negatives: m.negatives,
            auroc: m.auroc,
            auprc: m.average_precision,
            auprc_trapezoid: m.auprc_trapezoid,
            mcc: m.mcc,
        }
    }
}

/// A metric as the summaries' text shows it: three decimals, or NA where it is undefined.
pub fn fmt_metric(value: Option<f64>) -> String {
    value.map_or_else(|| "NA".into(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_the_unset_keys_and_are_recorded() {
        let mut section = TrainSection {
            epochs: Some(3),
            seed: Some(9),
            rc_augment: Some(false),
            ..Default::default()
        };
        let defaults = TrainOptions {
            epochs: 7,
            ..TrainOptions::pretraining()
        };
        let options = section.resolve(defaults.clone()).unwrap();
        assert_eq!((options.epochs, options.seed), (3, 9));
        assert!(!options.rc_augment);
        assert_eq!(section.batch_size, Some(100));
        assert_eq!(section.learning_rate, Some(0.003));
        assert_eq!(section.patience, None);

        let mut bad = TrainSection {
            patience: Some(0),
            ..section
        };
        assert!(bad.resolve(defaults).is_err());
    }

    #[test]
    fn unknown_keys_beside_the_flattened_section_are_refused() {
        #[derive(Debug, Default, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        struct Section {
            name: String,
            #[serde(flatten)]
            train: TrainSection,
        }
        let s: Section = toml::from_str("name = \"x\"\nepochs = 2\nlearning_rate = 1").unwrap();
        assert_eq!((s.name.as_str(), s.train.epochs), ("x", Some(2)));
        assert_eq!(s.train.learning_rate, Some(1.0));
        let err = toml::from_str::<Section>("epoch = 2").unwrap_err();
        assert!(err.message().contains("unknown field `epoch`"), "{err}");
    }

    #[test]
    fn run_summary_text_and_json() {
        let run = RunSummary {
            epochs_trained: 6,
            best_epoch: 4,
            best_valid_loss: 0.123456,
            stopped_early: true,
            resumed_after: Some(2),
            seconds: 12.34,
        };
        assert_eq!(
            run.to_string(),
            "kept epoch 4 of 6 (valid loss 0.12346), stopped early, resumed after epoch 2; 12.3 s"
        );
        let json = serde_json::to_string(&run).unwrap();
        assert_eq!(serde_json::from_str::<RunSummary>(&json).unwrap(), run);
        assert_eq!(
            (fmt_metric(None), fmt_metric(Some(0.5))),
            ("NA".into(), "0.500".into())
        );
    }
}
