//! The TF list file: one TF name per line, `\n`-terminated, no header. It is what
//! tfbind-negatives and tfbind-pretrain take as a list of tasks, and what a Slurm job array reads
//! one line of per task.

use std::path::Path;

use crate::error::{Error, Result};

/// The text of a TF list of `tfs`.
pub fn tf_list_text(tfs: &[&str]) -> String {
    tfs.iter().map(|tf| format!("{tf}\n")).collect()
}

/// Reads a TF list. Surrounding whitespace and blank lines are ignored, so a hand-edited list
/// works; a name with whitespace inside, or listed twice, is an error naming its line.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("tfs.txt");
/// std::fs::write(&path, tfbind_dataset::tf_list_text(&["JUN", "FOSL1"])).unwrap();
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "JUN\nFOSL1\n");
/// assert_eq!(tfbind_dataset::read_tf_list(&path).unwrap(), ["JUN", "FOSL1"]);
/// ```
pub fn read_tf_list(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    let mut tfs: Vec<String> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let name = line.trim();
        let bad = |message: String| Error::Line {
            path: path.to_path_buf(),
            line: i + 1,
            message,
        };
        if name.is_empty() {
            continue;
        }
        if name.contains(char::is_whitespace) {
            return Err(bad(format!("{name:?}: one TF name per line")));
        }
        if tfs.iter().any(|t| t == name) {
            return Err(bad(format!("{name} is listed twice")));
        }
        tfs.push(name.to_string());
    }
    Ok(tfs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_names_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfs.txt");
        std::fs::write(&path, "JUN\r\n\n  FOS \n").unwrap();
        assert_eq!(read_tf_list(&path).unwrap(), ["JUN", "FOS"]);
        std::fs::write(&path, "JUN\nFOS\nJUN\n").unwrap();
        let e = read_tf_list(&path).unwrap_err().to_string();
        assert!(e.ends_with("tfs.txt:3: JUN is listed twice"), "{e}");
        std::fs::write(&path, "JUN FOS\n").unwrap();
        assert!(read_tf_list(&path).unwrap_err().to_string().contains(":1:"));
    }
}
