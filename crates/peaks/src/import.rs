//! `import`: a precomputed label matrix, as a windows BED and a labels TSV, → a `regions` artifact.
//!
//! The TSV is the format of the shared bundle's `labels.tsv.gz`: a header `region` then one name
//! per TF, and one row per window, in the order of the BED, named as the BED names it (field 4);
//! values `1` bound, `0` unbound, `NA` unknown. Plain or gzip.

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
};

use tfbind_artifact::stage::Progress;
use tfbind_dataset::{LabelMatrix, Regions, Window, BOUND, UNBOUND, UNKNOWN};
use tfbind_genome::{
    bed::{self, ChromCheck, UnknownChroms},
    text::LineReader,
    ChromSizes,
};

use crate::{Error, Result, Summary};

/// The input files of `import`.
#[derive(Debug, Clone)]
pub struct ImportInputs {
    /// BED4+ windows, named in field 4.
    pub windows: PathBuf,
    /// The labels TSV.
    pub labels: PathBuf,
    /// When given, every window must lie on one of its chromosomes.
    pub genome: Option<PathBuf>,
}

/// Reads the windows and their labels, with a step of `progress` per label row.
pub fn import(
    inputs: &ImportInputs,
    sizes: Option<&ChromSizes>,
    progress: &dyn Progress,
) -> Result<(Regions, Summary)> {
    let (windows, bed_lines) = read_windows(&inputs.windows, sizes)?;
    progress.start("label rows", windows.len() as u64);
    let labels = read_labels(
        &inputs.labels,
        &inputs.windows,
        &windows,
        &bed_lines,
        progress,
    )?;
    let summary = Summary::new(&labels, None);
    Ok((Regions { windows, labels }, summary))
}

/// The windows of a BED4+, in file order, with the line each came from.
fn read_windows(path: &Path, sizes: Option<&ChromSizes>) -> Result<(Vec<Window>, Vec<u64>)> {
    let mut reader = bed::Reader::open(path)?;
    let mut check = sizes.map(|sizes| ChromCheck::new(path, sizes, UnknownChroms::Error));
    let (mut windows, mut lines) = (Vec::new(), Vec::new());
    while let Some(mut record) = reader.next_record()? {
        let iv = record.interval;
        if let Some(check) = check.as_mut() {
            check.resolve(record.line, iv)?;
        }
        let name = record
            .rest
            .next()
            .filter(|name| !name.is_empty())
            .ok_or_else(|| {
                record.error(
                    bed::too_few_fields(record.text, 4, "chrom start end name")
                        + ": the labels' `region` column refers to windows by name",
                )
            })?;
        let name = std::str::from_utf8(name).map_err(|_| record.error("the name is not UTF-8"))?;
        windows.push(Window {
            chrom: iv.chrom.to_owned(),
            start: iv.start,
            end: iv.end,
            name: name.to_owned(),
        });
        lines.push(record.line);
    }
    if windows.is_empty() {
        return Err(Error::Empty {
            path: path.to_owned(),
            message: "no windows in the file".into(),
        });
    }
    Ok((windows, lines))
}

const FIRST_COLUMN: &str = "region";
/// Rows between progress reports.
const PROGRESS_ROWS: usize = 8192;

fn read_labels(
    path: &Path,
    bed_path: &Path,
    windows: &[Window],
    bed_lines: &[u64],
    progress: &dyn Progress,
) -> Result<LabelMatrix> {
    let mut reader = LineReader::open(path)?;
    let Some((_, header)) = reader.next_line()? else {
        return Err(Error::Empty {
            path: path.to_owned(),
            message: format!("empty: expected a header `{FIRST_COLUMN}<TAB>TF…`"),
        });
    };
    let names = header_names(header).map_err(|m| Error::at(path, 1, m))?;
    let n_tfs = names.len();
    let mut values = Vec::with_capacity(windows.len() * n_tfs);
    let mut rows = 0;
    let mut last_line = 1;
    while let Some((n, line)) = reader.next_line()? {
        last_line = n;
        if line.is_empty() {
            continue;
        }
        let Some(window) = windows.get(rows) else {
            return Err(Error::at(
                path,
                n,
                format!(
                    "a row beyond the {} windows of {}",
                    windows.len(),
                    bed_path.display()
                ),
            ));
        };
        let mut fields = bed::fields(line);
        let region = fields.next().unwrap_or_default();
        if region != window.name.as_bytes() {
            return Err(Error::at(
                path,
                n,
                format!(
                    "region {:?} does not match {}:{}, which names {:?}: the labels' rows must \
                     follow the windows BED row by row",
                    String::from_utf8_lossy(region),
                    bed_path.display(),
                    bed_lines[rows],
                    window.name
                ),
            ));
        }
        let before = values.len();
        for (col, field) in fields.enumerate() {
            let value = match field {
                b"1" => BOUND,
                b"0" => UNBOUND,
                b"NA" => UNKNOWN,
                other => {
                    let tf = names.get(col).map_or("(beyond the header)", String::as_str);
                    return Err(Error::at(
                        path,
                        n,
                        format!(
                            "value {:?} for {tf} is not 1, 0 or NA",
                            String::from_utf8_lossy(other)
                        ),
                    ));
                }
            };
            values.push(value);
        }
        if values.len() - before != n_tfs {
            return Err(Error::at(
                path,
                n,
                format!(
                    "{} values where the header names {n_tfs} TFs",
                    values.len() - before
                ),
            ));
        }
        rows += 1;
        if rows % PROGRESS_ROWS == 0 {
            progress.advance(PROGRESS_ROWS as u64);
        }
    }
    progress.advance((rows % PROGRESS_ROWS) as u64);
    if rows < windows.len() {
        return Err(Error::at(
            path,
            last_line,
            format!(
                "the labels end after {rows} rows, but {} has {} windows",
                bed_path.display(),
                windows.len()
            ),
        ));
    }
    Ok(LabelMatrix::from_values(names, values).expect("every row has one value per TF"))
}

/// The TF names of the header, checked: present, distinct, after the `region` column.
fn header_names(header: &[u8]) -> std::result::Result<Vec<String>, String> {
    let text = std::str::from_utf8(header).map_err(|_| "the header is not UTF-8".to_owned())?;
    let mut fields = text.split('\t');
    if fields.next() != Some(FIRST_COLUMN) {
        return Err(format!(
            "the header must start with `{FIRST_COLUMN}` then the TF names, tab-separated"
        ));
    }
    let names: Vec<String> = fields.map(str::to_owned).collect();
    if names.is_empty() {
        return Err("the header names no TF".into());
    }
    let mut seen = HashMap::with_capacity(names.len());
    for (col, name) in names.iter().enumerate() {
        if name.is_empty() {
            return Err(format!("column {} has an empty TF name", col + 2));
        }
        if let Some(first) = seen.insert(name.as_str(), col) {
            return Err(format!(
                "TF {name:?} is named twice, in columns {} and {}",
                first + 2,
                col + 2
            ));
        }
    }
    Ok(names)
}
