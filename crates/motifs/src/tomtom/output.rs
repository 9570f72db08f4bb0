//! Tomtom's tab-separated output.

use std::io::{self, Write};

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
    // A few chunks per thread at a time, into buffers reused from one window of chunks to the
    // next: a buffer per chunk of the whole table faulted in megabytes of fresh pages.
    let window = ROWS_PER_CHUNK * 2 * rayon::current_num_threads();
    let mut buffers: Vec<Vec<u8>> = Vec::new();
    for rows in matches.chunks(window) {
        let chunks: Vec<&[Match]> = rows.chunks(ROWS_PER_CHUNK).collect();
        buffers.resize_with(buffers.len().max(chunks.len()), Vec::new);
        buffers
            .par_iter_mut()
            .zip(&chunks)
            .for_each(|(text, chunk)| {
                text.clear();
                let mut integers = itoa::Buffer::new();
                for m in *chunk {
                    let strand = match m.orientation {
                        Orientation::Forward => 0,
                        Orientation::Reverse => 1,
                    };
                    push_field(text, queries[m.query].id());
                    push_field(text, targets[m.target].id());
                    push_field(text, integers.format(m.offset));
                    for x in [m.p_value, m.e_value, m.q_value] {
                        push_g(text, x);
                        text.push(b'\t');
                    }
                    push_field(text, integers.format(m.overlap));
                    push_field(text, &query_consensus[m.query]);
                    push_field(text, &target_consensus[m.target][strand]);
                    text.extend_from_slice(if strand == 0 { b"+\n" } else { b"-\n" });
                }
            });
        for text in &buffers[..chunks.len()] {
            out.write_all(text)?;
        }
    }
    Ok(())
}

fn push_field(text: &mut Vec<u8>, field: &str) {
    text.extend_from_slice(field.as_bytes());
    text.push(b'\t');
}

/// Rows formatted per parallel task.
const ROWS_PER_CHUNK: usize = 4096;

/// Appends `x` as C's `printf("%g")` writes it: 6 significant digits, trailing zeros dropped,
/// scientific notation with a two-digit exponent below 1e-4 or from 1e6. Like printf, it rounds
/// once, to the digits of `{:.5e}`, and places the decimal point in those digits for the fixed
/// notation. Written as bytes straight into the row, with no call into `fmt`.
fn push_g(out: &mut Vec<u8>, x: f64) {
    if x == 0.0 || !x.is_finite() {
        // "0", "inf", "NaN": as Rust writes them (tomtom's numbers are finite and ≥ 0).
        out.extend_from_slice(x.to_string().as_bytes());
        return;
    }
    let (m, exp) = six_digits(x.abs()).unwrap_or_else(|| exact_six_digits(x.abs()));
    // The six digits d.ddddd as bytes, without the point.
    let mut digits = [b'0'; 6];
    let mut rest = m;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    if x < 0.0 {
        out.push(b'-');
    }
    if !(-4..6).contains(&exp) {
        out.push(digits[0]);
        let frac = trim_zeros(&digits[1..]);
        if !frac.is_empty() {
            out.push(b'.');
            out.extend_from_slice(frac);
        }
        out.extend_from_slice(if exp < 0 { b"e-" } else { b"e+" });
        let e = exp.unsigned_abs();
        if e >= 100 {
            out.push(b'0' + (e / 100) as u8);
        }
        out.extend_from_slice(&[b'0' + (e / 10 % 10) as u8, b'0' + (e % 10) as u8]);
    } else if exp < 0 {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(trim_zeros(&digits));
    } else {
        let (int, frac) = digits.split_at(exp as usize + 1);
        out.extend_from_slice(int);
        let frac = trim_zeros(frac);
        if !frac.is_empty() {
            out.push(b'.');
            out.extend_from_slice(frac);
        }
    }
}

/// `digits` without its trailing zeros.
fn trim_zeros(digits: &[u8]) -> &[u8] {
    let end = digits.iter().rposition(|&d| d != b'0').map_or(0, |i| i + 1);
    &digits[..end]
}

/// [`six_digits`] by the exact formatter (`{:.5e}` rounds as printf does).
fn exact_six_digits(x: f64) -> (u32, i32) {
    let text = format!("{x:.5e}");
    let (mantissa, exp) = text
        .split_once('e')
        .expect("scientific notation has an exponent");
    let exp: i32 = exp.parse().expect("the exponent is an integer");
    let m = mantissa
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0u32, |m, d| m * 10 + u32::from(d - b'0'));
    (m, exp)
}

/// The smallest and largest decimal exponents of [`powers_of_ten`].
const TEN_MIN: i32 = -310;
const TEN_MAX: i32 = 310;

/// 10ᵏ for k in `TEN_MIN..=TEN_MAX`, each correctly rounded (parsed from its decimal form once).
fn powers_of_ten() -> &'static [f64] {
    static POWERS: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    POWERS.get_or_init(|| {
        (TEN_MIN..=TEN_MAX)
            .map(|k| format!("1e{k}").parse().expect("a decimal power of ten"))
            .collect()
    })
}

/// 10ᵏ, correctly rounded, for k in `TEN_MIN..=TEN_MAX`.
fn ten_to(k: i32) -> f64 {
    powers_of_ten()[(k - TEN_MIN) as usize]
}

/// `x` (positive, finite) as 6 significant digits `m` (100000..=999999) and the exponent `e` of
/// its first digit, by one multiplication with a correctly rounded power of ten (relative error
/// below 3e-16, a few 1e-10 of a unit in the last digit), which spares most numbers the exact
/// (and slow) formatter; `None` when the scaled value lies so near a rounding boundary that this
/// error could decide it, or outside the normal range, and the exact formatter must.
fn six_digits(x: f64) -> Option<(u32, i32)> {
    if !(1e-300..1e300).contains(&x) {
        return None;
    }
    // The decimal exponent from the binary one: log10(x) lies within 0.302 of
    // (binary exponent) · log10(2), so this is the right exponent or one below it.
    let binary = ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let mut e = (f64::from(binary) * std::f64::consts::LOG10_2).floor() as i32;
    let mut scaled = x * ten_to(5 - e);
    if scaled >= 1e6 {
        e += 1;
        scaled = x * ten_to(5 - e);
    }
    if !(1e5..1e6).contains(&scaled) {
        return None;
    }
    let fraction = scaled - scaled.floor();
    if (fraction - 0.5).abs() < 1e-6 {
        return None;
    }
    let m = scaled.round() as u32;
    if m > 999_999 {
        return Some((100_000, e + 1));
    }
    Some((m, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_g(x: f64) -> String {
        let mut out = Vec::new();
        push_g(&mut out, x);
        String::from_utf8(out).unwrap()
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
