//! Thin helpers over the `safetensors` crate for the few dtypes the artifacts use.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use safetensors::tensor::{Metadata, TensorView, View};
use safetensors::{SafeTensorError, SafeTensors};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    U8,
    I8,
    I64,
}

impl Dtype {
    fn safetensors(self) -> safetensors::Dtype {
        match self {
            Dtype::U8 => safetensors::Dtype::U8,
            Dtype::I8 => safetensors::Dtype::I8,
            Dtype::I64 => safetensors::Dtype::I64,
        }
    }
}

pub(crate) struct TensorFile {
    path: PathBuf,
    bytes: Vec<u8>,
}

impl TensorFile {
    pub(crate) fn write(path: &Path, tensors: &[(&str, Dtype, Vec<usize>, &[u8])]) -> Result<()> {
        let invalid = |e: safetensors::SafeTensorError| Error::Invalid {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let views = tensors
            .iter()
            .map(|(name, dtype, shape, data)| {
                TensorView::new(dtype.safetensors(), shape.clone(), data).map(|v| (*name, v))
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(invalid)?;
        // A plain `File::create` inside the artifact's temporary directory (which is renamed
        // whole): `safetensors::serialize_to_file` goes through a temporary file of mode 0600,
        // which a second user or a cluster job could not read.
        let file = std::fs::File::create(path).map_err(Error::io(path))?;
        let mut out = BufWriter::new(file);
        write_safetensors(&mut out, &views).map_err(invalid)?;
        out.flush().map_err(Error::io(path))
    }

    pub(crate) fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(Error::io(path))?;
        SafeTensors::deserialize(&bytes).map_err(|e| Error::Invalid {
            path: path.to_path_buf(),
            message: format!("not a valid safetensors file: {e}"),
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
        })
    }

    /// The shape and raw bytes of a tensor, checked for dtype and rank.
    pub(crate) fn tensor(
        &self,
        name: &str,
        dtype: Dtype,
        rank: usize,
    ) -> Result<(Vec<usize>, Vec<u8>)> {
        let tensors = SafeTensors::deserialize(&self.bytes).expect("validated in read");
        let invalid = |message: String| Error::Invalid {
            path: self.path.clone(),
            message,
        };
        let view = tensors
            .tensor(name)
            .map_err(|_| invalid(format!("no tensor named `{name}`")))?;
        if view.dtype() != dtype.safetensors() || view.shape().len() != rank {
            return Err(invalid(format!(
                "tensor `{name}` is {:?} {:?}, expected {:?} of rank {rank}",
                view.dtype(),
                view.shape(),
                dtype.safetensors()
            )));
        }
        Ok((view.shape().to_vec(), view.data().to_vec()))
    }
}

/// Writes tensors in the safetensors format, streaming each tensor's bytes (a dataset's sequences
/// are not copied into one buffer); the bytes are those of `safetensors::serialize`.
pub fn write_safetensors(
    mut out: impl Write,
    tensors: &[(&str, TensorView<'_>)],
) -> std::result::Result<(), SafeTensorError> {
    /// A tensor without its data: serializing these gives the file's length prefix and header.
    struct Header<'a>(&'a TensorView<'a>);
    impl View for Header<'_> {
        fn dtype(&self) -> safetensors::Dtype {
            self.0.dtype()
        }
        fn shape(&self) -> &[usize] {
            self.0.shape()
        }
        fn data(&self) -> Cow<'_, [u8]> {
            Cow::Borrowed(&[])
        }
        fn data_len(&self) -> usize {
            self.0.data_len()
        }
    }
    let header = safetensors::serialize(
        tensors.iter().map(|(name, view)| (*name, Header(view))),
        None::<HashMap<String, String>>,
    )?;
    // The header fixes where each tensor's bytes go (safetensors orders them by alignment).
    let metadata: Metadata = serde_json::from_slice(&header[8..])?;
    let mut ordered: Vec<(usize, &TensorView)> = tensors
        .iter()
        .map(|(name, view)| {
            let info = metadata
                .info(name)
                .ok_or_else(|| SafeTensorError::TensorNotFound(name.to_string()))?;
            Ok((info.data_offsets.0, view))
        })
        .collect::<std::result::Result<_, SafeTensorError>>()?;
    ordered.sort_by_key(|&(offset, _)| offset);
    out.write_all(&header)?;
    for (_, view) in ordered {
        out.write_all(view.data())?;
    }
    Ok(())
}

pub(crate) fn i64_bytes(values: &[i64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(crate) fn i64_values(bytes: &[u8]) -> Vec<i64> {
    bytes
        .chunks_exact(8)
        .map(|c| i64::from_le_bytes(c.try_into().expect("chunks of 8")))
        .collect()
}
