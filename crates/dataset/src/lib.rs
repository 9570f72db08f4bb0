//! The on-disk formats of the artifacts that carry windows and labels between stages.
//!
//! | kind | files |
//! |---|---|
//! | `regions` (tfbind-peaks) | `windows.bed`, `labels.safetensors` (`labels` int8 [windows, TFs]), `tfs.txt` |
//! | `windows` (tfbind-negatives) | `windows.bed`, `labels.safetensors` (`labels` int8 [windows, tasks]), `tasks.txt`, optional `synthetic.safetensors` (`codes` uint8 [n, L], `rows` int64 [n]) |
//! | `dataset` (tfbind-encode) | `dataset.safetensors` (`sequences` uint8 [N, L], `labels` int8 [N, T], `split` uint8 [N]), `windows.bed`, `tasks.txt` |
//!
//! `windows.bed` is BED4 (`chrom start end name`, 0-based half-open). Labels are 1 bound, 0 unbound,
//! -1 unknown (NA, masked out of the loss). Sequence codes are A C G T N = 0 1 2 3 4. `split` is
//! 0 train, 1 validation, 2 test. Every tensor file is safetensors, so Python reads any artifact with
//! `safetensors.numpy.load_file`.

mod bed;
mod error;
mod labels;
mod tensors;
mod tf_list;
mod tfs;

pub use bed::{read_windows, write_windows, Window};
pub use error::{Error, Result};
pub use labels::{LabelMatrix, BOUND, UNBOUND, UNKNOWN};
pub use tf_list::{read_tf_list, tf_list_text};
pub use tfs::{LabelCounts, UnknownTf};

use std::path::Path;

pub use tensors::write_safetensors;

use tensors::{Dtype, TensorFile};
use tfbind_artifact::{Artifact, Kind};

/// The `regions` artifact: windows and their label matrix for every TF.
pub const REGIONS: Kind = tfbind_artifact::kinds::REGIONS;
/// The `windows` artifact: the labelled windows chosen for one dataset.
pub const WINDOWS: Kind = tfbind_artifact::kinds::WINDOWS;
/// The `dataset` artifact: encoded sequences, labels and split, ready for training.
pub const DATASET: Kind = tfbind_artifact::kinds::DATASET;

/// Windows × TFs labels, as tfbind-peaks writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Regions {
    pub windows: Vec<Window>,
    pub labels: LabelMatrix,
}

impl Regions {
    pub fn write(&self, dir: &Path) -> Result<()> {
        check_rows(dir, self.windows.len(), &self.labels)?;
        write_windows(&dir.join("windows.bed"), &self.windows)?;
        write_names(&dir.join("tfs.txt"), self.labels.names())?;
        self.labels.write(&dir.join("labels.safetensors"))
    }

    pub fn read(artifact: &Artifact) -> Result<Self> {
        artifact.expect_kind(REGIONS)?;
        let windows = read_windows(&artifact.file("windows.bed")?)?;
        let names = read_names(&artifact.file("tfs.txt")?)?;
        let labels = LabelMatrix::read(&artifact.file("labels.safetensors")?, names)?;
        check_rows(artifact.dir(), windows.len(), &labels)?;
        Ok(Self { windows, labels })
    }
}

/// Sequences given directly rather than read from the genome, e.g. dinucleotide-shuffled negatives.
#[derive(Debug, Clone, PartialEq)]
pub struct Synthetic {
    /// Row of `windows.bed` each sequence belongs to.
    pub rows: Vec<usize>,
    /// `rows.len()` × `len` sequence codes, row-major.
    pub codes: Vec<u8>,
    pub len: usize,
}

/// The labelled windows of one dataset, as tfbind-negatives writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Windows {
    pub windows: Vec<Window>,
    /// Windows × tasks (one task for a single-TF dataset).
    pub labels: LabelMatrix,
    pub synthetic: Option<Synthetic>,
}

impl Windows {
    pub fn write(&self, dir: &Path) -> Result<()> {
        check_rows(dir, self.windows.len(), &self.labels)?;
        write_windows(&dir.join("windows.bed"), &self.windows)?;
        write_names(&dir.join("tasks.txt"), self.labels.names())?;
        self.labels.write(&dir.join("labels.safetensors"))?;
        if let Some(s) = &self.synthetic {
            let rows: Vec<i64> = s.rows.iter().map(|&r| r as i64).collect();
            TensorFile::write(
                &dir.join("synthetic.safetensors"),
                &[
                    ("codes", Dtype::U8, vec![s.rows.len(), s.len], &s.codes),
                    (
                        "rows",
                        Dtype::I64,
                        vec![rows.len()],
                        &tensors::i64_bytes(&rows),
                    ),
                ],
            )?;
        }
        Ok(())
    }

    pub fn read(artifact: &Artifact) -> Result<Self> {
        artifact.expect_kind(WINDOWS)?;
        let windows = read_windows(&artifact.file("windows.bed")?)?;
        let names = read_names(&artifact.file("tasks.txt")?)?;
        let labels = LabelMatrix::read(&artifact.file("labels.safetensors")?, names)?;
        check_rows(artifact.dir(), windows.len(), &labels)?;
        let synthetic = if artifact.has_file("synthetic.safetensors") {
            let path = artifact.file("synthetic.safetensors")?;
            let file = TensorFile::read(&path)?;
            let (shape, codes) = file.tensor("codes", Dtype::U8, 2)?;
            let (_, rows) = file.tensor("rows", Dtype::I64, 1)?;
            let rows = tensors::i64_values(&rows)
                .into_iter()
                .map(|r| usize::try_from(r).ok().filter(|&r| r < windows.len()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| Error::Invalid {
                    path: path.clone(),
                    message: "a synthetic row index is outside windows.bed".into(),
                })?;
            if rows.len() != shape[0] {
                return Err(Error::Invalid {
                    path,
                    message: format!("{} rows for {} sequences", rows.len(), shape[0]),
                });
            }
            Some(Synthetic {
                rows,
                codes,
                len: shape[1],
            })
        } else {
            None
        };
        Ok(Self {
            windows,
            labels,
            synthetic,
        })
    }
}

/// Which part of the data a window belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Split {
    Train = 0,
    Valid = 1,
    Test = 2,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }
}

/// Encoded sequences with labels and split: what training reads.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub windows: Vec<Window>,
    /// Windows × tasks.
    pub labels: LabelMatrix,
    /// `windows.len()` × `seq_len` codes (A C G T N = 0..4), row-major.
    pub sequences: Vec<u8>,
    pub seq_len: usize,
    pub split: Vec<Split>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.windows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// The codes of window `i`.
    pub fn sequence(&self, i: usize) -> &[u8] {
        &self.sequences[i * self.seq_len..(i + 1) * self.seq_len]
    }

    /// Indices of the windows in one split, in file order.
    pub fn indices(&self, split: Split) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.split[i] == split)
            .collect()
    }

    pub fn write(&self, dir: &Path) -> Result<()> {
        check_rows(dir, self.windows.len(), &self.labels)?;
        if self.sequences.len() != self.len() * self.seq_len || self.split.len() != self.len() {
            return Err(Error::Invalid {
                path: dir.to_path_buf(),
                message: "sequences or split do not match the number of windows".into(),
            });
        }
        write_windows(&dir.join("windows.bed"), &self.windows)?;
        write_names(&dir.join("tasks.txt"), self.labels.names())?;
        let split: Vec<u8> = self.split.iter().map(|&s| s as u8).collect();
        TensorFile::write(
            &dir.join("dataset.safetensors"),
            &[
                (
                    "sequences",
                    Dtype::U8,
                    vec![self.len(), self.seq_len],
                    &self.sequences,
                ),
                (
                    "labels",
                    Dtype::I8,
                    vec![self.len(), self.labels.n_cols()],
                    self.labels.bytes(),
                ),
                ("split", Dtype::U8, vec![self.len()], &split),
            ],
        )
    }

    pub fn read(artifact: &Artifact) -> Result<Self> {
        artifact.expect_kind(DATASET)?;
        let windows = read_windows(&artifact.file("windows.bed")?)?;
        let names = read_names(&artifact.file("tasks.txt")?)?;
        let path = artifact.file("dataset.safetensors")?;
        let file = TensorFile::read(&path)?;
        let (shape, sequences) = file.tensor("sequences", Dtype::U8, 2)?;
        let (label_shape, label_bytes) = file.tensor("labels", Dtype::I8, 2)?;
        let (_, split_bytes) = file.tensor("split", Dtype::U8, 1)?;
        let invalid = |message: String| Error::Invalid {
            path: path.clone(),
            message,
        };
        if shape[0] != windows.len()
            || label_shape[0] != windows.len()
            || split_bytes.len() != windows.len()
        {
            return Err(invalid(format!(
                "tensors have {} / {} / {} rows but windows.bed has {}",
                shape[0],
                label_shape[0],
                split_bytes.len(),
                windows.len()
            )));
        }
        if label_shape[1] != names.len() {
            return Err(invalid(format!(
                "labels have {} columns but tasks.txt names {}",
                label_shape[1],
                names.len()
            )));
        }
        if let Some(&bad) = sequences.iter().find(|&&c| c > 4) {
            return Err(invalid(format!("sequence code {bad} is not one of 0..=4")));
        }
        let split = split_bytes
            .iter()
            .map(|&s| match s {
                0 => Ok(Split::Train),
                1 => Ok(Split::Valid),
                2 => Ok(Split::Test),
                other => Err(invalid(format!("split code {other} is not 0, 1 or 2"))),
            })
            .collect::<Result<Vec<_>>>()?;
        let labels = LabelMatrix::from_bytes(names, label_bytes, &path)?;
        Ok(Self {
            windows,
            labels,
            sequences,
            seq_len: shape[1],
            split,
        })
    }
}

fn check_rows(path: &Path, n_windows: usize, labels: &LabelMatrix) -> Result<()> {
    if labels.n_rows() != n_windows {
        return Err(Error::Invalid {
            path: path.to_path_buf(),
            message: format!("{} label rows for {} windows", labels.n_rows(), n_windows),
        });
    }
    Ok(())
}

fn write_names(path: &Path, names: &[String]) -> Result<()> {
    let mut text = names.join("\n");
    text.push('\n');
    std::fs::write(path, text).map_err(Error::io(path))
}

fn read_names(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(Error::io(path))?;
    Ok(text.lines().map(str::to_string).collect())
}

#[cfg(test)]
mod tests;
