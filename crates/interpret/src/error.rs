use std::path::PathBuf;

pub type Result<T, E = InterpretError> = std::result::Result<T, E>;

/// Errors of interpreting a model: bad inputs (with the path and line where there is one) and
/// failures of the libraries underneath.
#[derive(Debug, thiserror::Error)]
pub enum InterpretError {
    #[error("{path}:{line}: {message}", path = .path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Parameters(String),
    #[error(
        "attribution method {method} does not support {architecture} models; choose others with \
         --methods"
    )]
    MethodUnsupported {
        method: crate::params::Method,
        architecture: tfbind_model::Architecture,
    },
    #[error("the dataset has none of the model's tasks (model: {model}; dataset: {dataset})")]
    NoCommonTasks { model: String, dataset: String },
    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the model takes {model} bp windows but the dataset's are {dataset} bp")]
    WindowLength { model: usize, dataset: usize },
    #[error("the model has no task '{name}' (its tasks: {known})")]
    UnknownTask { name: String, known: String },
    #[error(
        "the models' first layers differ ({this} and {other}): only a model and the model it was \
         fine-tuned from (or another of the same architecture) can be compared"
    )]
    FirstLayerMismatch { this: String, other: String },
    #[error("{0}")]
    FirstLayer(String),
    #[error("no motif of the database is named '{tf}' (its second name, e.g. `MOTIF MA0139.2 CTCF`); pick another with --target-tf")]
    NoTargetMotif { tf: String },
    #[error("{what}: no windows (selection: {selection})")]
    NoWindows {
        what: &'static str,
        selection: String,
    },
    #[error("{context}: {source}")]
    Torch {
        context: String,
        #[source]
        source: tch::TchError,
    },
    #[error(transparent)]
    Model(#[from] tfbind_model::ModelError),
    #[error(transparent)]
    Train(#[from] tfbind_train::TrainError),
    #[error(transparent)]
    Motifs(#[from] tfbind_motifs::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
    #[error(transparent)]
    Metrics(#[from] tfbind_metrics::MetricsError),
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
}

impl InterpretError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn torch(context: impl Into<String>) -> impl FnOnce(tch::TchError) -> Self {
        let context = context.into();
        move |source| Self::Torch { context, source }
    }
}
