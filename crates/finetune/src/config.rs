//! The [finetune] section of a pipeline config, merged with the command-line flags.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tfbind_cli::UsageError;
use tfbind_model::{Architecture, HEAD};
use tfbind_train::TrainOptions;

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

/// The [finetune] section; once resolved, also the parameters recorded in the model artifact
/// (then `learning_rate` and `architecture` are always set, and `freeze` is in network order),
/// so the artifact's config.toml is accepted by `--config` as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FinetuneConfig {
    pub init: Init,
    /// Taken from the pre-trained model; only needed for `init = "scratch"` without one.
    pub architecture: Option<Architecture>,
    pub freeze: Vec<String>,
    /// Unset: by `init` (see [`Init::default_learning_rate`]).
    pub learning_rate: Option<f64>,
    pub batch_size: usize,
    pub epochs: usize,
    pub patience: Option<usize>,
    pub rc_augment: bool,
    pub seed: u64,
}

impl Default for FinetuneConfig {
    fn default() -> Self {
        let o = TrainOptions::fine_tuning();
        Self {
            init: Init::Pretrained,
            architecture: None,
            freeze: Vec::new(),
            learning_rate: None,
            batch_size: o.batch_size,
            epochs: o.epochs,
            patience: o.patience,
            rc_augment: o.rc_augment,
            seed: o.seed,
        }
    }
}

/// What the command line says about the parameters (each `None` leaves the config's value).
pub struct Overrides {
    pub init: Option<Init>,
    pub architecture: Option<Architecture>,
    pub freeze: Option<String>,
    pub learning_rate: Option<f64>,
    pub batch_size: Option<usize>,
    pub epochs: Option<usize>,
    pub patience: Option<usize>,
    pub no_rc_augment: bool,
    pub seed: Option<u64>,
}

impl FinetuneConfig {
    /// Defaults, then the config file's [finetune] section, then the flags.
    pub fn load(file: Option<&Path>, flags: Overrides) -> anyhow::Result<Self> {
        let section: toml::Table = tfbind_cli::load_section(file, "finetune")?;
        let mut c = Self::deserialize(toml::Value::Table(section)).map_err(|e| {
            let file = file.unwrap_or(Path::new("")).display();
            UsageError(format!("{file}: in [finetune]: {}", e.message()))
        })?;
        if let Some(init) = flags.init {
            c.init = init;
        }
        if flags.architecture.is_some() {
            c.architecture = flags.architecture;
        }
        if let Some(blocks) = flags.freeze {
            c.freeze = blocks
                .split(',')
                .map(str::trim)
                .filter(|b| !b.is_empty())
                .map(str::to_string)
                .collect();
        }
        if flags.learning_rate.is_some() {
            c.learning_rate = flags.learning_rate;
        }
        if let Some(b) = flags.batch_size {
            c.batch_size = b;
        }
        if let Some(e) = flags.epochs {
            c.epochs = e;
        }
        if flags.patience.is_some() {
            c.patience = flags.patience;
        }
        if flags.no_rc_augment {
            c.rc_augment = false;
        }
        if let Some(s) = flags.seed {
            c.seed = s;
        }
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
        self.learning_rate = Some(
            self.learning_rate
                .unwrap_or_else(|| self.init.default_learning_rate()),
        );
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
        self.options()
            .validate()
            .map_err(|e| UsageError(e.to_string()))?;
        Ok(self)
    }

    pub fn architecture(&self) -> Architecture {
        self.architecture.unwrap_or_default()
    }

    pub fn options(&self) -> TrainOptions {
        TrainOptions {
            learning_rate: self
                .learning_rate
                .unwrap_or_else(|| self.init.default_learning_rate()),
            batch_size: self.batch_size,
            epochs: self.epochs,
            patience: self.patience,
            rc_augment: self.rc_augment,
            seed: self.seed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Overrides {
        Overrides {
            init: None,
            architecture: None,
            freeze: None,
            learning_rate: None,
            batch_size: None,
            epochs: None,
            patience: None,
            no_rc_augment: false,
            seed: None,
        }
    }

    #[test]
    fn learning_rate_defaults_by_init_and_architecture_follows_the_parent() {
        let c = FinetuneConfig::default()
            .resolve(Some(Architecture::DanQ))
            .unwrap();
        assert_eq!(c.learning_rate, Some(0.0003));
        assert_eq!(c.architecture, Some(Architecture::DanQ));
        assert_eq!((c.epochs, c.batch_size), (10, 100));
        let c = FinetuneConfig {
            init: Init::Scratch,
            ..Default::default()
        }
        .resolve(None)
        .unwrap();
        assert_eq!(c.learning_rate, Some(0.003));
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
        let c = FinetuneConfig::load(
            Some(&file),
            Overrides {
                freeze: Some(String::new()),
                epochs: Some(4),
                ..none()
            },
        )
        .unwrap();
        assert_eq!((c.epochs, c.learning_rate), (4, Some(0.01)));
        assert!(c.freeze.is_empty());
        let resolved = c.resolve(None).unwrap();
        let mut section = toml::Table::new();
        section.insert(
            "finetune".into(),
            tfbind_artifact::to_table(&resolved).unwrap().into(),
        );
        std::fs::write(&file, toml::to_string(&section).unwrap()).unwrap();
        let back = FinetuneConfig::load(Some(&file), none()).unwrap();
        assert_eq!(back, resolved);

        std::fs::write(&file, "[finetune]\nepoch = 3\n").unwrap();
        let err = FinetuneConfig::load(Some(&file), none()).unwrap_err();
        assert!(err.to_string().contains("epoch"), "{err}");
    }
}
