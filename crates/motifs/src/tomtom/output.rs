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
    let chunks: Vec<Vec<u8>> = matches
        .par_chunks(ROWS_PER_CHUNK)
        .map(|chunk| {
            let mut text = Vec::with_capacity(chunk.len() * 96);
            for m in chunk {
                let strand = match m.orientation {
                    Orientation::Forward => 0,
                    Orientation::Reverse => 1,
                };
                // Writing into a Vec cannot fail.
                let _ = writeln!(
                    text,
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    queries[m.query].id(),
                    targets[m.target].id(),
                    m.offset,
                    format_g(m.p_value),
                    format_g(m.e_value),
                    format_g(m.q_value),
                    m.overlap,
                    query_consensus[m.query],
                    target_consensus[m.target][strand],
                    m.orientation
                );
            }
            text
        })
        .collect();
    for chunk in chunks {
        out.write_all(&chunk)?;
    }
    Ok(())
}

/// Rows formatted per parallel task.
const ROWS_PER_CHUNK: usize = 4096;

/// `x` as C's `printf("%g")`: 6 significant digits, trailing zeros dropped, scientific notation
/// with a two-digit exponent below 1e-4 or from 1e6. Like printf, it rounds once, to the digits
/// of `{:.5e}`, and places the decimal point in those digits for the fixed notation.
fn format_g(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("integer exponent");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    if !(-4..6).contains(&exp) {
        let sign_e = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{}e{sign_e}{:02}", trim_zeros(mantissa), exp.abs());
    }
    let digits: String = mantissa.chars().filter(|&c| c != '.').collect();
    let fixed = if exp < 0 {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    } else {
        let (int, frac) = digits.split_at(exp as usize + 1);
        format!("{int}.{frac}")
    };
    format!("{sign}{}", trim_zeros(&fixed))
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
