//! The contract every artifact-writing stage follows, and the one runner that carries it out.
//!
//! A stage says what it reads ([`Stage::inputs`]), what it records ([`Stage::parameters`]) and
//! how it fills an artifact ([`Stage::build`]); the runner ([`run`]) owns everything around that,
//! once for every stage: `--out` safety (never a user's directory, never one of the run's inputs,
//! never an artifact of another kind without `force`), opening and pinning the inputs, the
//! up-to-date check, building in a temporary directory, `summary.json`, and the atomic commit.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::{input_artifact, input_file, Artifact, ArtifactBuilder, InputRef, Kind, MANIFEST_FILE};

/// The file of every stage-built artifact that holds the stage's summary, so that a rerun that
/// finds the artifact up to date reports exactly what the run that built it reported.
pub const SUMMARY_FILE: &str = "summary.json";

/// Progress through a stage's long steps; the binaries draw it, libraries only call it.
pub trait Progress: Sync {
    /// A step over `total` units begins (ending the one before).
    fn start(&self, step: &str, total: u64);
    /// `n` more units of the current step are done.
    fn advance(&self, n: u64);
}

/// No progress reporting.
impl Progress for () {
    fn start(&self, _: &str, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Something a stage reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// An artifact directory of this kind; opened (kind and schema checked) and pinned by content.
    Artifact(PathBuf, Kind),
    /// An original input file (a genome, a motif database); pinned by the sha256 of its bytes.
    File(PathBuf),
    /// A file that is read but not pinned (its content is recorded some other way), still kept
    /// apart from the output.
    Unpinned(PathBuf),
}

impl Input {
    pub fn path(&self) -> &Path {
        match self {
            Input::Artifact(p, _) | Input::File(p) | Input::Unpinned(p) => p,
        }
    }
}

/// A stage that writes one artifact.
pub trait Stage: Sync {
    /// The stage's section of a pipeline config file.
    const SECTION: &'static str;
    /// The artifact kind the stage writes.
    const OUTPUT: Kind;
    /// What the stage reports (its `Display` is the text a user reads), stored as
    /// [`SUMMARY_FILE`] in the artifact.
    type Summary: Serialize + DeserializeOwned + std::fmt::Display + Send;
    type Error: From<Error> + std::fmt::Display + Send;

    /// Whether an error is a mistake in how the stage was called (exit status 2), such as a
    /// name that the inputs lack, rather than bad data.
    fn is_usage(_error: &Self::Error) -> bool {
        false
    }

    /// What the stage reads, in the order the manifest pins them.
    fn inputs(&self) -> Vec<Input>;

    /// The resolved parameters the manifest records; with the inputs, what makes the artifact
    /// up to date or stale.
    fn parameters(&self) -> std::result::Result<toml::Table, Self::Error>;

    /// Writes the artifact's files into `builder`'s directory. `artifacts` are the input
    /// artifacts, opened and in [`Stage::inputs`] order; their files are verified while this
    /// runs (a corrupt input is reported before anything this returns).
    fn build(
        &self,
        artifacts: &[Artifact],
        builder: &ArtifactBuilder,
        progress: &dyn Progress,
    ) -> std::result::Result<Self::Summary, Self::Error>;
}

/// What a stage run did.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome<T> {
    pub out: PathBuf,
    /// The artifact at `out` was made from the same inputs and parameters and was left as it was.
    pub up_to_date: bool,
    #[serde(flatten)]
    pub summary: T,
}

/// Runs a stage into `out`: reuses an up-to-date artifact there (unless `force`), else builds a
/// new one and replaces what was at `out`, which must be a tfbind artifact of the stage's kind
/// (or of any kind with `force`), an empty directory, or nothing.
pub fn run<S: Stage>(
    stage: &S,
    out: &Path,
    force: bool,
    progress: &dyn Progress,
) -> std::result::Result<Outcome<S::Summary>, S::Error> {
    let inputs = stage.inputs();
    let input_paths: Vec<&Path> = inputs.iter().map(Input::path).collect();
    check_out_dir(out, &input_paths, S::OUTPUT, force)?;
    let parameters = stage.parameters()?;
    let artifacts = inputs
        .iter()
        .filter_map(|input| match input {
            Input::Artifact(path, kind) => Some(open_input(path, *kind)),
            _ => None,
        })
        .collect::<Result<Vec<_>>>()?;
    let pin = || pin_inputs(&inputs, &artifacts);

    let existing = !force && out.join(MANIFEST_FILE).is_file();
    let mut pins = None;
    if existing {
        let pinned = pin()?;
        if let Some(artifact) = crate::up_to_date(out, S::OUTPUT, &parameters, &pinned) {
            return Ok(Outcome {
                out: out.to_path_buf(),
                up_to_date: true,
                summary: read_summary(&artifact)?,
            });
        }
        pins = Some(pinned);
    }

    let mut builder = ArtifactBuilder::new(out, S::OUTPUT, parameters, Vec::new())?;
    // Without an artifact to compare with, hashing the inputs (a genome is gigabytes) runs
    // alongside the work; nothing is committed before both are done.
    let (pinned, summary) = rayon::join(
        || pins.map_or_else(pin, Ok),
        || stage.build(&artifacts, &builder, progress),
    );
    // A corrupt input explains any error the work ran into, so it is reported first.
    let pinned = pinned?;
    let summary = summary?;
    write_summary(&builder.path(SUMMARY_FILE), &summary)?;
    builder.set_inputs(pinned);
    builder.commit()?;
    Ok(Outcome {
        out: out.to_path_buf(),
        up_to_date: false,
        summary,
    })
}

fn open_input(path: &Path, kind: Kind) -> Result<Artifact> {
    let artifact = Artifact::open_unverified(path)?;
    artifact.expect_kind(kind)?;
    Ok(artifact)
}

/// Every input's pin, in declaration order, once the input artifacts' files are verified.
fn pin_inputs(inputs: &[Input], artifacts: &[Artifact]) -> Result<Vec<InputRef>> {
    use rayon::prelude::*;
    let (verified, files) = rayon::join(
        || artifacts.par_iter().try_for_each(Artifact::verify),
        || {
            inputs
                .par_iter()
                .filter_map(|input| match input {
                    Input::File(path) => Some(input_file(path)),
                    _ => None,
                })
                .collect::<Result<Vec<_>>>()
        },
    );
    verified?;
    let (mut artifacts, mut files) = (artifacts.iter(), files?.into_iter());
    Ok(inputs
        .iter()
        .filter_map(|input| match input {
            Input::Artifact(..) => artifacts.next().map(input_artifact),
            Input::File(_) => files.next(),
            Input::Unpinned(_) => None,
        })
        .collect())
}

fn read_summary<T: DeserializeOwned>(artifact: &Artifact) -> Result<T> {
    let path = artifact.file(SUMMARY_FILE)?;
    let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
    serde_json::from_str(&text).map_err(|e| Error::Summary {
        path,
        message: e.to_string(),
    })
}

fn write_summary<T: Serialize>(path: &Path, summary: &T) -> Result<()> {
    let mut json = serde_json::to_string_pretty(summary).map_err(|e| Error::Summary {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    json.push('\n');
    std::fs::write(path, json).map_err(Error::io(path))
}

/// The path with every existing prefix resolved (symlinks, `..`), so two spellings of one place
/// compare equal even when the place does not exist yet.
pub fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    match (absolute.parent(), absolute.file_name()) {
        (Some(parent), Some(name)) => resolved(parent).join(name),
        _ => absolute,
    }
}

/// Refuses an output that is, contains or lies inside one of the run's inputs: writing it would
/// replace or corrupt what the run reads.
pub fn check_out_apart(out: &Path, inputs: &[&Path]) -> Result<()> {
    let out_r = resolved(out);
    for input in inputs {
        let input_r = resolved(input);
        let relation = if out_r == input_r {
            "is"
        } else if input_r.starts_with(&out_r) {
            "contains"
        } else if out_r.starts_with(&input_r) {
            "lies inside"
        } else {
            continue;
        };
        return Err(Error::OutputIsInput {
            out: out.to_path_buf(),
            relation,
            input: input.to_path_buf(),
        });
    }
    Ok(())
}

/// Refuses output files that coincide with each other or with an input, and an output that is
/// a directory.
pub fn check_out_files(outputs: &[&Path], inputs: &[&Path]) -> Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        if out.is_dir() {
            return Err(Error::OutputIsDirectory {
                path: out.to_path_buf(),
            });
        }
        let mut others: Vec<&Path> = inputs.to_vec();
        others.extend(&outputs[..i]);
        check_out_apart(out, &others)?;
    }
    Ok(())
}

/// What may be at a stage's `--out`: nothing, an empty directory, or a tfbind artifact whose
/// manifest parses, of `kind` unless `force`; never one of the run's inputs.
pub fn check_out_dir(out: &Path, inputs: &[&Path], kind: Kind, force: bool) -> Result<()> {
    check_out_apart(out, inputs)?;
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(Error::NotAnArtifactTarget {
            path: out.to_path_buf(),
        });
    }
    let empty = std::fs::read_dir(out)
        .map_err(Error::io(out))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    let existing = Artifact::open_unverified(out).map_err(|_| Error::NotAnArtifactTarget {
        path: out.to_path_buf(),
    })?;
    let found = &existing.manifest().kind;
    if found != kind.name && !force {
        return Err(Error::OtherKindAtTarget {
            path: out.to_path_buf(),
            found: found.clone(),
            expected: kind.name.to_string(),
        });
    }
    Ok(())
}
