//! The `[transfer]` section of a pipeline config: how the pre-training set is chosen and how
//! small its model is. The target's own dataset and fine-tuning follow the `[peaks]`,
//! `[negatives]`, `[encode]` and `[finetune]` sections, as `make finetune` does.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tfbind_encode::EncodeParams;

use crate::{Error, Result};

/// How the pre-training TFs are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChoiceStrategy {
    /// Co-binding when the target has at least `min_cobound` bound windows labelled for other
    /// TFs (outside its test windows), else JASPAR motif similarity.
    #[default]
    Auto,
    /// The most co-bound TFs, whatever the evidence.
    Cobinding,
    /// The TFs with the most similar JASPAR motifs (the native Tomtom).
    Motif,
    /// Co-bound and motif-similar TFs taken in turn (best co-bound first), each once.
    Combined,
}

impl fmt::Display for ChoiceStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Auto => "auto",
            Self::Cobinding => "cobinding",
            Self::Motif => "motif",
            Self::Combined => "combined",
        })
    }
}

/// The `[transfer]` section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransferParams {
    pub strategy: ChoiceStrategy,
    /// How many TFs the small model is pre-trained on (the paper's 5).
    pub k: usize,
    /// Only TFs with at least this many bound windows outside the target's test windows are
    /// candidates: a TF bound a handful of times is no task to pre-train on.
    pub min_bound: usize,
    /// `auto` chooses by co-binding only when the target has at least this many bound windows,
    /// outside its test windows, labelled for at least one candidate TF: below that the cosines
    /// rest on too few windows to rank TFs.
    pub min_cobound: usize,
    /// The JASPAR MEME file of motif similarity.
    pub motifs: PathBuf,
    /// Pre-train on at most this many windows (0: all): windows bound by a chosen TF first, the
    /// rest drawn at random.
    pub pretrain_windows: usize,
    /// Epochs of the small pre-training. Two by default: of the small pre-trainings measured
    /// that ran a third epoch, most kept an earlier one (validation loss rose at the third), and
    /// it costs about a quarter of the path's time (docs/results-experiment.md).
    pub pretrain_epochs: usize,
    /// Stop the small pre-training after this many epochs without a lower validation loss.
    pub pretrain_patience: Option<usize>,
    /// Pre-train on both strands (each window also reverse-complemented): twice the work per
    /// epoch, and the default since it lifted fine-tuned AUPRC by 0.02-0.15 on the targets it
    /// was tried on (docs/results-experiment.md), where more windows or epochs lifted it less
    /// for more time.
    pub pretrain_rc_augment: bool,
    /// A `model` artifact whose weights (all but the output layer) the small pre-training
    /// starts from instead of random ones: a generic model refined on the relevant TFs.
    pub pretrain_init: Option<PathBuf>,
    /// Stop fine-tuning after this many epochs without a lower validation loss, unless
    /// `[finetune]` sets its own patience: a few hundred windows are learnt in a few epochs,
    /// after which validation loss only rises (the kept epoch is the same unless it falls again).
    pub finetune_patience: Option<usize>,
}

impl Default for TransferParams {
    fn default() -> Self {
        Self {
            strategy: ChoiceStrategy::Auto,
            k: 5,
            min_bound: 300,
            min_cobound: 100,
            motifs: tfbind_motifs::default_database(),
            pretrain_windows: 20_000,
            pretrain_epochs: 2,
            pretrain_patience: Some(1),
            pretrain_rc_augment: true,
            pretrain_init: None,
            finetune_patience: Some(3),
        }
    }
}

impl TransferParams {
    /// The choice settings, with the split that says which windows are the target's test windows.
    pub fn choice(&self, split: &EncodeParams) -> ChoiceParams {
        ChoiceParams {
            strategy: self.strategy,
            k: self.k,
            min_bound: self.min_bound,
            min_cobound: self.min_cobound,
            motifs: self.motifs.clone(),
            split: split.clone(),
        }
    }

    /// Checks what can be checked before any data is read.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::Usage("[transfer] k must be at least 1".into()));
        }
        if self.pretrain_epochs == 0 {
            return Err(Error::Usage(
                "[transfer] pretrain_epochs must be at least 1".into(),
            ));
        }
        for (key, patience) in [
            ("pretrain_patience", self.pretrain_patience),
            ("finetune_patience", self.finetune_patience),
        ] {
            if patience == Some(0) {
                return Err(Error::Usage(format!(
                    "[transfer] {key} must be at least 1 (leave it out to train every epoch)"
                )));
            }
        }
        Ok(())
    }
}

/// How [`crate::choose_set`] chooses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceParams {
    pub strategy: ChoiceStrategy,
    pub k: usize,
    pub min_bound: usize,
    pub min_cobound: usize,
    pub motifs: PathBuf,
    /// The target dataset's split settings (`[encode]`): with a chromosome or hashed split, every
    /// window the split puts in test is left out of the choice.
    pub split: EncodeParams,
}

impl Default for ChoiceParams {
    fn default() -> Self {
        TransferParams::default().choice(&EncodeParams::default())
    }
}
