use std::path::Path;

use crate::error::{Error, Result};
use crate::tensors::{Dtype, TensorFile};

pub const BOUND: i8 = 1;
pub const UNBOUND: i8 = 0;
/// NA: neither bound nor unbound is known; masked out of the loss.
pub const UNKNOWN: i8 = -1;

/// A row-major rows × named-columns matrix of labels (1 / 0 / -1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelMatrix {
    names: Vec<String>,
    values: Vec<i8>,
}

impl LabelMatrix {
    /// An all-unknown matrix.
    pub fn unknown(n_rows: usize, names: Vec<String>) -> Self {
        Self {
            values: vec![UNKNOWN; n_rows * names.len()],
            names,
        }
    }

    /// Builds a matrix from row-major values; `values.len()` must be a multiple of the column count.
    pub fn from_values(names: Vec<String>, values: Vec<i8>) -> Option<Self> {
        let ok = if names.is_empty() {
            values.is_empty()
        } else {
            values.len().is_multiple_of(names.len())
        };
        ok.then_some(Self { names, values })
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    pub fn n_rows(&self) -> usize {
        if self.names.is_empty() {
            0
        } else {
            self.values.len() / self.names.len()
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn get(&self, row: usize, col: usize) -> i8 {
        self.values[row * self.names.len() + col]
    }

    pub fn set(&mut self, row: usize, col: usize, value: i8) {
        let n = self.names.len();
        self.values[row * n + col] = value;
    }

    pub fn row(&self, row: usize) -> &[i8] {
        let n = self.names.len();
        &self.values[row * n..(row + 1) * n]
    }

    pub fn values(&self) -> &[i8] {
        &self.values
    }

    /// The values of one column, top to bottom.
    pub fn column(&self, col: usize) -> impl Iterator<Item = i8> + '_ {
        self.values
            .iter()
            .skip(col)
            .step_by(self.names.len().max(1))
            .copied()
    }

    /// A matrix of the given rows (in that order) and columns (by index, in that order).
    pub fn select(&self, rows: &[usize], cols: &[usize]) -> Self {
        let mut values = Vec::with_capacity(rows.len() * cols.len());
        for &r in rows {
            let row = self.row(r);
            values.extend(cols.iter().map(|&c| row[c]));
        }
        Self {
            names: cols.iter().map(|&c| self.names[c].clone()).collect(),
            values,
        }
    }

    /// The values as the bytes of an int8 tensor, without a copy.
    pub(crate) fn bytes(&self) -> &[u8] {
        // i8 and u8 have the same size and alignment, and every bit pattern is valid for both.
        unsafe { std::slice::from_raw_parts(self.values.as_ptr().cast::<u8>(), self.values.len()) }
    }

    pub(crate) fn from_bytes(names: Vec<String>, bytes: Vec<u8>, path: &Path) -> Result<Self> {
        let values: Vec<i8> = bytes.into_iter().map(|b| b as i8).collect();
        if let Some(bad) = values
            .iter()
            .find(|v| !matches!(**v, BOUND | UNBOUND | UNKNOWN))
        {
            return Err(Error::Invalid {
                path: path.to_path_buf(),
                message: format!("label {bad} is not 1, 0 or -1"),
            });
        }
        Self::from_values(names, values).ok_or_else(|| Error::Invalid {
            path: path.to_path_buf(),
            message: "label count is not a multiple of the number of names".into(),
        })
    }

    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        TensorFile::write(
            path,
            &[(
                "labels",
                Dtype::I8,
                vec![self.n_rows(), self.n_cols()],
                self.bytes(),
            )],
        )
    }

    pub(crate) fn read(path: &Path, names: Vec<String>) -> Result<Self> {
        let file = TensorFile::read(path)?;
        let (shape, bytes) = file.tensor("labels", Dtype::I8, 2)?;
        if shape[1] != names.len() {
            return Err(Error::Invalid {
                path: path.to_path_buf(),
                message: format!("{} label columns but {} names", shape[1], names.len()),
            });
        }
        Self::from_bytes(names, bytes, path)
    }
}
