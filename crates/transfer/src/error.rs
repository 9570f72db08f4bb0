use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the default path for a new TF could not run. The variants about the request (an unknown
/// TF, a target without bound windows, settings that cannot work) are usage errors
/// ([`Error::is_usage`]); a failing stage keeps its own error, with the step it failed in.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    UnknownTf(#[from] tfbind_dataset::UnknownTf),
    #[error(
        "target {target} has no bound window outside its test windows ({test} test windows left \
         out), so there is nothing to choose pre-training TFs by or to fine-tune on"
    )]
    TargetNeverBound { target: String, test: usize },
    #[error(
        "the target's labels {labels} do not cover window {window} of the regions artifact \
         {regions}: label the target over the regions artifact's own windows"
    )]
    OtherWindows {
        labels: PathBuf,
        regions: PathBuf,
        window: String,
    },
    #[error("cannot lock the pre-training cache entry {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{step}: {source}")]
    Peaks {
        step: &'static str,
        #[source]
        source: tfbind_peaks::Error,
    },
    #[error("{step}: {source}")]
    Select {
        step: &'static str,
        #[source]
        source: tfbind_select::Error,
    },
    #[error("{step}: {source}")]
    Negatives {
        step: &'static str,
        #[source]
        source: tfbind_negatives::Error,
    },
    #[error("{step}: {source}")]
    Encode {
        step: &'static str,
        #[source]
        source: tfbind_encode::Error,
    },
    #[error("{step}: {source}")]
    Pretrain {
        step: &'static str,
        #[source]
        source: tfbind_pretrain::Error,
    },
    #[error("{step}: {source}")]
    Finetune {
        step: &'static str,
        #[source]
        source: tfbind_finetune::Error,
    },
    #[error(transparent)]
    Motifs(#[from] tfbind_motifs::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

impl Error {
    /// Whether the error is in how the path was asked for (exit status 2) rather than in the data.
    pub fn is_usage(&self) -> bool {
        match self {
            Error::Usage(_) | Error::UnknownTf(_) => true,
            Error::Peaks { source, .. } => matches!(source, tfbind_peaks::Error::Usage(_)),
            Error::Select { source, .. } => source.is_usage(),
            Error::Negatives { source, .. } => source.is_usage(),
            _ => false,
        }
    }
}
