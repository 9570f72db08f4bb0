use std::path::Path;

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
    /// For an artifact, the sha256 of its manifest; for a file, of its content.
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

    pub(crate) fn render(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| Error::Serialize {
            message: e.to_string(),
        })
    }
}
