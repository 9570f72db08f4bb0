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
    /// A file the stage pins itself by what it uses of it (a genome by its chromosome names and
    /// lengths, when those are all that the output depends on), still kept apart from the output.
    Pinned(InputRef),
}

impl Input {
    pub fn path(&self) -> &Path {
        match self {
            Input::Artifact(p, _) | Input::File(p) | Input::Unpinned(p) => p,
            Input::Pinned(pin) => Path::new(&pin.path),
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
    /// Whether the inputs are verified and pinned before [`Stage::build`] starts rather than
    /// alongside it: for a stage whose work is long, or leaves state that outlives a failed run
    /// (training checkpoints), and so must never start on a corrupt input.
    const PIN_BEFORE_BUILD: bool = false;

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
    if existing || S::PIN_BEFORE_BUILD {
        let pinned = pin()?;
        // An artifact written before its stage kept a summary is rebuilt rather than reported
        // without one.
        let reused = existing
            .then(|| crate::up_to_date(out, S::OUTPUT, &parameters, &pinned))
            .flatten()
            .filter(|artifact| artifact.has_file(SUMMARY_FILE));
        if let Some(artifact) = reused {
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
    // alongside the work; nothing is committed before both are done. The work runs on this
    // thread, not in the rayon pool: a stage that waits on threads of its own which use the
    // pool would otherwise hold one of its workers, and with `--threads 1` the only one.
    let (pinned, summary) = std::thread::scope(|scope| {
        let pinning = scope.spawn(|| pins.map_or_else(pin, Ok));
        let summary = stage.build(&artifacts, &builder, progress);
        let pinned = pinning
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (pinned, summary)
    });
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
            Input::Pinned(pin) => Some(pin.clone()),
            Input::Unpinned(_) => None,
        })
        .collect())
}

/// The summary a stage stored in its artifact ([`SUMMARY_FILE`]), read as the stage's `Summary`
/// type: what a later step (a table of many runs) reads instead of parsing the stage's files.
pub fn read_summary<T: DeserializeOwned>(artifact: &Artifact) -> Result<T> {
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
/// compare equal even when the place does not exist yet (`new/../x` is `x`, as creating the
/// missing directories would make it).
pub fn resolved(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = if path.is_absolute() {
        PathBuf::new()
    } else {
        std::env::current_dir().unwrap_or_default()
    };
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => {
                out.push(other);
                if let Ok(real) = out.canonicalize() {
                    out = real;
                }
            }
        }
    }
    out
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

/// Refuses output files that coincide with each other or with an input (an input directory
/// too, which is named), and an output that is a directory.
pub fn check_out_files(outputs: &[&Path], inputs: &[&Path]) -> Result<()> {
    for (i, out) in outputs.iter().enumerate() {
        let mut others: Vec<&Path> = inputs.to_vec();
        others.extend(&outputs[..i]);
        check_out_apart(out, &others)?;
        if out.is_dir() {
            return Err(Error::OutputIsDirectory {
                path: out.to_path_buf(),
            });
        }
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
    let (existing, _) = crate::read_manifest(out).map_err(|_| Error::NotAnArtifactTarget {
        path: out.to_path_buf(),
    })?;
    let found = &existing.kind;
    if found != kind.name && !force {
        return Err(Error::OtherKindAtTarget {
            path: out.to_path_buf(),
            found: found.clone(),
            expected: kind.name.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::sha256_bytes;

    const UPSTREAM: Kind = Kind::new("windows", 1);
    const KIND: Kind = Kind::new("dataset", 1);

    /// Copies its input file into the artifact and counts its builds.
    struct Copy {
        upstream: PathBuf,
        file: PathBuf,
        width: i64,
        builds: AtomicUsize,
    }

    #[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
    struct Copied {
        bytes: usize,
    }

    impl std::fmt::Display for Copied {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{} bytes", self.bytes)
        }
    }

    impl Stage for Copy {
        const SECTION: &'static str = "copy";
        const OUTPUT: Kind = KIND;
        type Summary = Copied;
        type Error = Error;

        fn inputs(&self) -> Vec<Input> {
            vec![
                Input::Artifact(self.upstream.clone(), UPSTREAM),
                Input::File(self.file.clone()),
            ]
        }

        fn parameters(&self) -> Result<toml::Table> {
            let mut t = toml::Table::new();
            t.insert("width".into(), self.width.into());
            Ok(t)
        }

        fn build(
            &self,
            artifacts: &[Artifact],
            builder: &ArtifactBuilder,
            _: &dyn Progress,
        ) -> Result<Copied> {
            assert_eq!(artifacts.len(), 1);
            self.builds.fetch_add(1, Ordering::SeqCst);
            let bytes = std::fs::read(&self.file).map_err(Error::io(&self.file))?;
            std::fs::write(builder.path("copy.bin"), &bytes).map_err(Error::io(&self.file))?;
            Ok(Copied { bytes: bytes.len() })
        }
    }

    fn setup() -> (tempfile::TempDir, Copy) {
        let tmp = tempfile::tempdir().unwrap();
        let upstream = tmp.path().join("up");
        let b = ArtifactBuilder::new(&upstream, UPSTREAM, toml::Table::new(), vec![]).unwrap();
        std::fs::write(b.path("windows.bed"), "chr1\t0\t10\tw\n").unwrap();
        b.commit().unwrap();
        let file = tmp.path().join("genome.fa");
        std::fs::write(&file, ">chr1\nACGT\n").unwrap();
        let stage = Copy {
            upstream,
            file,
            width: 200,
            builds: AtomicUsize::new(0),
        };
        (tmp, stage)
    }

    #[test]
    fn builds_then_reuses_and_reports_the_same_summary() {
        let (tmp, stage) = setup();
        let out = tmp.path().join("out");
        let first = run(&stage, &out, false, &()).unwrap();
        assert!(!first.up_to_date);
        assert_eq!(first.summary, Copied { bytes: 11 });
        let a = Artifact::open(&out, KIND).unwrap();
        assert_eq!(a.manifest().inputs.len(), 2);
        assert_eq!(
            a.manifest().inputs[1].sha256,
            sha256_bytes(b">chr1\nACGT\n")
        );
        assert!(a.has_file(SUMMARY_FILE));

        let again = run(&stage, &out, false, &()).unwrap();
        assert!(again.up_to_date);
        assert_eq!(again.summary, first.summary);
        assert_eq!(stage.builds.load(Ordering::SeqCst), 1);

        run(&stage, &out, true, &()).unwrap();
        assert_eq!(stage.builds.load(Ordering::SeqCst), 2);
        std::fs::write(&stage.file, ">chr1\nACGA\n").unwrap();
        assert!(!run(&stage, &out, false, &()).unwrap().up_to_date);
    }

    #[test]
    fn a_user_directory_with_a_foreign_manifest_is_never_replaced() {
        let (tmp, stage) = setup();
        let out = tmp.path().join("thesis");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(MANIFEST_FILE), "title = \"my thesis\"\n").unwrap();
        std::fs::write(out.join("chapter1.tex"), "...").unwrap();
        for force in [false, true] {
            let e = run(&stage, &out, force, &()).unwrap_err();
            assert!(matches!(e, Error::NotAnArtifactTarget { .. }), "{e}");
        }
        assert_eq!(
            std::fs::read_to_string(out.join("chapter1.tex")).unwrap(),
            "..."
        );
        assert_eq!(stage.builds.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn another_kind_is_replaced_only_with_force() {
        let (tmp, stage) = setup();
        let out = tmp.path().join("out");
        ArtifactBuilder::new(&out, Kind::new("model", 1), toml::Table::new(), vec![])
            .unwrap()
            .commit()
            .unwrap();
        let e = run(&stage, &out, false, &()).unwrap_err();
        assert!(matches!(e, Error::OtherKindAtTarget { .. }), "{e}");
        assert_eq!(
            Artifact::open_unverified(&out).unwrap().manifest().kind,
            "model"
        );
        run(&stage, &out, true, &()).unwrap();
        Artifact::open(&out, KIND).unwrap();
    }

    #[test]
    fn out_may_not_be_contain_or_lie_inside_an_input() {
        let (tmp, stage) = setup();
        let up = stage.upstream.clone();
        for (out, relation) in [
            (up.clone(), "is"),
            (tmp.path().join("x/../up"), "is"),
            (up.join("nested"), "lies inside"),
            (tmp.path().to_path_buf(), "contains"),
            (stage.file.clone(), "is"),
        ] {
            let e = run(&stage, &out, true, &()).unwrap_err();
            match e {
                Error::OutputIsInput { relation: r, .. } => assert_eq!(r, relation, "{out:?}"),
                e => panic!("{out:?}: {e}"),
            }
        }
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&up, &link).unwrap();
        assert!(matches!(
            run(&stage, &link, true, &()).unwrap_err(),
            Error::OutputIsInput { .. }
        ));
        Artifact::open(&up, UPSTREAM).unwrap();
        assert_eq!(stage.builds.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_corrupt_input_is_reported_and_nothing_is_written() {
        let (tmp, stage) = setup();
        std::fs::write(stage.upstream.join("windows.bed"), "chr1\t0\t10\tx\n").unwrap();
        let out = tmp.path().join("out");
        let e = run(&stage, &out, false, &()).unwrap_err();
        assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e}");
        assert!(!out.exists());
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    }

    #[test]
    fn output_files_are_apart_from_each_other_and_the_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let bed = tmp.path().join("f.bed");
        std::fs::write(&bed, "chr1\t0\t10\n").unwrap();
        let out = tmp.path().join("out.tsv");
        let graph = tmp.path().join("out.bedgraph");
        check_out_files(&[&out, &graph], &[&bed]).unwrap();
        assert!(check_out_files(&[&bed], &[&bed]).is_err());
        assert!(check_out_files(&[&out, &out], &[&bed]).is_err());
        assert!(matches!(
            check_out_files(&[tmp.path()], &[]).unwrap_err(),
            Error::OutputIsDirectory { .. }
        ));
        assert_eq!(std::fs::read_to_string(&bed).unwrap(), "chr1\t0\t10\n");
    }
}
