//! The [finetune] section of a pipeline config, merged with the command-line flags.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tfbind_cli::UsageError;
use tfbind_model::{Architecture, HEAD};
use tfbind_train::stage::{Stage, TrainArgs, TrainSection};
use tfbind_train::TrainOptions;

/// tfbind-finetune, with the paper's fine-tuning defaults.
pub struct Finetune;

impl Stage for Finetune {
    fn defaults() -> TrainOptions {
        TrainOptions::fine_tuning()
    }
    const LEARNING_RATE_NOTE: &'static str = ", or 0.003 with --init scratch";
    const SEEDED_WEIGHTS: &'static str =
        "the new weights (the output layer, or all of them from scratch)";
    const EVAL_BATCH_SIZE: usize = 1000;
}

/// Where the weights start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Every weight but the output layer's from the pre-trained model.
    #[default]
    Pretrained,
    /// Random weights: the baseline that transfer learning is compared against.
    Scratch,
}

impl Init {
    pub fn name(self) -> &'static str {
        match self {
            Self::Pretrained => "pretrained",
            Self::Scratch => "scratch",
        }
    }

    /// The paper's learning rates: 0.0003 to fine-tune, 0.003 from scratch (as pre-training).
    fn default_learning_rate(self) -> f64 {
        match self {
            Self::Pretrained => TrainOptions::fine_tuning().learning_rate,
            Self::Scratch => TrainOptions::pretraining().learning_rate,
        }
    }
}

/// The flags of fine-tuning's own parameters (the training ones are [`TrainArgs`]).
#[derive(clap::Args)]
pub struct FinetuneArgs {
    /// Start from the pre-trained weights, or from random ones. [config: init; default: pretrained]
    #[arg(long, value_name = "FROM")]
    pub init: Option<Init>,
    /// Network of a scratch model without --pretrained: convnet-deep, convnet-shallow or danq
    /// (with a pre-trained model, it must be that model's). [config: architecture; default:
    /// the pre-trained model's, else convnet-deep]
    #[arg(long, value_name = "NAME")]
    pub architecture: Option<Architecture>,
    /// Blocks to keep fixed, comma-separated (see Blocks above; not head). An empty value
    /// freezes nothing. [config: freeze = [...]; default: none]
    #[arg(long, value_name = "BLOCKS")]
    pub freeze: Option<String>,
}

/// The [finetune] section; once resolved, also the parameters recorded in the model artifact
/// (then `architecture` and the training keys are set, and `freeze` is in network order), so the
/// artifact's config.toml is accepted by `--config` as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinetuneConfig {
    pub init: Init,
    /// Taken from the pre-trained model; only needed for `init = "scratch"` without one.
    pub architecture: Option<Architecture>,
    pub freeze: Vec<String>,
    /// An unset learning rate is by `init` (see [`Init::default_learning_rate`]).
    #[serde(flatten)]
    pub train: TrainSection,
}

impl FinetuneConfig {
    /// Defaults, then the config file's [finetune] section, then the flags.
    pub fn load(
        file: Option<&Path>,
        flags: &FinetuneArgs,
        train: &TrainArgs<Finetune>,
    ) -> anyhow::Result<Self> {
        let mut c: Self = tfbind_cli::load_params(file, "finetune")?;
        c.init = flags.init.unwrap_or(c.init);
        c.architecture = flags.architecture.or(c.architecture);
        if let Some(blocks) = &flags.freeze {
            c.freeze = blocks
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .collect();
        }
        c.train = train.over(c.train);
        Ok(c)
    }

    /// Fixes the architecture (the pre-trained model's, when there is one), the learning rate and
    /// the frozen blocks, and checks everything: the result is what the artifact records.
    pub fn resolve(mut self, parent: Option<Architecture>) -> Result<Self, UsageError> {
        let architecture = match (parent, self.architecture) {
            (Some(p), Some(asked)) if p != asked => {
                return Err(UsageError(format!(
                    "architecture {asked} was asked for, but the pre-trained model is {p}"
                )))
            }
            (Some(p), _) => p,
            (None, asked) => asked.unwrap_or_default(),
        };
        self.architecture = Some(architecture);
        let mut blocks = Vec::new();
        for name in &self.freeze {
            let block = architecture
                .block(name)
                .map_err(|e| UsageError(e.to_string()))?;
            if block.name == HEAD {
                return Err(UsageError(format!(
                    "cannot freeze '{HEAD}': the output layer is new and is what fine-tuning \
                     must learn"
                )));
            }
            blocks.push(block.name);
        }
        // Network order, once each: the same set of blocks is the same run.
        self.freeze = architecture
            .block_names()
            .into_iter()
            .filter(|b| blocks.contains(b))
            .map(str::to_string)
            .collect();
        self.train
            .resolve(self.defaults())
            .map_err(|e| UsageError(e.to_string()))?;
        Ok(self)
    }

    pub fn architecture(&self) -> Architecture {
        self.architecture.unwrap_or_default()
    }

    pub fn options(&self) -> TrainOptions {
        self.train.options(self.defaults())
    }

    fn defaults(&self) -> TrainOptions {
        TrainOptions {
            learning_rate: self.init.default_learning_rate(),
            ..Finetune::defaults()
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        own: FinetuneArgs,
        #[command(flatten)]
        train: TrainArgs<Finetune>,
    }

    fn load(file: &Path, args: &[&str]) -> anyhow::Result<FinetuneConfig> {
        let flags =
            Flags::parse_from(std::iter::once("tfbind-finetune").chain(args.iter().copied()));
        FinetuneConfig::load(Some(file), &flags.own, &flags.train)
    }

    #[test]
    fn learning_rate_defaults_by_init_and_architecture_follows_the_parent() {
        let c = FinetuneConfig::default()
            .resolve(Some(Architecture::DanQ))
            .unwrap();
        assert_eq!(c.train.learning_rate, Some(0.0003));
        assert_eq!(c.architecture, Some(Architecture::DanQ));
        assert_eq!((c.train.epochs, c.train.batch_size), (Some(10), Some(100)));
        let c = FinetuneConfig {
            init: Init::Scratch,
            ..Default::default()
        }
        .resolve(None)
        .unwrap();
        assert_eq!(c.train.learning_rate, Some(0.003));
        assert_eq!(c.architecture, Some(Architecture::ConvNetDeep));
    }

    #[test]
    fn freeze_is_checked_and_put_in_network_order() {
        let c = FinetuneConfig {
            freeze: vec!["conv2".into(), "conv1".into(), "conv2".into()],
            ..Default::default()
        };
        let r = c.clone().resolve(Some(Architecture::ConvNetDeep)).unwrap();
        assert_eq!(r.freeze, ["conv1", "conv2"]);
        let err = FinetuneConfig {
            freeze: vec!["conv3".into()],
            ..Default::default()
        }
        .resolve(Some(Architecture::DanQ))
        .unwrap_err();
        assert!(err.0.contains("conv1, lstm, fc1, head"), "{}", err.0);
        let err = FinetuneConfig {
            freeze: vec![HEAD.into()],
            ..Default::default()
        }
        .resolve(None)
        .unwrap_err();
        assert!(err.0.contains("cannot freeze 'head'"), "{}", err.0);
    }

    #[test]
    fn an_architecture_other_than_the_parents_is_refused() {
        let err = FinetuneConfig {
            architecture: Some(Architecture::DanQ),
            ..Default::default()
        }
        .resolve(Some(Architecture::ConvNetDeep))
        .unwrap_err();
        assert!(
            err.0.contains("danq") && err.0.contains("convnet-deep"),
            "{}",
            err.0
        );
    }

    #[test]
    fn flags_override_the_file_and_the_resolved_config_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.toml");
        std::fs::write(
            &file,
            "[finetune]\nepochs = 3\nfreeze = [\"conv1\"]\nlearning_rate = 0.01\n",
        )
        .unwrap();
        let c = load(&file, &["--freeze", "", "--epochs", "4"]).unwrap();
        assert_eq!(
            (c.train.epochs, c.train.learning_rate),
            (Some(4), Some(0.01))
        );
        assert!(c.freeze.is_empty());
        let resolved = c.resolve(None).unwrap();
        let mut section = toml::Table::new();
        section.insert(
            "finetune".into(),
            tfbind_artifact::to_table(&resolved).unwrap().into(),
        );
        std::fs::write(&file, toml::to_string(&section).unwrap()).unwrap();
        let back = load(&file, &[]).unwrap();
        assert_eq!(back, resolved);

        std::fs::write(&file, "[finetune]\nepoch = 3\n").unwrap();
        let err = load(&file, &[]).unwrap_err();
        assert!(err.to_string().contains("unknown field `epoch`"), "{err}");
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
    }
}
