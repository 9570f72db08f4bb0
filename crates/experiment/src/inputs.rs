//! The bundle as the experiment's regions read it: every `thin`-th window (all of them, and the
//! training ones: without the test windows, so that nothing chosen or trained on them ever sees a
//! test label), each with its rows of the label matrix.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use tfbind_artifact::AtomicFile;
use tfbind_dataset::{Split, Window};
use tfbind_genome::text::LineReader;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::layout::{Layout, RegionSet};

/// Writes the inputs of both region sets unless the stamp shows they were made from the same
/// files, thinning and split.
pub fn prepare(config: &Config, layout: &Layout) -> Result<()> {
    let stamp = stamp(config)?;
    let stamp_path = layout.inputs().join("made-from.toml");
    if std::fs::read_to_string(&stamp_path).is_ok_and(|s| s == stamp) {
        return Ok(());
    }
    let thin = config.experiment.thin;
    tracing::info!(
        thin,
        regions = %config.bundle.regions().display(),
        "splitting the bundle into all and training windows"
    );
    let (lines, windows) = kept_windows(&config.bundle.regions(), thin)?;
    let params = config.split.encode(&config.bundle.genome());
    let splits = tfbind_encode::assign_splits(&windows, &params)?;
    let training: Vec<bool> = splits.iter().map(|s| *s != Split::Test).collect();
    let mut names: [HashSet<&str>; 2] = Default::default();
    let mut beds = Output::both(|set| layout.bed(set))?;
    for ((line, window), &train) in lines.iter().zip(&windows).zip(&training) {
        for (set, bed) in beds.iter_mut().enumerate() {
            if set == 0 || train {
                names[set].insert(window.name.as_str());
                bed.line(line)?;
            }
        }
    }
    let mut labels = Output::both(|set| layout.labels(set))?;
    let mut reader = LineReader::open(&config.bundle.labels())?;
    while let Some((number, line)) = reader.next_line()? {
        let name = line.split(|&b| b == b'\t').next().unwrap_or_default();
        let name = std::str::from_utf8(name).unwrap_or_default();
        for (set, file) in labels.iter_mut().enumerate() {
            if number == 1 || names[set].contains(name) {
                file.line(line)?;
            }
        }
    }
    AtomicFile::commit_all(beds.into_iter().chain(labels).map(|o| o.file).collect())?;
    AtomicFile::write(&stamp_path, stamp)?;
    Ok(())
}

/// What the inputs are made from: the files (by path, size and modification time), the thinning
/// and the split.
fn stamp(config: &Config) -> Result<String> {
    let mut table = toml::Table::new();
    for (key, path) in [
        ("regions", config.bundle.regions()),
        ("labels", config.bundle.labels()),
    ] {
        let meta = std::fs::metadata(&path).map_err(Error::io(&path))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        table.insert(
            key.into(),
            format!("{} {} {modified}", path.display(), meta.len()).into(),
        );
    }
    table.insert("thin".into(), (config.experiment.thin as i64).into());
    table.insert(
        "split".into(),
        tfbind_artifact::to_table(&config.split)?.into(),
    );
    Ok(toml::to_string(&table).expect("a table of plain values"))
}

/// Every `thin`-th line of a BED4+ file, and its window.
fn kept_windows(path: &Path, thin: usize) -> Result<(Vec<Vec<u8>>, Vec<Window>)> {
    let mut reader = LineReader::open(path)?;
    let (mut lines, mut windows) = (Vec::new(), Vec::new());
    let mut index = 0;
    while let Some((number, line)) = reader.next_line()? {
        if line.is_empty() || line.starts_with(b"#") || line.starts_with(b"track") {
            continue;
        }
        index += 1;
        if (index - 1) % thin != 0 {
            continue;
        }
        let line = line.to_vec();
        let text = String::from_utf8_lossy(&line);
        let mut fields = text.split('\t');
        let window = (|| {
            Some(Window {
                chrom: fields.next()?.to_string(),
                start: fields.next()?.parse().ok()?,
                end: fields.next()?.parse().ok()?,
                name: fields.next()?.to_string(),
            })
        })()
        .ok_or_else(|| reader.error_at(number, "expected chrom, start, end and name"))?;
        windows.push(window);
        lines.push(line);
    }
    Ok((lines, windows))
}

/// One of the files written, with its path for errors.
struct Output {
    file: AtomicFile,
    path: PathBuf,
}

impl Output {
    /// The file of each region set, all windows first.
    fn both(path: impl Fn(RegionSet) -> PathBuf) -> Result<[Output; 2]> {
        let open = |set| -> Result<Output> {
            let path = path(set);
            Ok(Output {
                file: AtomicFile::create(&path)?,
                path,
            })
        };
        Ok([open(RegionSet::All)?, open(RegionSet::Train)?])
    }

    fn line(&mut self, line: &[u8]) -> Result<()> {
        let w = &mut self.file.writer;
        w.write_all(line)
            .and_then(|()| w.write_all(b"\n"))
            .map_err(Error::io(&self.path))
    }
}
