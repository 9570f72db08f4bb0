use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an artifact could not be read or written. Every variant names the path involved.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not an artifact directory (it does not exist or is not a directory)")]
    NotADirectory { path: PathBuf },
    #[error("{dir}: no manifest.toml: not a tfbind artifact, or one whose writing did not finish")]
    MissingManifest { dir: PathBuf },
    #[error("{path}: invalid manifest: {message}")]
    InvalidManifest { path: PathBuf, message: String },
    #[error("{dir}: expected a '{expected}' artifact, found '{found}'")]
    WrongKind {
        dir: PathBuf,
        expected: String,
        found: String,
    },
    #[error(
        "{dir}: '{kind}' artifact has schema version {found} (written by tfbind {tool_version}); \
         this tfbind reads version {expected}: rebuild it with this version"
    )]
    SchemaVersion {
        dir: PathBuf,
        kind: String,
        expected: u32,
        found: u32,
        tool_version: String,
    },
    #[error(
        "{dir}: unknown artifact kind '{kind}'; this tfbind knows {}",
        crate::kinds::KNOWN.map(|k| k.name).join(", ")
    )]
    UnknownKind { dir: PathBuf, kind: String },
    #[error(
        "{dir}: manifest file entry '{name}' {reason}: an entry must be a plain relative name \
         inside the artifact directory"
    )]
    UnsafeFileEntry {
        dir: PathBuf,
        name: String,
        reason: &'static str,
    },
    #[error(
        "{dir}: file '{name}' is not listed in the manifest: the artifact was changed after it \
         was written (remove the file, or rebuild the artifact)"
    )]
    UnlistedFile { dir: PathBuf, name: String },
    #[error("{dir}: file '{name}' listed in the manifest is missing")]
    MissingFile { dir: PathBuf, name: String },
    #[error(
        "{path}: size {found} differs from the manifest's {expected}: the artifact is corrupt"
    )]
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        found: u64,
    },
    #[error(
        "{path}: sha256 {found} differs from the manifest's {expected}: the artifact is corrupt"
    )]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{dir}: recorded parameters do not fit this stage: {message}")]
    Parameters { dir: PathBuf, message: String },
    #[error("cannot serialize parameters: {message}")]
    Serialize { message: String },
    #[error(
        "{path}: exists, is not empty and is not a tfbind artifact (no valid manifest.toml); \
         refusing to replace it: choose another output path or remove it"
    )]
    NotAnArtifactTarget { path: PathBuf },
    #[error(
        "{out}: the output {relation} the input {input}: writing it would replace what this run \
         reads; choose another output path"
    )]
    OutputIsInput {
        out: PathBuf,
        relation: &'static str,
        input: PathBuf,
    },
    #[error("{path}: is a directory; give a file path for this output")]
    OutputIsDirectory { path: PathBuf },
    #[error(
        "{path}: holds a '{found}' artifact, not the '{expected}' artifact this stage writes; \
         refusing to replace it (--force replaces it)"
    )]
    OtherKindAtTarget {
        path: PathBuf,
        found: String,
        expected: String,
    },
    #[error("{path}: invalid summary: {message}")]
    Summary { path: PathBuf, message: String },
    #[error("{path}: artifact files must be regular files with UTF-8 names")]
    NotAFlatFile { path: PathBuf },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
