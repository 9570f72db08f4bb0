//! The training flags of the stage binaries (feature `cli`), flattened into their arguments:
//! [`TrainFlags`] set the training keys of the stage's config section (the fields are named as
//! the keys, and serialize only when given), [`RunArgs`] how the stage runs. The help of the
//! flags whose default differs between the stages is written from the stage's [`Defaults`].

use std::marker::PhantomData;

use serde::Serialize;
use tfbind_model::DeviceChoice;

use crate::options::TrainOptions;
use crate::stage::Runtime;

/// A training stage binary: its defaults, and what the help of the shared flags says of it alone.
pub trait Defaults {
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

/// The flags of the training keys ([`TrainSection`](crate::stage::TrainSection)).
#[derive(clap::Args, Serialize)]
#[serde(bound = "")]
pub struct TrainFlags<S: Defaults + 'static> {
    #[arg(long, value_name = "LR", help = format!(
        "Adam learning rate. [config: learning_rate; default: {}{}]",
        S::defaults().learning_rate, S::LEARNING_RATE_NOTE
    ))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    /// Windows per training step. [config: batch_size; default: 100]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<usize>,
    #[arg(long, value_name = "N", help = format!(
        "Maximum number of epochs. [config: epochs; default: {}]", S::defaults().epochs
    ))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<usize>,
    /// Stop after N epochs without a lower validation loss. [config: patience; default: none]
    #[arg(long, value_name = "N")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patience: Option<usize>,
    /// Train and validate on the forward strand only (default: both strands, each window also
    /// reverse-complemented, as the paper). [config: rc_augment = false]
    #[arg(long)]
    #[serde(
        rename = "rc_augment",
        skip_serializing_if = "std::ops::Not::not",
        serialize_with = "negated"
    )]
    pub no_rc_augment: bool,
    #[arg(long, value_name = "N", help = format!(
        "Seed of {}, window order and dropout. [config: seed; default: {}]",
        S::SEEDED_WEIGHTS, S::defaults().seed
    ))]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    #[arg(skip)]
    #[serde(skip)]
    stage: PhantomData<S>,
}

/// `--no-rc-augment` is `rc_augment = false`.
fn negated<Ser: serde::Serializer>(flag: &bool, s: Ser) -> Result<Ser::Ok, Ser::Error> {
    s.serialize_bool(!flag)
}

/// The flags of how a training stage runs ([`Runtime`]); none is a config key.
#[derive(clap::Args)]
pub struct RunArgs<S: Defaults + 'static> {
    /// Where to run: cpu, cuda or auto (a GPU when libtorch sees one).
    #[arg(long, value_name = "DEVICE", default_value = "auto")]
    pub device: DeviceChoice,
    #[arg(long, value_name = "N", default_value_t = S::EVAL_BATCH_SIZE, help = format!(
        "Windows per batch when computing validation loss and test predictions{}",
        S::EVAL_BATCH_SIZE_NOTE
    ))]
    pub eval_batch_size: usize,
    /// Discard checkpoints of an interrupted run instead of resuming from them.
    #[arg(long)]
    pub restart: bool,
    #[arg(skip)]
    stage: PhantomData<S>,
}

impl<S: Defaults> RunArgs<S> {
    pub fn runtime(&self) -> Runtime {
        Runtime {
            device: self.device,
            eval_batch_size: self.eval_batch_size,
            restart: self.restart,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    struct Quick;

    impl Defaults for Quick {
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
        train: TrainFlags<Quick>,
        #[command(flatten)]
        run: RunArgs<Quick>,
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
        let runtime = parse(&["--restart"]).run.runtime();
        assert_eq!((runtime.eval_batch_size, runtime.restart), (42, true));
        assert_eq!(runtime.device, DeviceChoice::Auto);
    }

    #[test]
    fn only_the_flags_given_become_config_keys() {
        let table = |args: &[&str]| toml::Table::try_from(&parse(args).train).unwrap();
        assert!(table(&[]).is_empty());
        let given = table(&["--seed", "9", "--no-rc-augment", "--learning-rate", "0.1"]);
        let expected: toml::Table =
            toml::from_str("seed = 9\nrc_augment = false\nlearning_rate = 0.1").unwrap();
        assert_eq!(given, expected);
    }
}
