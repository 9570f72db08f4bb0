//! The TF list file: one TF name per line, `\n`-terminated, no header. It is what
//! tfbind-negatives and tfbind-pretrain take as a list of tasks, and what a Slurm job array reads
//! one line of per task.

use std::path::Path;

use tfbind_artifact::AtomicFile;

use crate::error::{Error, Result};

/// Writes the TF list atomically ([`AtomicFile`]), so a reader (or a killed run) never sees half
/// a list.
pub fn write_tf_list(path: &Path, tfs: &[&str]) -> Result<()> {
    let mut text = String::new();
    for tf in tfs {
        text.push_str(tf);
        text.push('\n');
    }
    Ok(AtomicFile::write(path, text)?)
}

/// Reads a TF list. Surrounding whitespace and blank lines are ignored, so a hand-edited list
/// works; a name with whitespace inside, or listed twice, is an error naming its line.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("tfs.txt");
/// tfbind_dataset::write_tf_list(&path, &["JUN", "FOSL1"]).unwrap();
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

    #[test]
    fn atomic_writes_replace_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/tfs.txt");
        write_tf_list(&path, &["A", "B"]).unwrap();
        write_tf_list(&path, &["C"]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "C\n");
        let entries: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["tfs.txt"]);
    }

    #[test]
    fn a_failed_write_names_the_list_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory where the list would go makes the rename fail.
        let blocked = dir.path().join("tfs.txt");
        std::fs::create_dir(&blocked).unwrap();
        std::fs::write(blocked.join("x"), "").unwrap();
        let e = write_tf_list(&blocked, &["B"]).unwrap_err().to_string();
        assert!(e.contains("tfs.txt"), "{e}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
