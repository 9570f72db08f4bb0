//! Where a selection's scores table goes: beside its TF list.

use std::path::{Path, PathBuf};

/// Where the scores of the list at `list` are stored: `<list>.scores.tsv`.
pub fn scores_path(list: &Path) -> PathBuf {
    let mut name = list.as_os_str().to_owned();
    name.push(".scores.tsv");
    PathBuf::from(name)
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
