//! Which peak file belongs to which TF: names from file names, directories of peak files, and
//! `name<TAB>path` lists.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use tfbind_genome::{bed, text::LineReader};

use crate::{Error, Result};

/// A TF and its peak file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeakSource {
    pub tf: String,
    pub path: PathBuf,
    /// Where the name came from (`file name of …` or `list.tsv:3`), for duplicate-name errors.
    pub origin: String,
}

/// Compression suffixes, then format suffixes, stripped from a file name to get the TF name.
const COMPRESSION: &[&str] = &[".gz", ".bgz"];
const FORMATS: &[&str] = &[".narrowpeak", ".broadpeak", ".bed", ".txt", ".tsv"];

/// The TF name a peak file's name implies: `JUND.narrowPeak.gz` → `JUND`, `ctcf_k562.bed` →
/// `ctcf_k562`. Suffixes are matched without regard to case.
pub fn tf_name(path: &Path) -> Option<String> {
    let mut name = path.file_name()?.to_str()?;
    for suffixes in [COMPRESSION, FORMATS] {
        if let Some(s) = suffixes.iter().find(|s| ends_with_ignore_case(name, s)) {
            name = &name[..name.len() - s.len()];
        }
    }
    valid_tf_name(name).then(|| name.to_owned())
}

fn ends_with_ignore_case(name: &str, suffix: &str) -> bool {
    name.len() >= suffix.len()
        && name.is_char_boundary(name.len() - suffix.len())
        && name[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

/// TF names are columns of the label matrix and lines of `tfs.txt`.
fn valid_tf_name(name: &str) -> bool {
    !name.is_empty() && !name.contains(['\t', '\n', '\r'])
}

/// Peak files named on the command line: files (TF name from the file name) and directories
/// (every file in it whose name ends in `.narrowPeak`, `.broadPeak` or `.bed`, optionally `.gz`
/// or `.bgz`, in name order).
pub fn from_paths(paths: &[PathBuf]) -> Result<Vec<PeakSource>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut files = Vec::new();
            for entry in std::fs::read_dir(path).map_err(Error::io(path))? {
                let file = entry.map_err(Error::io(path))?.path();
                if file.is_file() && is_peak_file_name(&file) {
                    files.push(file);
                }
            }
            if files.is_empty() {
                return Err(Error::Empty {
                    path: path.clone(),
                    message: "no peak files (*.narrowPeak, *.broadPeak, *.bed, optionally \
                              .gz) in this directory"
                        .into(),
                });
            }
            files.sort();
            for file in files {
                out.push(source_from_file_name(file)?);
            }
        } else {
            out.push(source_from_file_name(path.clone())?);
        }
    }
    Ok(out)
}

fn is_peak_file_name(path: &Path) -> bool {
    let Some(mut name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    if let Some(s) = COMPRESSION.iter().find(|s| ends_with_ignore_case(name, s)) {
        name = &name[..name.len() - s.len()];
    }
    [".narrowpeak", ".broadpeak", ".bed"]
        .iter()
        .any(|s| ends_with_ignore_case(name, s))
}

fn source_from_file_name(path: PathBuf) -> Result<PeakSource> {
    let tf = tf_name(&path).ok_or_else(|| Error::Empty {
        path: path.clone(),
        message: "no TF name in this file name; name the TF in a --peak-list".into(),
    })?;
    Ok(PeakSource {
        origin: format!("the file name of {}", path.display()),
        tf,
        path,
    })
}

/// Reads a `name<TAB>path` list (plain or gzip; `#` comments and blank lines allowed). Relative
/// paths are relative to the list's directory, so a list travels with its peak files.
pub fn from_list(path: &Path) -> Result<Vec<PeakSource>> {
    let base = path.parent().unwrap_or(Path::new(""));
    let mut reader = LineReader::open(path)?;
    let mut out = Vec::new();
    while let Some((n, line)) = reader.next_line()? {
        if bed::is_header(line) {
            continue;
        }
        let text = std::str::from_utf8(line).map_err(|_| Error::at(path, n, "not UTF-8"))?;
        let mut f = text.split('\t');
        let (Some(tf), Some(file), None) = (f.next(), f.next(), f.next()) else {
            return Err(Error::at(
                path,
                n,
                "expected 2 tab-separated fields: TF name, peak file path",
            ));
        };
        if !valid_tf_name(tf) || file.is_empty() {
            return Err(Error::at(path, n, "empty TF name or path"));
        }
        out.push(PeakSource {
            tf: tf.to_owned(),
            path: base.join(file),
            origin: format!("{}:{n}", path.display()),
        });
    }
    if out.is_empty() {
        return Err(Error::Empty {
            path: path.to_owned(),
            message: "no TF in the peak list".into(),
        });
    }
    Ok(out)
}

/// Refuses two peak files for one TF name: their labels would silently share a column name.
pub fn check_unique(sources: &[PeakSource]) -> Result<()> {
    let mut seen: HashMap<&str, &PeakSource> = HashMap::with_capacity(sources.len());
    for s in sources {
        if let Some(first) = seen.insert(&s.tf, s) {
            return Err(Error::DuplicateTf {
                name: s.tf.clone(),
                first: first.origin.clone(),
                second: s.origin.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_file_names() {
        let name = |p: &str| tf_name(Path::new(p));
        assert_eq!(name("peaks/JUND.narrowPeak.gz").as_deref(), Some("JUND"));
        assert_eq!(name("CTCF_K562.bed").as_deref(), Some("CTCF_K562"));
        assert_eq!(name("MAX.bgz").as_deref(), Some("MAX"));
        assert_eq!(name("JUN.B.narrowpeak").as_deref(), Some("JUN.B"));
        assert_eq!(name(".bed.gz"), None);
    }

    #[test]
    fn lists_resolve_paths_beside_themselves_and_duplicates_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("tfs.tsv");
        std::fs::write(
            &list,
            "# tf\tpath\nJUND\ta.bed\nMAX\t/abs/b.bed\n\nJUND\tc.bed\n",
        )
        .unwrap();
        let s = from_list(&list).unwrap();
        assert_eq!(s[0].path, dir.path().join("a.bed"));
        assert_eq!(s[1].path, Path::new("/abs/b.bed"));
        let e = check_unique(&s).unwrap_err().to_string();
        assert!(
            e.contains("\"JUND\"") && e.contains("tfs.tsv:2") && e.contains("tfs.tsv:5"),
            "{e}"
        );

        std::fs::write(&list, "JUND a.bed\n").unwrap();
        let e = from_list(&list).unwrap_err().to_string();
        assert!(e.contains("tfs.tsv:1:"), "{e}");
    }

    #[test]
    fn directories_give_their_peak_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["B.narrowPeak.gz", "A.bed", "README.md"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        let s = from_paths(&[dir.path().to_owned()]).unwrap();
        let tfs: Vec<_> = s.iter().map(|s| s.tf.as_str()).collect();
        assert_eq!(tfs, ["A", "B"]);
    }
}
