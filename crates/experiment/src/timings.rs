//! timings.tsv: the wall-clock seconds of every stage run of every run of the experiment in a
//! work directory, so a run interrupted and continued still adds up to the whole experiment's time
//! (an up-to-date stage costs about 0 s).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// The file's header: the run (the UTC time it started), the stage, the artifact's name and the
/// seconds.
pub const HEADER: &str = "run\tstage\tname\tseconds\n";

/// Seconds per stage over every run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Stage → (distinct artifacts, seconds).
    pub stages: BTreeMap<String, (usize, f64)>,
    pub runs: usize,
    pub total: f64,
}

impl Timings {
    /// Reads timings.tsv by its header's names; a work directory without one has no timings.
    pub fn read(path: &Path) -> Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(Error::io(path)(e)),
        };
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
        let column = |name: &str| header.iter().position(|h| *h == name);
        let bad = |line: usize, message: &str| Error::Parse {
            path: path.to_path_buf(),
            line,
            message: message.to_string(),
        };
        let (Some(run), Some(stage), Some(name), Some(seconds)) = (
            column("run"),
            column("stage"),
            column("name"),
            column("seconds"),
        ) else {
            return Err(bad(1, "expected the columns run, stage, name and seconds"));
        };
        let mut runs = BTreeSet::new();
        let mut artifacts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        let mut out = Self::default();
        for (i, line) in lines.enumerate() {
            let fields: Vec<&str> = line.split('\t').collect();
            let field = |c: usize| fields.get(c).copied();
            let (Some(r), Some(s), Some(n), Some(secs)) =
                (field(run), field(stage), field(name), field(seconds))
            else {
                return Err(bad(i + 2, "a line with too few fields"));
            };
            let secs: f64 = secs
                .parse()
                .map_err(|_| bad(i + 2, "seconds is not a number"))?;
            runs.insert(r);
            artifacts.entry(s).or_default().insert(n);
            out.stages.entry(s.to_string()).or_default().1 += secs;
            out.total += secs;
        }
        for (stage, names) in artifacts {
            out.stages.get_mut(stage).expect("counted above").0 = names.len();
        }
        out.runs = runs.len();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_per_stage_and_counts_artifacts_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("timings.tsv");
        assert_eq!(Timings::read(&path).unwrap(), Timings::default());
        let text = format!(
            "{HEADER}r1\tfinetune\tJUND/50-1/scratch\t4.0\nr1\tpretrain\ttf50\t90.5\nr2\tfinetune\tJUND/50-1/scratch\t0.5\n"
        );
        std::fs::write(&path, text).unwrap();
        let t = Timings::read(&path).unwrap();
        assert_eq!(t.runs, 2);
        assert_eq!(t.stages["finetune"], (1, 4.5));
        assert_eq!(t.stages["pretrain"], (1, 90.5));
        assert_eq!(t.total, 95.0);
        std::fs::write(&path, format!("{HEADER}r1\tx\n")).unwrap();
        assert!(Timings::read(&path)
            .unwrap_err()
            .to_string()
            .contains(":2: "));
    }
}
