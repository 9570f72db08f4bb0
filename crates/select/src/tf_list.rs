//! A selection on disk: its TF list, and its scores table beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use tfbind_artifact::AtomicFile;

use crate::{Error, Result, Selection};

/// Where the scores of the list at `list` are stored: `<list>.scores.tsv`.
pub fn scores_path(list: &Path) -> PathBuf {
    let mut name = list.as_os_str().to_owned();
    name.push(".scores.tsv");
    PathBuf::from(name)
}

/// Writes the TF list of `selection` at `list` and its scores at [`scores_path`], under temporary
/// names renamed together once both are whole.
pub fn write(list: &Path, selection: &Selection) -> Result<()> {
    let tf_list = tfbind_dataset::tf_list_text(&selection.tfs());
    let files = [
        (list.to_path_buf(), tf_list),
        (scores_path(list), selection.scores_tsv()),
    ];
    let mut pending = Vec::new();
    for (path, text) in files {
        let mut file = AtomicFile::create(&path)?;
        let written = file.writer.write_all(text.as_bytes());
        written.map_err(|source| Error::Write { path, source })?;
        pending.push(file);
    }
    Ok(AtomicFile::commit_all(pending)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_sit_beside_the_list() {
        let path = Path::new("out/tfs.txt");
        assert_eq!(scores_path(path), Path::new("out/tfs.txt.scores.tsv"));
    }

    #[test]
    fn writes_the_list_and_its_scores_beside_it() {
        let selection = Selection {
            strategy: crate::Strategy::FewestNa,
            target: None,
            k: 1,
            exclude_target: true,
            seed: None,
            min_bound: 0,
            motifs: None,
            candidates: 2,
            chosen: vec![crate::Choice {
                rank: 1,
                tf: "JUND".into(),
                evidence: crate::Evidence::Labels {
                    na_windows: 3,
                    bound_windows: 7,
                },
            }],
            skipped: vec![],
        };
        let tmp = tempfile::tempdir().unwrap();
        let list = tmp.path().join("lists/tfs.txt");
        write(&list, &selection).unwrap();
        assert_eq!(std::fs::read_to_string(&list).unwrap(), "JUND\n");
        let scores = std::fs::read_to_string(scores_path(&list)).unwrap();
        assert_eq!(
            scores,
            "rank\ttf\tna_windows\tbound_windows\n1\tJUND\t3\t7\n"
        );
    }
}
