//! The outputs of a selection: the TF list (the shared format of `tfbind_dataset::read_tf_list`)
//! and its scores table beside it.

use std::path::{Path, PathBuf};

use tfbind_artifact::AtomicFile;
use tfbind_dataset::write_tf_list;

use crate::{Result, Selection};

/// Where the scores of the list at `list` are stored: `<list>.scores.tsv`.
pub fn scores_path(list: &Path) -> PathBuf {
    let mut name = list.as_os_str().to_owned();
    name.push(".scores.tsv");
    PathBuf::from(name)
}

/// Writes the selection's TF list to `list` and its scores table beside it; returns the scores
/// path. The list goes last, so a list on disk always has its scores beside it.
pub fn write_outputs(selection: &Selection, list: &Path) -> Result<PathBuf> {
    let scores = scores_path(list);
    AtomicFile::write(&scores, selection.scores_tsv())?;
    write_tf_list(list, &selection.tfs())?;
    Ok(scores)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_sit_beside_the_list() {
        let path = Path::new("out/tfs.txt");
        assert_eq!(scores_path(path), Path::new("out/tfs.txt.scores.tsv"));
    }
}
