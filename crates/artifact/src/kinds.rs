//! Every artifact kind tfbind writes, with the schema version this build reads and writes.
//!
//! The stage crates name their kinds from here, so that `tfbind-artifact verify` and the readers
//! agree on which kinds and versions exist: an artifact `verify` calls ok is one a reader accepts.

use crate::Kind;

/// Windows and their label matrix for every TF (tfbind-peaks).
pub const REGIONS: Kind = Kind::new("regions", 1);
/// The labelled windows chosen for one dataset (tfbind-negatives).
pub const WINDOWS: Kind = Kind::new("windows", 1);
/// Encoded sequences, labels and split, ready for training (tfbind-encode).
pub const DATASET: Kind = Kind::new("dataset", 1);
/// A trained model (tfbind-pretrain, tfbind-finetune).
pub const MODEL: Kind = Kind::new("model", 1);
/// Motifs learned by a model and their matches (tfbind-interpret).
pub const MOTIFS: Kind = Kind::new("motifs", 2);
/// Variant effects scored by models (tfbind-variants).
pub const VARIANTS: Kind = Kind::new("variants", 1);
/// One epoch's checkpoint of a training run, beside its output (tfbind-train).
pub const CHECKPOINT: Kind = Kind::new("checkpoint", 1);

/// The kinds above, in pipeline order.
pub const KNOWN: [Kind; 7] = [
    REGIONS, WINDOWS, DATASET, MODEL, MOTIFS, VARIANTS, CHECKPOINT,
];

impl Kind {
    /// The known kind of that name, as this build reads it.
    pub fn known(name: &str) -> Option<Kind> {
        KNOWN.into_iter().find(|k| k.name == name)
    }
}
