//! Sequence codes: A C G T N = 0 1 2 3 4.

use std::ops::Range;

use crate::fai;

pub const A: u8 = 0;
pub const C: u8 = 1;
pub const G: u8 = 2;
pub const T: u8 = 3;
pub const N: u8 = 4;

/// The letter of each code, `ACGTN`.
pub const LETTERS: [u8; 5] = *b"ACGTN";

/// Marks bytes that are not sequence letters (line breaks, `>`, digits) in [`TABLE`]; all codes
/// are below 8, so OR-ing codes together tells whether any byte was invalid.
pub(crate) const INVALID: u8 = 0x80;

const TABLE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut b = 0;
    while b < 256 {
        if (b as u8).is_ascii_alphabetic() {
            t[b] = N;
        }
        b += 1;
    }
    t[b'A' as usize] = A;
    t[b'a' as usize] = A;
    t[b'C' as usize] = C;
    t[b'c' as usize] = C;
    t[b'G' as usize] = G;
    t[b'g' as usize] = G;
    t[b'T' as usize] = T;
    t[b't' as usize] = T;
    t
};

/// The code of one sequence letter: A C G T (either case) → 0..=3, any other letter (IUPAC
/// ambiguity codes, N) → 4; `None` for a byte that is not a letter.
///
/// # Examples
/// ```
/// use tfbind_genome::codes;
/// assert_eq!(codes::encode_base(b'g'), Some(codes::G));
/// assert_eq!(codes::encode_base(b'R'), Some(codes::N));
/// assert_eq!(codes::encode_base(b'\n'), None);
/// ```
pub fn encode_base(byte: u8) -> Option<u8> {
    match TABLE[usize::from(byte)] {
        INVALID => None,
        code => Some(code),
    }
}

/// Codes of a sequence given as letters; `Err(byte)` names the first byte that is not a letter.
///
/// # Examples
/// ```
/// assert_eq!(tfbind_genome::codes::encode(b"ACgtNy").unwrap(), [0, 1, 2, 3, 4, 4]);
/// ```
pub fn encode(letters: &[u8]) -> Result<Vec<u8>, u8> {
    letters.iter().map(|&b| encode_base(b).ok_or(b)).collect()
}

/// Calls `f(text_range, out_range)` for each line's piece of the `len` bases starting at base
/// `start` of `record`, where `text_range` indexes the file's bytes from that base on.
fn for_each_line(
    record: &fai::Record,
    start: u64,
    len: usize,
    mut f: impl FnMut(Range<usize>, Range<usize>),
) {
    let line_bases = record.line_bases as usize;
    let gap = (record.line_width - record.line_bases) as usize;
    let mut column = (start % record.line_bases) as usize;
    let (mut t, mut o) = (0, 0);
    while o < len {
        let n = (line_bases - column).min(len - o);
        f(t..t + n, o..o + n);
        o += n;
        t += n + gap;
        column = 0;
    }
}

/// Codes of the bases starting at `start` of `record`'s sequence, from `text`, the file's bytes
/// from that base on (line breaks included), filling `out`. `Err(byte)` on a byte that is not a
/// letter where the index says a base is: the index does not match the file.
pub(crate) fn encode_wrapped(
    text: &[u8],
    record: &fai::Record,
    start: u64,
    out: &mut [u8],
) -> Result<(), u8> {
    let mut seen = 0u8;
    for_each_line(record, start, out.len(), |t, o| {
        for (dst, &b) in out[o].iter_mut().zip(&text[t]) {
            let code = TABLE[usize::from(b)];
            seen |= code;
            *dst = code;
        }
    });
    if seen & INVALID == 0 {
        return Ok(());
    }
    let mut bad = None;
    for_each_line(record, start, out.len(), |t, _| {
        bad = bad.or_else(|| {
            text[t]
                .iter()
                .copied()
                .find(|&b| TABLE[usize::from(b)] == INVALID)
        });
    });
    Err(bad.expect("an invalid byte was seen"))
}
