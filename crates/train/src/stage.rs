//! What the training stage binaries (tfbind-pretrain, tfbind-finetune) share: the training flags,
//! the training keys of their config sections, and the report of the training run. Each binary
//! adds the flags, keys and report fields of its own.

use std::fmt;
use std::marker::PhantomData;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tfbind_artifact::InputRef;
use tfbind_metrics::BinaryMetrics;
use tfbind_model::{artifact::KIND as MODEL, DeviceChoice};

use crate::error::Result;
use crate::options::TrainOptions;
use crate::run::RunOutcome;

/// A training stage binary: its defaults, and what the help of the shared flags says of it alone.
pub trait Stage {
    /// What the stage trains with where neither a flag nor its config section says otherwise.
    fn defaults() -> TrainOptions;
    /// Follows the default learning rate in `--help`.
    const LEARNING_RATE_NOTE: &'static str = "";
    /// The weights `--seed` draws, besides window order and dropout.
    const SEEDED_WEIGHTS: &'static str;
    /// `--eval-batch-size`'s default.
    const EVAL_BATCH_SIZE: usize;
    /// Follows `--eval-batch-size`'s help.
    const EVAL_BATCH_SIZE_NOTE: &'static str = "";
}

/// The training flags, flattened into a stage binary's arguments (`#[command(flatten)]`). The
/// help of those whose default differs between the stages is written from `S`.
#[derive(clap::Args)]
pub struct TrainArgs<S: Stage> {
    #[arg(long, value_name = "LR", help = format!(
        "Adam learning rate. [config: learning_rate; default: {}{}]",
        S::defaults().learning_rate, S::LEARNING_RATE_NOTE
    ))]
    pub learning_rate: Option<f64>,
    /// Windows per training step. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    #[arg(long, value_name = "N", help = format!(
        "Maximum number of epochs. [config: epochs; default: {}]", S::defaults().epochs
    ))]
    pub epochs: Option<usize>,
    /// Stop after N epochs without a lower validation loss. [config: patience; default: none]
    #[arg(long, value_name = "N")]
    pub patience: Option<usize>,
    /// Train and validate on the forward strand only (default: both strands, each window also
    /// reverse-complemented, as the paper). [config: rc_augment = false]
    #[arg(long)]
    pub no_rc_augment: bool,
    #[arg(long, value_name = "N", help = format!(
        "Seed of {}, window order and dropout. [config: seed; default: {}]",
        S::SEEDED_WEIGHTS, S::defaults().seed
    ))]
    pub seed: Option<u64>,
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub device: DeviceChoice,
    #[arg(long, value_name = "N", default_value_t = S::EVAL_BATCH_SIZE, help = format!(
        "Windows per batch when computing validation loss and test predictions{}",
        S::EVAL_BATCH_SIZE_NOTE
    ))]
    pub eval_batch_size: usize,
    /// Retrain even if the model is up to date.
    #[arg(long)]
    pub force: bool,
    /// Discard checkpoints of an interrupted run instead of resuming from them.
    #[arg(long)]
    pub restart: bool,
    #[arg(skip)]
    stage: PhantomData<S>,
}

impl<S: Stage> TrainArgs<S> {
    /// The training keys of a config section with the flags given put over them.
    pub fn over(&self, section: TrainSection) -> TrainSection {
        TrainSection {
            learning_rate: self.learning_rate.or(section.learning_rate),
            batch_size: self.batch_size.or(section.batch_size),
            epochs: self.epochs.or(section.epochs),
            patience: self.patience.or(section.patience),
            rc_augment: if self.no_rc_augment {
                Some(false)
            } else {
                section.rc_augment
            },
            seed: self.seed.or(section.seed),
        }
    }

    /// Whether the model at `out` can stay: made from the same inputs with the same parameters,
    /// and no --force.
    pub fn up_to_date(&self, out: &Path, parameters: &toml::Table, inputs: &[InputRef]) -> bool {
        let fresh =
            !self.force && tfbind_artifact::up_to_date(out, MODEL, parameters, inputs).is_some();
        if fresh {
            tracing::info!(out = %out.display(), "up to date: same inputs and parameters");
        }
        fresh
    }
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

/// A training stage's summary (`--json`): the model written, or that it was up to date.
#[derive(Serialize)]
pub struct Report<'a, T> {
    out: &'a Path,
    up_to_date: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    training: Option<T>,
}

impl<'a, T> Report<'a, T> {
    /// The summary of a model left as it was, and its text.
    pub fn up_to_date(out: &'a Path) -> (Self, String) {
        let text = format!(
            "{} is up to date; nothing to do (--force retrains it)",
            out.display()
        );
        let report = Self {
            out,
            up_to_date: true,
            training: None,
        };
        (report, text)
    }

    pub fn trained(out: &'a Path, training: T) -> Self {
        Self {
            out,
            up_to_date: false,
            training: Some(training),
        }
    }
}

/// How the training went, `#[serde(flatten)]`ed into a stage's report; shown as `kept epoch …`.
#[derive(Debug, Clone, Serialize)]
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

/// One task's test metrics in a stage's report.
#[derive(Debug, Clone, Serialize)]
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

/// A metric as the reports' text shows it: three decimals, or NA where it is undefined.
pub fn fmt_metric(value: Option<f64>) -> String {
    value.map_or_else(|| "NA".into(), |v| format!("{v:.3}"))
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    struct Quick;

    impl Stage for Quick {
        fn defaults() -> TrainOptions {
            TrainOptions {
                epochs: 7,
                ..TrainOptions::pretraining()
            }
        }
        const LEARNING_RATE_NOTE: &'static str = ", or else";
        const SEEDED_WEIGHTS: &'static str = "the weights";
        const EVAL_BATCH_SIZE: usize = 42;
    }

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        train: TrainArgs<Quick>,
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("quick").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn help_states_the_stages_own_defaults() {
        let help = Cli::command().term_width(1000).render_help().to_string();
        for part in [
            "[config: learning_rate; default: 0.003, or else]",
            "[config: epochs; default: 7]",
            "Seed of the weights, window order and dropout. [config: seed; default: 1]",
            "[default: 42]",
        ] {
            assert!(help.contains(part), "{part} in\n{help}");
        }
        assert_eq!(parse(&[]).train.eval_batch_size, 42);
    }

    #[test]
    fn flags_go_over_the_section_and_defaults_fill_the_rest() {
        let file = TrainSection {
            epochs: Some(3),
            seed: Some(5),
            rc_augment: Some(true),
            ..Default::default()
        };
        let mut section = parse(&["--seed", "9", "--no-rc-augment"])
            .train
            .over(file.clone());
        let options = section.resolve(Quick::defaults()).unwrap();
        assert_eq!((options.epochs, options.seed), (3, 9));
        assert!(!options.rc_augment);
        assert_eq!(section.batch_size, Some(100));
        assert_eq!(section.patience, None);
        assert_eq!(parse(&[]).train.over(file.clone()), file);

        let mut bad = TrainSection {
            patience: Some(0),
            ..file
        };
        assert!(bad.resolve(Quick::defaults()).is_err());
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
    fn run_summary_text() {
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
        assert_eq!(
            (fmt_metric(None), fmt_metric(Some(0.5))),
            ("NA".into(), "0.500".into())
        );
    }
}
