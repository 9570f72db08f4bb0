//! Windows to leave out because another artifact holds them, e.g. a pre-training dataset's train
//! and validation windows, which a fine-tuned model's test data must not share.

use std::collections::HashSet;
use std::path::Path;

use tfbind_artifact::{Artifact, Kind};
use tfbind_dataset::{Dataset, Regions, Split, Window, Windows, DATASET, REGIONS, WINDOWS};

use crate::error::{Error, Result};

/// Window coordinates (chrom, start, end): artifacts name windows differently, so a window is the
/// same window wherever it is found when its coordinates are.
pub type Coordinates = (String, u64, u64);

/// The coordinates of a window.
pub fn coordinates(w: &Window) -> Coordinates {
    (w.chrom.clone(), w.start, w.end)
}

/// The kind of an artifact to exclude: a `regions` or `windows` artifact (all its windows are
/// left out) or a `dataset` artifact (the windows of the given splits).
pub fn kind(dir: &Path) -> Result<Kind> {
    let artifact = Artifact::open_unverified(dir)?;
    let found = artifact.manifest().kind.as_str();
    [REGIONS, WINDOWS, DATASET]
        .into_iter()
        .find(|k| k.name == found)
        .ok_or_else(|| Error::ExcludeKind {
            dir: dir.to_path_buf(),
            kind: found.to_string(),
        })
}

/// Adds the coordinates of the windows to exclude from `artifact` (of a [`kind`] it can be).
pub fn collect(
    artifact: &Artifact,
    splits: &[Split],
    into: &mut HashSet<Coordinates>,
) -> Result<()> {
    let kind = artifact.manifest().kind.as_str();
    if kind == REGIONS.name {
        into.extend(Regions::read(artifact)?.windows.iter().map(coordinates));
    } else if kind == WINDOWS.name {
        into.extend(Windows::read(artifact)?.windows.iter().map(coordinates));
    } else {
        let dataset = Dataset::read(artifact)?;
        into.extend(
            dataset
                .windows
                .iter()
                .zip(&dataset.split)
                .filter(|(_, s)| splits.contains(s))
                .map(|(w, _)| coordinates(w)),
        );
    }
    Ok(())
}
