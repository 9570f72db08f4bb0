//! The final artifact: the target's fine-tuned `model`, whose manifest also records where its
//! pre-trained parent came from (the chosen set, the strategy and the numbers behind it, or the
//! model given with `--from`), so every downstream stage takes it as any fine-tuned model.

use std::fmt;

use serde::{Deserialize, Serialize};
use tfbind_artifact::stage::{Input, Progress, Stage};
use tfbind_artifact::{Artifact, ArtifactBuilder, Kind};
use tfbind_finetune::{Error, FinetuneStage};

use crate::SetChoice;

/// Fine-tuning ([`FinetuneStage`]) with the provenance of its parent recorded.
#[derive(Debug, Clone)]
pub struct TransferModelStage {
    pub finetune: FinetuneStage,
    /// The choice the parent was pre-trained on; `None` for a parent given as it is.
    pub choice: Option<SetChoice>,
}

/// The model artifact's `summary.json`: fine-tuning's summary with the choice beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    #[serde(flatten)]
    pub finetune: tfbind_finetune::Summary,
    pub choice: Option<SetChoice>,
}

impl Stage for TransferModelStage {
    const SECTION: &'static str = "finetune";
    const OUTPUT: Kind = FinetuneStage::OUTPUT;
    const PIN_BEFORE_BUILD: bool = true;
    type Summary = ModelSummary;
    type Error = Error;

    fn is_usage(error: &Error) -> bool {
        FinetuneStage::is_usage(error)
    }

    fn inputs(&self) -> Vec<Input> {
        self.finetune.inputs()
    }

    /// Fine-tuning's parameters, and under `transfer` the choice: a different set is a
    /// different model even from an identical parent file.
    fn parameters(&self) -> Result<toml::Table, Error> {
        let mut table = self.finetune.parameters()?;
        let transfer = match &self.choice {
            Some(choice) => tfbind_artifact::to_table(choice)?,
            None => {
                let mut given = toml::Table::new();
                given.insert("pretrained".into(), "given".into());
                given
            }
        };
        table.insert("transfer".into(), transfer.into());
        Ok(table)
    }

    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> Result<ModelSummary, Error> {
        let finetune = self.finetune.build(artifacts, builder, progress)?;
        Ok(ModelSummary {
            finetune,
            choice: self.choice.clone(),
        })
    }
}

impl fmt::Display for ModelSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(choice) = &self.choice {
            write!(f, "{choice}")?;
        }
        write!(f, "{}", self.finetune)
    }
}
