//! Versioned on-disk artifacts: the only way tfbind stages talk to each other.
//!
//! An artifact is a directory holding data files and a `manifest.toml` that records what it is
//! (`kind`, `schema_version`), who made it (`tfbind_version`, `created`), from what (`inputs`, each
//! with a checksum) and how (`parameters`), and every file it holds with its size and sha256.
//!
//! Artifacts are built in a temporary directory beside the target and renamed into place, with the
//! manifest written last, so a killed stage never leaves something that looks finished. Because the
//! manifest pins inputs and parameters, a stage can tell that its output is already up to date and
//! skip the work, which is what makes reruns from Make and Slurm cheap.

mod atomic;
mod builder;
mod checksum;
mod error;
pub mod kinds;
mod manifest;
pub mod stage;
#[doc(hidden)]
pub mod testing;

pub use atomic::AtomicFile;
pub use builder::ArtifactBuilder;
pub use checksum::{sha256_bytes, sha256_file};
pub use error::{Error, Result};
pub use manifest::{FileEntry, InputRef, Manifest, MANIFEST_FILE};

use std::path::{Path, PathBuf};

/// The tfbind version written into every manifest.
pub const TFBIND_VERSION: &str = env!("CARGO_PKG_VERSION");

/// What a stage expects to read: an artifact kind and the schema versions it understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub name: &'static str,
    pub schema_version: u32,
}

impl Kind {
    pub const fn new(name: &'static str, schema_version: u32) -> Self {
        Self {
            name,
            schema_version,
        }
    }
}

/// An artifact directory whose manifest has been read and checked.
#[derive(Debug, Clone)]
pub struct Artifact {
    dir: PathBuf,
    manifest: Manifest,
    manifest_sha256: String,
    content_sha256: String,
}

impl Artifact {
    /// Opens an artifact of the expected kind and schema, and verifies every file's size and checksum.
    pub fn open(dir: impl AsRef<Path>, kind: Kind) -> Result<Self> {
        let artifact = Self::open_unverified(dir)?;
        artifact.expect_kind(kind)?;
        artifact.verify()?;
        Ok(artifact)
    }

    /// Opens an artifact of any kind this build reads, and verifies it: what
    /// [`open`](Self::open) accepts for a reader of its kind.
    pub fn open_known(dir: impl AsRef<Path>) -> Result<Self> {
        let artifact = Self::open_unverified(dir)?;
        artifact.expect_known_kind()?;
        artifact.verify()?;
        Ok(artifact)
    }

    /// Reads the manifest of any artifact, without checking its kind or its files.
    pub fn open_unverified(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref().to_path_buf();
        let (manifest, text) = read_manifest(&dir)?;
        for entry in &manifest.files {
            manifest::entry_path(&dir, &entry.name)?;
        }
        Ok(Self {
            manifest_sha256: sha256_bytes(text.as_bytes()),
            content_sha256: manifest.content_sha256()?,
            dir,
            manifest,
        })
    }

    /// Refuses an artifact of another kind, or of a schema version this build cannot read.
    pub fn expect_kind(&self, kind: Kind) -> Result<()> {
        if self.manifest.kind != kind.name {
            return Err(Error::WrongKind {
                dir: self.dir.clone(),
                expected: kind.name.to_string(),
                found: self.manifest.kind.clone(),
            });
        }
        if self.manifest.schema_version != kind.schema_version {
            return Err(Error::SchemaVersion {
                dir: self.dir.clone(),
                kind: kind.name.to_string(),
                expected: kind.schema_version,
                found: self.manifest.schema_version,
                tool_version: self.manifest.tfbind_version.clone(),
            });
        }
        Ok(())
    }

    /// Refuses an artifact of a kind this build does not know, or of a schema version it cannot
    /// read: what [`expect_kind`](Self::expect_kind) checks for a reader of the kind it names.
    pub fn expect_known_kind(&self) -> Result<Kind> {
        let kind = Kind::known(&self.manifest.kind).ok_or_else(|| Error::UnknownKind {
            dir: self.dir.clone(),
            kind: self.manifest.kind.clone(),
        })?;
        self.expect_kind(kind)?;
        Ok(kind)
    }

    /// Checks that every file listed in the manifest is present with its recorded size and sha256,
    /// and that the directory holds no file the manifest does not list.
    pub fn verify(&self) -> Result<()> {
        use rayon::prelude::*;
        let mut present = Vec::new();
        builder::list_files(&self.dir, &self.dir, &mut present)?;
        if let Some(name) = present
            .into_iter()
            .find(|n| n != MANIFEST_FILE && !self.has_file(n))
        {
            return Err(Error::UnlistedFile {
                dir: self.dir.clone(),
                name,
            });
        }
        self.manifest.files.par_iter().try_for_each(|entry| {
            let path = manifest::entry_path(&self.dir, &entry.name)?;
            let meta = std::fs::metadata(&path).map_err(|_| Error::MissingFile {
                dir: self.dir.clone(),
                name: entry.name.clone(),
            })?;
            if meta.len() != entry.size {
                return Err(Error::SizeMismatch {
                    path,
                    expected: entry.size,
                    found: meta.len(),
                });
            }
            let sha = sha256_file(&path)?;
            if sha != entry.sha256 {
                return Err(Error::ChecksumMismatch {
                    path,
                    expected: entry.sha256.clone(),
                    found: sha,
                });
            }
            Ok(())
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The checksum of `manifest.toml`: this very artifact.
    pub fn manifest_sha256(&self) -> &str {
        &self.manifest_sha256
    }

    /// The checksum of what the artifact is, how it was made and what it holds: its manifest
    /// without the creation time and the input paths. A downstream artifact records it to pin
    /// this input, so that rebuilding an artifact with the same content, or moving it, does not
    /// make everything after it stale.
    pub fn content_sha256(&self) -> &str {
        &self.content_sha256
    }

    /// The path of a file inside the artifact; errors if the manifest does not list it.
    pub fn file(&self, name: &str) -> Result<PathBuf> {
        if self.has_file(name) {
            manifest::entry_path(&self.dir, name)
        } else {
            Err(Error::MissingFile {
                dir: self.dir.clone(),
                name: name.to_string(),
            })
        }
    }

    /// Whether the manifest lists a file of that name.
    pub fn has_file(&self, name: &str) -> bool {
        self.manifest.files.iter().any(|f| f.name == name)
    }

    /// Deserializes the recorded parameters into a stage's parameter type.
    pub fn parameters<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        self.manifest
            .parameters
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| Error::Parameters {
                dir: self.dir.clone(),
                message: e.message().to_string(),
            })
    }
}

/// The manifest of the artifact directory `dir` and its text, parsed but not checked against
/// the directory: enough to tell a tfbind artifact (which a stage may replace) from anything else.
pub(crate) fn read_manifest(dir: &Path) -> Result<(Manifest, String)> {
    if !dir.is_dir() {
        return Err(Error::NotADirectory {
            path: dir.to_path_buf(),
        });
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = match std::fs::read_to_string(&manifest_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::MissingManifest {
                dir: dir.to_path_buf(),
            });
        }
        Err(source) => {
            return Err(Error::Io {
                path: manifest_path,
                source,
            })
        }
    };
    Ok((Manifest::parse(&text, &manifest_path)?, text))
}

/// Describes an input artifact for the up-to-date check and the manifest, pinned by its content
/// ([`Artifact::content_sha256`]).
pub fn input_artifact(artifact: &Artifact) -> InputRef {
    InputRef {
        path: artifact.dir().display().to_string(),
        kind: artifact.manifest().kind.clone(),
        sha256: artifact.content_sha256().to_string(),
    }
}

/// Describes an original input file, pinned by the sha256 of its content.
pub fn input_file(path: impl AsRef<Path>) -> Result<InputRef> {
    let path = path.as_ref();
    Ok(InputRef {
        path: path.display().to_string(),
        kind: "file".to_string(),
        sha256: sha256_file(path)?,
    })
}

/// Returns the existing artifact at `dir` when it was made by this tfbind version, with the same
/// parameters and inputs, and is intact; `None` means the stage has work to do.
pub fn up_to_date(
    dir: impl AsRef<Path>,
    kind: Kind,
    parameters: &toml::Table,
    inputs: &[InputRef],
) -> Option<Artifact> {
    let dir = dir.as_ref();
    if !dir.join(MANIFEST_FILE).is_file() {
        return None;
    }
    let artifact = Artifact::open(dir, kind).ok()?;
    let m = artifact.manifest();
    let same_inputs = m.inputs.len() == inputs.len()
        && m.inputs
            .iter()
            .zip(inputs)
            .all(|(a, b)| a.kind == b.kind && a.sha256 == b.sha256);
    (m.tfbind_version == TFBIND_VERSION && &m.parameters == parameters && same_inputs)
        .then_some(artifact)
}

/// Serializes a stage's parameters into the TOML table stored in the manifest.
pub fn to_table<T: serde::Serialize>(value: &T) -> Result<toml::Table> {
    toml::Table::try_from(value).map_err(|e| Error::Serialize {
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests;
