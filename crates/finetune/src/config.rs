//! The [finetune] section of a pipeline config: what fine-tuning starts from and trains.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfbind_model::{Architecture, HEAD};
use tfbind_train::stage::TrainSection;
use tfbind_train::TrainOptions;

use crate::{Error, Result};

/// Where the weights start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Init {
    /// Every weight but the output layer's from the pre-trained model.
    #[default]
    Pretrained,
    /// Random weights: the baseline that transfer learning is compared against.
    Scratch,
}

impl Init {
    /// The paper's learning rates: 0.0003 to fine-tune, 0.003 from scratch (as pre-training).
    fn default_learning_rate(self) -> f64 {
        match self {
            Self::Pretrained => TrainOptions::fine_tuning().learning_rate,
            Self::Scratch => TrainOptions::pretraining().learning_rate,
        }
    }
}

impl fmt::Display for Init {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pretrained => "pretrained",
            Self::Scratch => "scratch",
        })
    }
}

/// The [finetune] section; once resolved, also the parameters recorded in the model artifact
/// (then `architecture` and the training keys are set, and `freeze` is in network order), so the
/// artifact's config.toml is accepted by `--config` as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinetuneParams {
    pub init: Init,
    /// Taken from the pre-trained model; only needed for `init = "scratch"` without one.
    pub architecture: Option<Architecture>,
    /// Blocks kept fixed; blank names are none (`--freeze ""` freezes nothing).
    pub freeze: Vec<String>,
    /// An unset learning rate is by `init` (see [`Init::default_learning_rate`]).
    #[serde(flatten)]
    pub train: TrainSection,
}

impl FinetuneParams {
    /// Fixes the architecture (the pre-trained model's, when there is one), the learning rate and
    /// the frozen blocks, and checks everything: the result is what the artifact records.
    pub fn resolve(mut self, parent: Option<Architecture>) -> Result<Self> {
        let architecture = match (parent, self.architecture) {
            (Some(parent), Some(asked)) if parent != asked => {
                return Err(Error::OtherArchitecture { asked, parent })
            }
            (Some(p), _) => p,
            (None, asked) => asked.unwrap_or_default(),
        };
        self.architecture = Some(architecture);
        let mut blocks = Vec::new();
        for name in self
            .freeze
            .iter()
            .map(|b| b.trim())
            .filter(|b| !b.is_empty())
        {
            let block = architecture.block(name).map_err(Error::Block)?;
            if block.name == HEAD {
                return Err(Error::FreezeHead);
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
        self.train.resolve(self.defaults())?;
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
            ..TrainOptions::fine_tuning()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The section of `file` with `flags` (config keys) put over it, as the binary resolves it.
    fn load(file: &Path, flags: &str) -> std::result::Result<FinetuneParams, String> {
        let flags: toml::Table = toml::from_str(flags).unwrap();
        tfbind_cli::resolve(Some(file), "finetune", flags).map_err(|e| e.0)
    }

    #[test]
    fn learning_rate_defaults_by_init_and_architecture_follows_the_parent() {
        let c = FinetuneParams::default()
            .resolve(Some(Architecture::DanQ))
            .unwrap();
        assert_eq!(c.train.learning_rate, Some(0.0003));
        assert_eq!(c.architecture, Some(Architecture::DanQ));
        assert_eq!((c.train.epochs, c.train.batch_size), (Some(10), Some(100)));
        let c = FinetuneParams {
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
        let c = FinetuneParams {
            freeze: vec!["conv2".into(), " conv1".into(), "conv2".into(), "".into()],
            ..Default::default()
        };
        let r = c.clone().resolve(Some(Architecture::ConvNetDeep)).unwrap();
        assert_eq!(r.freeze, ["conv1", "conv2"]);
        let err = FinetuneParams {
            freeze: vec!["conv3".into()],
            ..Default::default()
        }
        .resolve(Some(Architecture::DanQ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("conv1, lstm, fc1, head"), "{err}");
        let err = FinetuneParams {
            freeze: vec![HEAD.into()],
            ..Default::default()
        }
        .resolve(None)
        .unwrap_err()
        .to_string();
        assert!(err.contains("cannot freeze 'head'"), "{err}");
    }

    #[test]
    fn an_architecture_other_than_the_parents_is_refused() {
        let err = FinetuneParams {
            architecture: Some(Architecture::DanQ),
            ..Default::default()
        }
        .resolve(Some(Architecture::ConvNetDeep))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("danq") && err.contains("convnet-deep"),
            "{err}"
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
        let c = load(&file, "freeze = [\"\"]\nepochs = 4").unwrap();
        assert_eq!(
            (c.train.epochs, c.train.learning_rate),
            (Some(4), Some(0.01))
        );
        let resolved = c.resolve(None).unwrap();
        assert!(resolved.freeze.is_empty());
        let mut section = toml::Table::new();
        section.insert(
            "finetune".into(),
            tfbind_artifact::to_table(&resolved).unwrap().into(),
        );
        std::fs::write(&file, toml::to_string(&section).unwrap()).unwrap();
        let back = load(&file, "").unwrap();
        assert_eq!(back, resolved);

        std::fs::write(&file, "[finetune]\nepoch = 3\n").unwrap();
        let err = load(&file, "").unwrap_err();
        assert!(err.contains(":2: [finetune] key `epoch`"), "{err}");
        assert!(
            err.contains("unknown key `epoch` (valid keys: architecture, batch_size, epochs,"),
            "{err}"
        );
    }
}
