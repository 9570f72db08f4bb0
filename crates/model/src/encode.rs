//! From uint8 sequence codes (A C G T N = 0..=4) to the network's one-hot input, on the device.
//!
//! Datasets hold one byte per base; the network wants four floats per base. Expanding on the
//! device with a table lookup keeps host memory and host-to-device traffic at a quarter of the
//! float size, and costs one gather per batch.

use tch::{Device, Kind, Tensor};

use crate::error::{ModelError, Result};

/// Rows: A C G T N; columns: the A C G T channels. N is 0.25 in every channel.
const TABLE: [f32; 20] = [
    1., 0., 0., 0., //
    0., 1., 0., 0., //
    0., 0., 1., 0., //
    0., 0., 0., 1., //
    0.25, 0.25, 0.25, 0.25,
];

/// The lookup table of [`lookup`], placed on `device` once per model.
pub(crate) fn table(device: Device) -> Tensor {
    Tensor::from_slice(&TABLE).view([5, 4]).to_device(device)
}

/// `codes` uint8 `[batch, len]` on the table's device → float `[batch, 4, len]`.
pub(crate) fn lookup(table: &Tensor, codes: &Tensor) -> Tensor {
    let (batch, len) = codes
        .size2()
        .expect("codes are checked to be 2-D by the caller");
    table
        .index_select(0, &codes.reshape([-1]).to_kind(Kind::Int64))
        .view([batch, len, 4])
        .permute([0, 2, 1])
}

/// Windows of `len` consecutive codes as the networks' input, float `[windows, 4, len]` on
/// `device`: what [`Model::forward_one_hot_t`](crate::Model::forward_one_hot_t) takes, for methods
/// that need gradients with respect to the input. Contiguous, unlike the view a model makes for
/// itself, so that callers may reshape it.
pub fn one_hot(codes: &[u8], len: usize, device: Device) -> Result<Tensor> {
    if len == 0 || !codes.len().is_multiple_of(len) {
        return Err(ModelError::RaggedInput {
            len: codes.len(),
            window_len: len,
        });
    }
    check_codes(codes)?;
    let codes = Tensor::from_slice(codes)
        .view([-1, len as i64])
        .to_device(device);
    Ok(lookup(&table(device), &codes).contiguous())
}

/// The reverse complement of a window of codes: A↔T, C↔G, N stays N, order reversed.
///
/// ```
/// let mut out = [0u8; 5];
/// tfbind_model::reverse_complement_into(&[0, 1, 2, 3, 4], &mut out);
/// assert_eq!(out, [4, 0, 1, 2, 3]);
/// ```
pub fn reverse_complement_into(window: &[u8], out: &mut [u8]) {
    for (o, &c) in out.iter_mut().zip(window.iter().rev()) {
        // Codes 0..=3 complement to 3 - c; N (4) and anything validated away stays.
        *o = if c < 4 { 3 - c } else { c };
    }
}

/// Checks that every code is one of 0..=4, so the one-hot lookup cannot index out of range.
pub fn check_codes(codes: &[u8]) -> Result<()> {
    match codes.iter().position(|&c| c > 4) {
        Some(index) => Err(ModelError::BadCode {
            index,
            value: codes[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_layout_and_n() {
        let codes = Tensor::from_slice(&[0u8, 1, 2, 3, 4, 0]).view([2, 3]);
        let x = lookup(&table(Device::Cpu), &codes);
        assert_eq!(x.size(), [2, 4, 3]);
        let first: Vec<f32> = Vec::try_from(x.get(0).contiguous().view([-1])).unwrap();
        // Channels A C G T of positions A, C, G.
        assert_eq!(first, [1., 0., 0., 0., 1., 0., 0., 0., 1., 0., 0., 0.]);
        let second: Vec<f32> = Vec::try_from(x.get(1).contiguous().view([-1])).unwrap();
        assert_eq!(
            second,
            [0., 0.25, 1., 0., 0.25, 0., 0., 0.25, 0., 1., 0.25, 0.]
        );
    }

    #[test]
    fn one_hot_of_host_codes_is_the_lookup_and_checks_them() {
        let x = one_hot(&[0, 1, 2, 3, 4, 0], 3, Device::Cpu).unwrap();
        let codes = Tensor::from_slice(&[0u8, 1, 2, 3, 4, 0]).view([2, 3]);
        assert!(x.is_contiguous());
        assert!(x.equal(&lookup(&table(Device::Cpu), &codes)));
        assert!(matches!(
            one_hot(&[0, 1, 2, 3], 3, Device::Cpu),
            Err(ModelError::RaggedInput {
                len: 4,
                window_len: 3
            })
        ));
        assert!(matches!(
            one_hot(&[0, 9, 2], 3, Device::Cpu),
            Err(ModelError::BadCode { index: 1, value: 9 })
        ));
    }

    #[test]
    fn reverse_complement_is_an_involution() {
        let w = [0u8, 0, 1, 4, 2, 2, 3];
        let mut rc = [0u8; 7];
        let mut back = [0u8; 7];
        reverse_complement_into(&w, &mut rc);
        reverse_complement_into(&rc, &mut back);
        assert_eq!(rc, [0, 1, 1, 4, 2, 3, 3]);
        assert_eq!(back, w);
    }

    #[test]
    fn bad_codes_are_reported_with_their_position() {
        assert!(check_codes(&[0, 4, 3]).is_ok());
        assert!(matches!(
            check_codes(&[0, 4, 5]),
            Err(ModelError::BadCode { index: 2, value: 5 })
        ));
    }
}
