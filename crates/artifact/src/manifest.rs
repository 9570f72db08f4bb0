use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The file name of the manifest inside every artifact directory.
pub const MANIFEST_FILE: &str = "manifest.toml";

/// What an artifact is, how it was made, and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub kind: String,
    pub schema_version: u32,
    pub tfbind_version: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// The stage's resolved parameters (config file merged with command-line overrides).
    #[serde(default)]
    pub parameters: toml::Table,
    #[serde(default)]
    pub inputs: Vec<InputRef>,
    #[serde(default)]
    pub files: Vec<FileEntry>,
}

/// An input of the stage that made the artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRef {
    pub path: String,
    /// An artifact kind, or `file` for an original input such as a peak file.
    pub kind: String,
    /// For an artifact, its content checksum (`Artifact::content_sha256`); for a file, the
    /// sha256 of its bytes.
    pub sha256: String,
}

/// A file held by the artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::InvalidManifest {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })
    }

    /// The sha256 of the manifest without its creation time and its inputs' paths: what the
    /// artifact is, how it was made (parameters, inputs by checksum) and what it holds.
    pub(crate) fn content_sha256(&self) -> Result<String> {
        let mut content = self.clone();
        content.created.clear();
        for input in &mut content.inputs {
            input.path.clear();
        }
        Ok(crate::sha256_bytes(content.render()?.as_bytes()))
    }

    pub(crate) fn render(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Serialize {
            message: e.to_string(),
        })
    }
}

/// The path of the file a manifest entry names, when the entry is a plain relative name
/// (`/`-separated, no empty, `.` or `..` part, not absolute) and no symbolic link on the way takes
/// it out of the artifact directory. A manifest is data from disk: an entry such as `../x` or
/// `/etc/passwd` would otherwise make a reader open, and checksum, a file outside the artifact.
pub(crate) fn entry_path(dir: &Path, name: &str) -> Result<PathBuf> {
    let refuse = |reason: &'static str| Error::UnsafeFileEntry {
        dir: dir.to_path_buf(),
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(refuse("is empty"));
    }
    if name.starts_with('/') {
        return Err(refuse("is an absolute path"));
    }
    for part in name.split('/') {
        match part {
            "" => return Err(refuse("has an empty path component")),
            "." => return Err(refuse("has a '.' component")),
            ".." => return Err(refuse("has a '..' component")),
            _ => {}
        }
    }
    let path = dir.join(name);
    // A file that does not exist is the reader's or `verify`'s to report as missing.
    if let Ok(real) = path.canonicalize() {
        let root = dir.canonicalize().map_err(Error::io(dir))?;
        if !real.starts_with(&root) {
            return Err(refuse(
                "is a symbolic link that leaves the artifact directory",
            ));
        }
    }
    Ok(path)
}
