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
            for m in chunk {
                let strand = match m.orientation {
                    Orientation::Forward => 0,
                    Orientation::Reverse => 1,
                };
                // Strings are copied as bytes; only numbers go through the formatter (writing
                // into a Vec cannot fail).
                push_field(&mut text, queries[m.query].id());
                push_field(&mut text, targets[m.target].id());
                let _ = write!(
                    text,
                    "{}\t{}\t{}\t{}\t{}\t",
                    m.offset,
                    G(m.p_value),
                    G(m.e_value),
                    G(m.q_value),
                    m.overlap
                );
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
        let mut buf = StackBuf::default();
        match six_digits(x.abs()) {
            Some((m, e)) => write!(buf, "{}.{:05}e{e}", m / 100_000, m % 100_000)?,
            None => write!(buf, "{:.5e}", x.abs())?,
        }
        let (mantissa, exp) = buf.as_str().split_once('e').ok_or(fmt::Error)?;
        let exp: i32 = exp.parse().map_err(|_| fmt::Error)?;
        if x < 0.0 {
            f.write_str("-")?;
        }
        if !(-4..6).contains(&exp) {
            let sign = if exp < 0 { '-' } else { '+' };
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            return write!(f, "{mantissa}e{sign}{:02}", exp.abs());
        }
        // The six digits d.ddddd without the point.
        let (first, rest) = mantissa.split_once('.').ok_or(fmt::Error)?;
        let mut digits = [b'0'; 6];
        digits[0] = first.as_bytes()[0];
        digits[1..].copy_from_slice(rest.as_bytes());
        let digits = std::str::from_utf8(&digits).map_err(|_| fmt::Error)?;
        if exp < 0 {
            f.write_str("0.")?;
            for _ in 0..(-exp - 1) {
                f.write_str("0")?;
            }
            f.write_str(digits.trim_end_matches('0'))
        } else {
            let (int, frac) = digits.split_at(exp as usize + 1);
            f.write_str(int)?;
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                Ok(())
            } else {
                write!(f, ".{frac}")
            }
        }
    }
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

/// A formatting buffer on the stack, for the 12 characters of `{:.5e}`.
#[derive(Default)]
struct StackBuf {
    bytes: [u8; 32],
    len: usize,
}

impl StackBuf {
    fn as_str(&self) -> &str {
        // Only `write_str` fills it, with whole strings.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
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
