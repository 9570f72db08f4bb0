use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::atomic::{sync_dir, AtomicFile};
use crate::checksum::sha256_file;
use crate::error::{Error, Result};
use crate::manifest::{FileEntry, InputRef, Manifest, MANIFEST_FILE};
use crate::{Artifact, Kind, TFBIND_VERSION};

/// Builds an artifact in a temporary directory beside its target and renames it into place on
/// [`commit`](Self::commit). Dropped without committing (an error, a panic), it removes its
/// temporary directory; a killed process leaves one behind, which the next builder for the same
/// target on the same host removes.
#[derive(Debug)]
pub struct ArtifactBuilder {
    target: PathBuf,
    tmp: PathBuf,
    kind: Kind,
    parameters: toml::Table,
    inputs: Vec<InputRef>,
    /// The directories made for the target's parent, deepest first: removed again (when empty)
    /// if nothing is committed, so a failed run leaves nothing behind.
    created: Vec<PathBuf>,
    committed: bool,
}

impl ArtifactBuilder {
    pub fn new(
        target: impl AsRef<Path>,
        kind: Kind,
        parameters: toml::Table,
        inputs: Vec<InputRef>,
    ) -> Result<Self> {
        let target = target.as_ref().to_path_buf();
        // Replacing the target deletes what is there: only ever an older artifact, never a
        // directory of the user's that `--out` pointed at by mistake.
        if target.exists() && !replaceable(&target) {
            return Err(Error::NotAnArtifactTarget { path: target });
        }
        let (parent, name) = split_target(&target)?;
        let created = parent
            .ancestors()
            .take_while(|dir| !dir.as_os_str().is_empty() && !dir.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(&parent).map_err(Error::io(&parent))?;
        remove_stale_temporaries(&parent, &name);
        let tmp = parent.join(format!("{}{}", temp_prefix(&name), std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(Error::io(&tmp))?;
        }
        std::fs::create_dir(&tmp).map_err(Error::io(&tmp))?;
        Ok(Self {
            target,
            tmp,
            kind,
            parameters,
            inputs,
            created,
            committed: false,
        })
    }

    /// Where the artifact goes once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces the inputs the manifest will record: for a builder made before its inputs were
    /// pinned (they are hashed while the work runs).
    pub fn set_inputs(&mut self, inputs: Vec<InputRef>) {
        self.inputs = inputs;
    }

    /// The temporary directory to write the artifact's files into.
    pub fn dir(&self) -> &Path {
        &self.tmp
    }

    /// The temporary path of a file of the artifact.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Hashes every file, writes the manifest last, and renames the directory onto the target,
    /// replacing an older artifact there.
    pub fn commit(mut self) -> Result<Artifact> {
        let mut names = Vec::new();
        list_files(&self.tmp, &self.tmp, &mut names)?;
        names.retain(|n| n != MANIFEST_FILE);
        names.sort();
        let files = names
            .par_iter()
            .map(|name| {
                let path = self.tmp.join(name);
                let size = std::fs::metadata(&path).map_err(Error::io(&path))?.len();
                Ok(FileEntry {
                    name: name.clone(),
                    size,
                    sha256: sha256_file(&path)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let manifest = Manifest {
            kind: self.kind.name.to_string(),
            schema_version: self.kind.schema_version,
            tfbind_version: TFBIND_VERSION.to_string(),
            created: now_rfc3339(),
            parameters: std::mem::take(&mut self.parameters),
            inputs: std::mem::take(&mut self.inputs),
            files,
        };
        AtomicFile::write(self.tmp.join(MANIFEST_FILE), manifest.render()?)?;

        let (parent, name) = split_target(&self.target)?;
        if self.target.exists() {
            // Renaming over a non-empty directory is not possible, so the old artifact is moved
            // aside first; a crash between the two renames leaves no artifact, never a mixed one.
            let old = parent.join(format!(".{name}.old-{}", std::process::id()));
            std::fs::rename(&self.target, &old).map_err(Error::io(&self.target))?;
            std::fs::rename(&self.tmp, &self.target).map_err(Error::io(&self.target))?;
            std::fs::remove_dir_all(&old).map_err(Error::io(&old))?;
        } else {
            std::fs::rename(&self.tmp, &self.target).map_err(Error::io(&self.target))?;
        }
        self.committed = true;
        sync_dir(&parent)?;
        Artifact::open_unverified(&self.target)
    }
}

impl Drop for ArtifactBuilder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
            for dir in &self.created {
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// An older artifact (a manifest that parses, not merely a file of that name), or an empty
/// directory.
fn replaceable(target: &Path) -> bool {
    crate::read_manifest(target).is_ok()
        || std::fs::read_dir(target).is_ok_and(|mut entries| entries.next().is_none())
}

pub(crate) fn split_target(target: &Path) -> Result<(PathBuf, String)> {
    let name = target
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::NotADirectory {
            path: target.to_path_buf(),
        })?
        .to_string();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// Temporary directories carry the host name as well as the pid: on a cluster file system another
/// node's live build must not be mistaken for a dead local one.
pub(crate) fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-{}-", hostname())
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".to_string())
}

/// Removes the temporary directories (of [`ArtifactBuilder`]) and files (of [`AtomicFile`]) for
/// `name` that a killed process left in `parent`.
pub(crate) fn remove_stale_temporaries(parent: &Path, name: &str) {
    let prefix = temp_prefix(name);
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        // This process's own are live too: a builder replaces its own, and a second
        // `AtomicFile` for one path is refused.
        let alive = Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            tracing::debug!(path = %entry.path().display(), "removing a stale temporary");
            let _ = match entry.file_type() {
                Ok(t) if t.is_dir() => std::fs::remove_dir_all(entry.path()),
                _ => std::fs::remove_file(entry.path()),
            };
        }
    }
}

pub(crate) fn list_files(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let entry = entry.map_err(Error::io(dir))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(Error::io(&path))?;
        if file_type.is_dir() {
            list_files(root, &path, out)?;
        } else if file_type.is_file() {
            let rel = path
                .strip_prefix(root)
                .ok()
                .and_then(|p| p.to_str())
                .ok_or_else(|| Error::NotAFlatFile { path: path.clone() })?;
            out.push(rel.to_string());
        } else {
            return Err(Error::NotAFlatFile { path });
        }
    }
    Ok(())
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
