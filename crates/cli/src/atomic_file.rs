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

    /// Commits files that belong together (a list and its scores): every one is written out
    /// (flushed and synced) before any is renamed into place, so a failure to write one (a full
    /// disk) leaves all of them as they were.
    pub fn commit_all(mut files: Vec<AtomicFile>) -> anyhow::Result<()> {
        for file in &mut files {
            file.writer
                .flush()
                .and_then(|()| file.writer.get_ref().sync_all())
                .with_context(|| format!("cannot write {}", file.tmp.display()))?;
        }
        files.into_iter().try_for_each(AtomicFile::commit)
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

    #[cfg(target_os = "linux")]
    #[test]
    fn files_committed_together_appear_only_when_all_were_written() {
        let dir = tempfile::tempdir().unwrap();
        let (list, scores) = (dir.path().join("tfs.txt"), dir.path().join("scores.tsv"));
        std::fs::write(&list, "old\n").unwrap();
        let mut a = AtomicFile::create(&list).unwrap();
        writeln!(a.writer, "new").unwrap();
        let mut b = AtomicFile::create(&scores).unwrap();
        // The second file meets a full disk.
        b.writer = BufWriter::new(File::options().write(true).open("/dev/full").unwrap());
        writeln!(b.writer, "scores").unwrap();
        let e = AtomicFile::commit_all(vec![a, b]).unwrap_err();
        assert!(format!("{e:#}").contains("scores.tsv.tmp-"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&list).unwrap(), "old\n");
        assert!(!scores.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporaries removed"
        );

        let mut a = AtomicFile::create(&list).unwrap();
        writeln!(a.writer, "new").unwrap();
        let mut b = AtomicFile::create(&scores).unwrap();
        writeln!(b.writer, "scores").unwrap();
        AtomicFile::commit_all(vec![a, b]).unwrap();
        assert_eq!(std::fs::read_to_string(&list).unwrap(), "new\n");
        assert_eq!(std::fs::read_to_string(&scores).unwrap(), "scores\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("out.tsv");
        let message = format!("{:#}", AtomicFile::create(&path).err().unwrap());
        assert!(message.contains("missing"), "{message}");
    }
}
