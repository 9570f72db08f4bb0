use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong in an experiment. Mistakes in the config or in how a step was asked for are
/// usage errors ([`Error::is_usage`]); the rest are bad data or failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config {}: {source}", path.display())]
    ReadConfig {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A malformed config, or a key or value it may not hold, with the line where it is.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Config {
        path: PathBuf,
        line: Option<usize>,
        message: String,
    },
    /// A malformed line of a file the experiment wrote itself (timings.tsv).
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    /// Tables written into an artifact would sit beside files its manifest does not list.
    #[error("--out {} is an artifact directory: give the tables a directory of their own", path.display())]
    OutIsArtifact { path: PathBuf },
    #[error("task {task} does not exist: the plan has tasks 0 (shared steps) to {last}")]
    NoSuchTask { task: usize, last: usize },
    #[error("{what} is missing: {} (run task 0, which prepares it, first)", path.display())]
    NotPrepared { what: &'static str, path: PathBuf },
    #[error("no model at {} ({missing} of {total} missing): run the experiment first", path.display())]
    MissingModel {
        path: PathBuf,
        missing: usize,
        total: usize,
    },
    /// A stage run in-process failed; `usage` when the stage calls it a usage error.
    #[error("{stage} {}: {source}", out.display())]
    Stage {
        stage: &'static str,
        out: PathBuf,
        usage: bool,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("condition {condition}: {source}")]
    Select {
        condition: String,
        usage: bool,
        source: Box<tfbind_select::Error>,
    },
    #[error("condition {condition}: {source}")]
    Transfer {
        condition: String,
        usage: bool,
        source: Box<tfbind_transfer::Error>,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Encode(#[from] tfbind_encode::Error),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
    #[error(transparent)]
    Model(#[from] tfbind_model::ModelError),
    #[error(transparent)]
    Motifs(#[from] tfbind_motifs::Error),
}

impl Error {
    pub fn is_usage(&self) -> bool {
        match self {
            Error::ReadConfig { .. }
            | Error::Config { .. }
            | Error::NoSuchTask { .. }
            | Error::OutIsArtifact { .. }
            | Error::Artifact(tfbind_artifact::Error::OutputIsInput { .. }) => true,
            Error::Stage { usage, .. }
            | Error::Select { usage, .. }
            | Error::Transfer { usage, .. } => *usage,
            _ => false,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
