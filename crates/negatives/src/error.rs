use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the windows of a dataset could not be chosen. Variants that are about how the stage was
/// called (bad parameters, unknown TF names) say so through [`Error::is_usage`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    InvalidParams(String),
    #[error("{path}: {source}", path = .path.display())]
    UnknownTf {
        path: PathBuf,
        source: tfbind_dataset::UnknownTf,
    },
    #[error("TF {name:?} is listed twice")]
    DuplicateTf { name: String },
    #[error("{path}: {requested} TFs with the fewest NA requested, but it holds {available}", path = .path.display())]
    TooFewTfs {
        path: PathBuf,
        requested: usize,
        available: usize,
    },
    #[error(
        "{path}: TF {tf:?} has no positives{why}",
        path = .path.display(),
        why = no_positives_reason(*.bound, *.excluded, *.n_rich)
    )]
    NoPositives {
        path: PathBuf,
        tf: String,
        bound: usize,
        excluded: usize,
        n_rich: usize,
    },
    #[error(
        "TF {tf:?}: {needed} negatives needed ({positives} positives × ratio {ratio}) but only \
         {available} unbound windows are left; lower --ratio, or pass --allow-fewer to keep them all"
    )]
    NotEnoughNegatives {
        tf: String,
        positives: usize,
        ratio: f64,
        needed: usize,
        available: usize,
    },
    #[error(
        "{path}:{line}: window is {len} bp but the first is {expected} bp; a dataset needs \
         windows of one width",
        path = .path.display()
    )]
    MixedWidths {
        path: PathBuf,
        line: usize,
        len: u64,
        expected: u64,
    },
    #[error(
        "{path}: no window is left (of {total}: {excluded} excluded, {n_rich} N-rich, {all_na} \
         NA for every chosen TF)",
        path = .path.display()
    )]
    NoWindows {
        path: PathBuf,
        total: usize,
        excluded: usize,
        n_rich: usize,
        all_na: usize,
    },
    #[error(
        "{dir}: a '{kind}' artifact cannot be excluded; --exclude takes regions, windows or \
         dataset artifacts",
        dir = .dir.display()
    )]
    ExcludeKind { dir: PathBuf, kind: String },
    #[error("{path}: {source}", path = .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Artifact(#[from] tfbind_artifact::Error),
    #[error(transparent)]
    Dataset(#[from] tfbind_dataset::Error),
    #[error(transparent)]
    Genome(#[from] tfbind_genome::Error),
}

impl Error {
    /// True when the error is in how the stage was called rather than in its data, so a binary
    /// can exit with its usage code.
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::InvalidParams(_) | Error::UnknownTf { .. } | Error::DuplicateTf { .. }
        )
    }

    pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    }
}

fn no_positives_reason(bound: usize, excluded: usize, n_rich: usize) -> String {
    if bound == 0 {
        " (no window is labelled bound)".to_string()
    } else {
        format!(" left: of {bound} bound windows {excluded} were excluded and {n_rich} were N-rich")
    }
}
