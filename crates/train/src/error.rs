use std::path::PathBuf;

pub type Result<T, E = TrainError> = std::result::Result<T, E>;

/// Errors of training, checkpointing and evaluation.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("invalid training options: {0}")]
    Options(String),
    #[error("the dataset has no {split} windows: training needs train and validation windows")]
    EmptySplit { split: &'static str },
    #[error("the {split} windows have no known labels, so no loss can be computed on them")]
    NoLabels { split: &'static str },
    #[error("the dataset's windows are {dataset} bp but the model takes {model} bp")]
    WindowLength { dataset: usize, model: usize },
    #[error("the dataset has {dataset} tasks but the model has {model} outputs")]
    TaskCount { dataset: usize, model: usize },
    #[error("{path}: {message}")]
    Checkpoint { path: PathBuf, message: String },
    #[error(
        "{dir}: the checkpoint is corrupt or incomplete ({message}); rerun with --restart to \
         discard the checkpoints and train from the first epoch"
    )]
    CorruptCheckpoint { dir: PathBuf, message: String },
    #[error("cannot save the checkpoint {dir}: {source}")]
    SaveCheckpoint {
        dir: PathBuf,
        #[source]
        source: Box<TrainError>,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Torch {
        context: String,
        source: tch::TchError,
    },
    #[error(
        "the loss became {value} in epoch {epoch}: training diverged (try a lower learning rate)"
    )]
    Diverged { epoch: usize, value: f64 },
    #[error(transparent)]
    Model(#[from] tfbind_model::ModelError),
    #[error(transparent)]
    Metrics(#[from] tfbind_metrics::MetricsError),
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
}

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }

    pub(crate) fn torch(context: impl Into<String>) -> impl FnOnce(tch::TchError) -> Self {
        let context = context.into();
        move |source| Self::Torch { context, source }
    }
}
