//! Output files that are complete or absent.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

/// A file written under a temporary name beside its path and renamed into place by
/// [`AtomicFile::commit`]: a run that fails or is killed leaves no half-written output (at most
/// the temporary file of a killed run, named `PATH.tmp-PID`), and an earlier file at the path
/// stays as it was until the new one is whole.
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    /// Where the contents go.
    pub writer: BufWriter<File>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp-{}", std::process::id()));
        let tmp = PathBuf::from(tmp);
        let file =
            File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        Ok(Self {
            path: path.to_path_buf(),
            tmp,
            writer: BufWriter::new(file),
        })
    }

    /// Flushes the contents and renames the file into place.
    pub fn commit(mut self) -> anyhow::Result<()> {
        self.writer
            .flush()
            .with_context(|| format!("cannot write {}", self.tmp.display()))?;
        std::fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("cannot rename to {}", self.path.display()))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // After a successful commit the temporary name no longer exists.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tsv");
        std::fs::write(&path, "old\n").unwrap();

        let mut dropped = AtomicFile::create(&path).unwrap();
        writeln!(dropped.writer, "half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");

        let mut file = AtomicFile::create(&path).unwrap();
        writeln!(file.writer, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        // No temporary file is left beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.tsv");
        let message = format!("{:#}", AtomicFile::create(&path).err().unwrap());
        assert!(message.contains("missing"), "{message}");
    }
}
