//! Tomtom's tab-separated output.

use std::{
    fmt::{self, Write as _},
    io::{self, Write},
};

use rayon::prelude::*;

use super::{Match, Orientation};
use crate::Motif;

/// The header of Tomtom's `tomtom.tsv`.
pub const TSV_HEADER: &str =
    "Query_ID\tTarget_ID\tOptimal_offset\tp-value\tE-value\tq-value\tOverlap\t\
                              Query_consensus\tTarget_consensus\tOrientation";

/// Writes `matches` in the columns of Tomtom's `tomtom.tsv`. The target consensus is that of the
/// strand aligned (the reverse complement for `-`), so it lines up with the query at the offset;
/// numbers are printed as Tomtom prints them (C's `%g`). Rows are formatted in parallel, in
/// chunks, and written in order.
pub fn write_tsv(
    out: &mut impl Write,
    matches: &[Match],
    queries: &[Motif],
    targets: &[Motif],
) -> io::Result<()> {
    writeln!(out, "{TSV_HEADER}")?;
    let query_consensus: Vec<String> = queries.par_iter().map(Motif::consensus).collect();
    let target_consensus: Vec<[String; 2]> = targets
        .par_iter()
        .map(|t| [t.consensus(), t.reverse_complement().consensus()])
        .collect();
    let chunks: Vec<Vec<u8>> = matches
        .par_chunks(ROWS_PER_CHUNK)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.len() * 96);
            let mut integers = itoa::Buffer::new();
            for m in chunk {
                let strand = match m.orientation {
                    Orientation::Forward => 0,
                    Orientation::Reverse => 1,
                };
                // Strings are copied as bytes; only numbers go through the formatter (writing
                // into a Vec cannot fail).
                push_field(&mut text, queries[m.query].id());
                push_field(&mut text, targets[m.target].id());
                push_field(&mut text, integers.format(m.offset));
                let _ = write!(
                    text,
                    "{}\t{}\t{}\t",
                    G(m.p_value),
                    G(m.e_value),
                    G(m.q_value)
                );
                push_field(&mut text, integers.format(m.overlap));
                push_field(&mut text, &query_consensus[m.query]);
                push_field(&mut text, &target_consensus[m.target][strand]);
                text.extend_from_slice(if strand == 0 { b"+\n" } else { b"-\n" });
            }
            text
        })
        .collect();
    for chunk in chunks {
        out.write_all(&chunk)?;
    }
    Ok(())
}

fn push_field(text: &mut Vec<u8>, field: &str) {
    text.extend_from_slice(field.as_bytes());
    text.push(b'\t');
}

/// Rows formatted per parallel task.
const ROWS_PER_CHUNK: usize = 4096;

/// A number displayed as C's `printf("%g")`: 6 significant digits, trailing zeros dropped,
/// scientific notation with a two-digit exponent below 1e-4 or from 1e6. Like printf, it rounds
/// once, to the digits of `{:.5e}`, and places the decimal point in those digits for the fixed
/// notation; nothing is allocated.
struct G(f64);

impl fmt::Display for G {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x == 0.0 || !x.is_finite() {
            return write!(f, "{x}");
        }
        let (m, exp) = match six_digits(x.abs()) {
            Some(digits) => digits,
            None => exact_six_digits(x.abs())?,
        };
        // The six digits d.ddddd as bytes, without the point.
        let mut digits = [b'0'; 6];
        let mut rest = m;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        let mut out = StackBuf::default();
        if x < 0.0 {
            out.push(b"-");
        }
        if !(-4..6).contains(&exp) {
            out.push(&digits[..1]);
            let frac = trim_zeros(&digits[1..]);
            if !frac.is_empty() {
                out.push(b".");
                out.push(frac);
            }
            out.push(if exp < 0 { b"e-" } else { b"e+" });
            let e = exp.unsigned_abs();
            if e >= 100 {
                out.push(&[b'0' + (e / 100) as u8]);
            }
            out.push(&[b'0' + (e / 10 % 10) as u8, b'0' + (e % 10) as u8]);
        } else if exp < 0 {
            out.push(b"0.");
            for _ in 0..(-exp - 1) {
                out.push(b"0");
            }
            out.push(trim_zeros(&digits));
        } else {
            let (int, frac) = digits.split_at(exp as usize + 1);
            out.push(int);
            let frac = trim_zeros(frac);
            if !frac.is_empty() {
                out.push(b".");
                out.push(frac);
            }
        }
        f.write_str(out.as_str())
    }
}

/// `digits` without its trailing zeros.
fn trim_zeros(digits: &[u8]) -> &[u8] {
    let end = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    &digits[..end]
}

/// [`six_digits`] by the exact formatter (`{:.5e}` rounds as printf does).
fn exact_six_digits(x: f64) -> Result<(u32, i32), fmt::Error> {
    let mut buf = StackBuf::default();
    write!(buf, "{x:.5e}")?;
    let (mantissa, exp) = buf.as_str().split_once('e').ok_or(fmt::Error)?;
    let exp: i32 = exp.parse().map_err(|_| fmt::Error)?;
    let m = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u32, |m, d| m * 10 + u32::from(d - b'0'));
    Ok((m, exp))
}

/// `x` (positive, finite) as 6 significant digits `m` (100000..=999999) and the exponent `e` of
/// its first digit, by floating-point scaling, which spares most numbers the exact (and slow)
/// formatter; `None` when the scaled value lies so near a rounding boundary that the scaling's
/// error (about 1e-9 of a unit in the last digit) could decide it, or outside the normal range,
/// and the exact formatter must.
fn six_digits(x: f64) -> Option<(u32, i32)> {
    if !(1e-300..1e300).contains(&x) {
        return None;
    }
    let mut e = x.log10().floor() as i32;
    let mut scaled = x * 10f64.powi(5 - e);
    // log10 can be off by one at exact powers of ten.
    if scaled >= 1e6 {
        e += 1;
        scaled /= 10.0;
    } else if scaled < 1e5 {
        e -= 1;
        scaled *= 10.0;
    }
    let fraction = scaled - scaled.floor();
    if (fraction - 0.5).abs() < 1e-6 {
        return None;
    }
    let m = scaled.round() as u32;
    if m > 999_999 {
        return Some((100_000, e + 1));
    }
    (100_000..=999_999).contains(&m).then_some((m, e))
}

/// A formatting buffer on the stack: `{:.5e}` or a `%g` number (at most 13 characters).
#[derive(Default)]
struct StackBuf {
    bytes: [u8; 32],
    len: usize,
}

impl StackBuf {
    fn as_str(&self) -> &str {
        // Filled with whole strings and ASCII bytes only.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    /// Appends ASCII bytes (the buffer holds any `%g` number).
    fn push(&mut self, bytes: &[u8]) {
        self.bytes[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }
}

impl fmt::Write for StackBuf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_g(x: f64) -> String {
        G(x).to_string()
    }

    /// `%g` the slow way: the exact formatter's digits, laid out as printf does.
    fn reference_g(x: f64) -> String {
        let s = format!("{:.5e}", x.abs());
        let (mantissa, exp) = s.split_once('e').unwrap();
        let exp: i32 = exp.parse().unwrap();
        let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
        let sign = if x < 0.0 { "-" } else { "" };
        let trim = |d: &str| d.trim_end_matches('0').to_string();
        if !(-4..6).contains(&exp) {
            let frac = trim(&digits[1..]);
            let point = if frac.is_empty() { "" } else { "." };
            let esign = if exp < 0 { '-' } else { '+' };
            format!(
                "{sign}{}{point}{frac}e{esign}{:02}",
                &digits[..1],
                exp.abs()
            )
        } else if exp < 0 {
            format!(
                "{sign}0.{}{}",
                "0".repeat((-exp - 1) as usize),
                trim(&digits)
            )
        } else {
            let (int, frac) = digits.split_at(exp as usize + 1);
            let frac = trim(frac);
            let point = if frac.is_empty() { "" } else { "." };
            format!("{sign}{int}{point}{frac}")
        }
    }

    #[test]
    fn fast_path_matches_the_exact_formatter() {
        // p-values span hundreds of decades; a multiplicative walk visits mantissas of all kinds.
        let mut x = 3.7e-290;
        while x < 1e12 {
            for v in [x, -x, x * (1.0 + 1e-7)] {
                assert_eq!(format_g(v), reference_g(v), "{v:e}");
            }
            x *= 1.0123456789;
        }
    }

    #[test]
    fn formats_like_printf_g() {
        // Values from a tomtom.tsv written by MEME's Tomtom.
        assert_eq!(format_g(7.27055e-06), "7.27055e-06");
        assert_eq!(format_g(0.0170713), "0.0170713");
        assert_eq!(format_g(0.0567635), "0.0567635");
        assert_eq!(format_g(1.00495), "1.00495");
        assert_eq!(format_g(30.0656), "30.0656");
        assert_eq!(format_g(0.5), "0.5");
        assert_eq!(format_g(1.0), "1");
        assert_eq!(format_g(0.99999996), "1");
        assert_eq!(format_g(1234567.0), "1.23457e+06");
        assert_eq!(format_g(0.0001), "0.0001");
        assert_eq!(format_g(3.2e-140), "3.2e-140");
        assert_eq!(format_g(0.0), "0");
        assert_eq!(format_g(123456.0), "123456");
        assert_eq!(format_g(999999.5), "1e+06");
        assert_eq!(format_g(0.000123456789), "0.000123457");
        assert_eq!(format_g(-2.5), "-2.5");
        // Near rounding boundaries the exact formatter decides, as printf does.
        assert_eq!(format_g(9.999995e-25), "9.99999e-25");
        assert_eq!(format_g(99.99995), "99.9999");
        assert_eq!(format_g(1.234565e-10), "1.23457e-10");
        assert_eq!(format_g(1e-300), "1e-300");
        assert_eq!(format_g(1e-5), "1e-05");
        assert_eq!(format_g(100.0), "100");
    }
}
