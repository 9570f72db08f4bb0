//! Output files that are complete or absent.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::builder::{remove_stale_temporaries, split_target, temp_prefix};
use crate::error::{Error, Result};

/// A file written under a temporary name beside its path and renamed into place by
/// [`commit`](Self::commit), which first syncs the file and afterwards its directory, so that
/// neither a failed run nor a crash leaves a half-written file at the path, and an earlier file
/// there stays as it was until the new one is whole.
///
/// The temporary file is removed when the `AtomicFile` is dropped uncommitted (an error, a
/// panic); one left by a killed process is removed by the next `AtomicFile` for the same path on
/// the same host. The file is created like [`File::create`] creates files, so its mode follows
/// the user's umask (0644 under umask 022), as a second user or a cluster job reading it expects.
/// A second `AtomicFile` for a path that one of the same process is still writing is refused.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    /// Where the contents go.
    pub writer: BufWriter<File>,
}

impl AtomicFile {
    /// Starts writing `path`, making its directory when missing (as [`crate::ArtifactBuilder`]
    /// does for an artifact).
    pub fn create(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let (parent, name) = split_target(&path)?;
        std::fs::create_dir_all(&parent).map_err(Error::io(&parent))?;
        remove_stale_temporaries(&parent, &name);
        let tmp = temporary_path(&parent, &name);
        // Mode 0666 before the umask, as `File::create`.
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(Error::io(&tmp))?;
        Ok(Self {
            path,
            tmp,
            writer: BufWriter::new(file),
        })
    }

    /// Writes `contents` to `path` atomically: the counterpart of [`std::fs::write`].
    pub fn write(path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> Result<()> {
        let mut file = Self::create(path)?;
        file.writer
            .write_all(contents.as_ref())
            .map_err(Error::io(&file.tmp))?;
        file.commit()
    }

    /// Flushes and syncs the contents, renames the file into place and syncs its directory, so
    /// that after a crash the path holds either the old file or the whole new one.
    pub fn commit(mut self) -> Result<()> {
        self.write_out()?;
        let parent = self.rename_into_place()?;
        sync_dir(&parent)
    }

    /// Commits files that belong together (a list and its scores): every one is written out
    /// (flushed and synced) before any is renamed into place, so a failure to write one (a full
    /// disk) leaves all of them as they were. Each directory is synced once, after the renames.
    pub fn commit_all(mut files: Vec<AtomicFile>) -> Result<()> {
        for file in &mut files {
            file.write_out()?;
        }
        let mut dirs: Vec<PathBuf> = Vec::new();
        for file in files {
            let parent = file.rename_into_place()?;
            if !dirs.contains(&parent) {
                dirs.push(parent);
            }
        }
        dirs.iter().try_for_each(|dir| sync_dir(dir))
    }

    fn write_out(&mut self) -> Result<()> {
        self.writer
            .flush()
            .and_then(|()| self.writer.get_ref().sync_all())
            .map_err(Error::io(&self.tmp))
    }

    /// Renames the written-out file to its path, returning the directory to sync.
    fn rename_into_place(self) -> Result<PathBuf> {
        std::fs::rename(&self.tmp, &self.path).map_err(Error::io(&self.path))?;
        let (parent, _) = split_target(&self.path)?;
        Ok(parent)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // After a successful commit the temporary name no longer exists.
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Where an `AtomicFile` named `name` in `parent` is written before its rename.
pub(crate) fn temporary_path(parent: &Path, name: &str) -> PathBuf {
    parent.join(format!("{}{}", temp_prefix(name), std::process::id()))
}

/// Syncs a directory's entries, so that a rename into it outlives a crash. File systems that
/// cannot sync a directory (some network and FUSE ones) say so with EINVAL; there the rename is
/// as durable as they make it, and refusing the write would help nobody.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.kind() != std::io::ErrorKind::InvalidInput => Err(Error::Io {
            path: dir.to_path_buf(),
            source: e,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
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
        assert!(e.to_string().contains("scores.tsv.tmp-"), "{e}");
        assert_eq!(std::fs::read_to_string(&list).unwrap(), "old\n");
        assert!(!scores.exists());
        assert_eq!(names(dir.path()), ["tfs.txt"], "temporaries removed");

        let mut a = AtomicFile::create(&list).unwrap();
        writeln!(a.writer, "new").unwrap();
        let mut b = AtomicFile::create(&scores).unwrap();
        writeln!(b.writer, "scores").unwrap();
        AtomicFile::commit_all(vec![a, b]).unwrap();
        assert_eq!(std::fs::read_to_string(&list).unwrap(), "new\n");
        assert_eq!(std::fs::read_to_string(&scores).unwrap(), "scores\n");
        assert_eq!(names(dir.path()), ["scores.tsv", "tfs.txt"]);
    }

    #[test]
    fn the_file_appears_only_when_committed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tsv");
        std::fs::write(&path, "old\n").unwrap();

        let mut dropped = AtomicFile::create(&path).unwrap();
        writeln!(dropped.writer, "half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        assert_eq!(names(dir.path()), ["out.tsv"]);

        let mut file = AtomicFile::create(&path).unwrap();
        writeln!(file.writer, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        // No temporary file is left beside it.
        assert_eq!(names(dir.path()), ["out.tsv"]);

        AtomicFile::write(&path, "whole\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole\n");
        assert_eq!(names(dir.path()), ["out.tsv"]);
    }

    #[test]
    fn an_unwritable_place_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let made = dir.path().join("made/sub/out.tsv");
        AtomicFile::write(&made, "x").unwrap();
        assert_eq!(std::fs::read_to_string(&made).unwrap(), "x");
        // A regular file where the directory should be.
        std::fs::write(dir.path().join("file"), "x").unwrap();
        let path = dir.path().join("file").join("out.tsv");
        let e = AtomicFile::create(&path).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert!(e.to_string().contains("file"), "{e}");
    }

    #[test]
    fn a_failed_rename_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory at the path: the rename onto it fails.
        let path = dir.path().join("out");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("keep"), "x").unwrap();
        let e = AtomicFile::write(&path, "new").unwrap_err();
        assert!(e.to_string().contains("out"), "{e}");
        assert_eq!(names(dir.path()), ["out"]);
        assert_eq!(names(&path), ["keep"]);
    }

    #[test]
    fn a_second_writer_of_the_same_path_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tsv");
        let mut first = AtomicFile::create(&path).unwrap();
        let e = AtomicFile::create(&path).unwrap_err();
        assert!(e.to_string().contains(".out.tsv.tmp-"), "{e}");
        writeln!(first.writer, "first").unwrap();
        first.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first\n");
    }

    #[test]
    fn the_temporary_file_of_a_dead_process_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.tsv");
        // pid 4194304 is above Linux's pid_max limit, so no live process has it.
        let stale = dir
            .path()
            .join(format!("{}4194304", temp_prefix("out.tsv")));
        std::fs::write(&stale, "half").unwrap();
        AtomicFile::write(&path, "new").unwrap();
        assert_eq!(names(dir.path()), ["out.tsv"]);
    }

    /// The only test of this crate that changes the process's umask (tests run on threads of one
    /// process, so a second one could race with it).
    #[test]
    fn files_and_artifacts_follow_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        for (umask, file, directory) in [
            (0o022, 0o644, 0o755),
            (0o027, 0o640, 0o750),
            (0o002, 0o664, 0o775),
        ] {
            let path = dir.path().join(format!("{umask:o}.txt"));
            let target = dir.path().join(format!("{umask:o}.artifact"));
            // SAFETY: umask only swaps the process's file creation mask.
            let old = unsafe { libc::umask(umask) };
            let written = AtomicFile::write(&path, "x").and_then(|()| {
                let builder = crate::ArtifactBuilder::new(
                    &target,
                    crate::kinds::REGIONS,
                    Default::default(),
                    vec![],
                )?;
                std::fs::write(builder.path("data.txt"), "x").unwrap();
                builder.commit()
            });
            unsafe { libc::umask(old) };
            written.unwrap();
            assert_eq!(mode(&path), file, "umask {umask:03o}");
            assert_eq!(mode(&target.join(crate::MANIFEST_FILE)), file);
            assert_eq!(mode(&target.join("data.txt")), file);
            assert_eq!(mode(&target), directory);
        }
    }
}
