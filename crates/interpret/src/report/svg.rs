//! Inline SVG: sequence logos, attribution tracks and simple charts. Letters are drawn as paths,
//! not text, so a logo looks the same whatever fonts the reader has.

use std::fmt::Write as _;

use super::html::escape;
/// The line chart is shared with the experiment's plot.
pub use tfbind_svg::{LineChart, Series};

/// Letter outlines in a 100 × 100 box, y down; A and G have holes (even-odd fill).
const GLYPHS: [&str; 4] = [
    "M0 100L38 0H62L100 100H78L69 75H31L22 100ZM37 57H63L50 21Z",
    "M96 28A50 50 0 1 0 96 72L78 64A30 30 0 1 1 78 36Z",
    "M96 28A50 50 0 1 0 100 62V48H56V62H80A30 30 0 1 1 78 36Z",
    "M0 0H100V20H61V100H39V20H0Z",
];
/// Colours of A C G T, as most logo tools use them.
const COLOURS: [&str; 4] = ["#109648", "#255c99", "#f7b32b", "#d62839"];

/// The letters' outlines, defined once per page and drawn with `<use>`: a logo column then costs
/// a transform, not a copy of the outline, which keeps pages with hundreds of logos small.
pub fn glyph_definitions() -> String {
    let mut out = String::from(
        r#"<svg class="defs" xmlns="http://www.w3.org/2000/svg" width="0" height="0" style="position:absolute" aria-hidden="true"><defs>"#,
    );
    for (k, d) in GLYPHS.iter().enumerate() {
        let _ = write!(
            out,
            r#"<path id="glyph-{}" d="{d}" fill-rule="evenodd"/>"#,
            LETTERS[k]
        );
    }
    out.push_str("</defs></svg>");
    out
}

const LETTERS: [char; 4] = ['A', 'C', 'G', 'T'];

/// Appends letter `k` (A C G T = 0..3) filling the box at `x`, from `y` (top) to `y + h`;
/// `upside_down` for letters below an axis (negative attributions).
fn glyph(out: &mut String, k: usize, x: f64, y: f64, w: f64, h: f64, upside_down: bool) {
    if h < 0.05 {
        return;
    }
    let (ty, sy) = if upside_down {
        (y + h, -h / 100.0)
    } else {
        (y, h / 100.0)
    };
    let _ = write!(
        out,
        r##"<use href="#glyph-{}" transform="translate({x:.2} {ty:.2}) scale({:.4} {sy:.4})" fill="{}"/>"##,
        LETTERS[k],
        w / 100.0,
        COLOURS[k]
    );
}

/// Pixels per logo column and per bit.
const COLUMN: f64 = 14.0;
const BIT: f64 = 24.0;
const AXIS: f64 = 26.0;

/// Information content of one probability row, in bits against a uniform background.
fn bits(row: &[f64; 4]) -> f64 {
    row.iter()
        .filter(|&&p| p > 0.0)
        .map(|&p| p * (p / 0.25).log2())
        .sum()
}

/// One logo's letters, columns starting at `x0`, baseline at `base`.
fn logo_letters(out: &mut String, rows: &[[f64; 4]], x0: f64, base: f64) {
    for (i, row) in rows.iter().enumerate() {
        let total = bits(row);
        let mut order = [0usize, 1, 2, 3];
        // Smallest at the bottom, largest on top.
        order.sort_by(|&a, &b| row[a].total_cmp(&row[b]));
        let mut y = base;
        for k in order {
            let h = row[k] * total * BIT;
            y -= h;
            glyph(out, k, x0 + i as f64 * COLUMN, y, COLUMN - 1.0, h, false);
        }
    }
}

fn bits_axis(out: &mut String, base: f64) {
    let top = base - 2.0 * BIT;
    let _ = write!(
        out,
        r##"<path d="M{a} {top}V{base}" stroke="#555" fill="none"/><text transform="translate(8 {}) rotate(-90)" font-size="9" text-anchor="middle" fill="#555">bits</text>"##,
        (top + base) / 2.0,
        a = AXIS - 2.0
    );
    for b in 0..=2 {
        let y = base - f64::from(b) * BIT;
        let _ = write!(
            out,
            r##"<path d="M{} {y}H{}" stroke="#555"/><text x="{}" y="{}" font-size="9" text-anchor="end" fill="#555">{b}</text>"##,
            AXIS - 5.0,
            AXIS - 2.0,
            AXIS - 6.0,
            y + 3.0
        );
    }
}

/// A sequence logo of a probability matrix (rows A C G T), letter heights in bits.
pub fn logo(rows: &[[f64; 4]], label: &str) -> String {
    let height = 2.0 * BIT + 8.0;
    let width = AXIS + rows.len() as f64 * COLUMN + 4.0;
    let mut out = format!(
        r#"<svg class="logo" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{}</title>"#,
        escape(label)
    );
    bits_axis(&mut out, 2.0 * BIT + 4.0);
    logo_letters(&mut out, rows, AXIS, 2.0 * BIT + 4.0);
    out.push_str("</svg>");
    out
}

/// Two logos aligned as Tomtom aligned them: `query` column i over `target` column
/// i + `offset`, each labelled on its left.
pub fn aligned_logos(
    query: &[[f64; 4]],
    query_label: &str,
    target: &[[f64; 4]],
    target_label: &str,
    offset: i64,
) -> String {
    let q0 = offset.max(0) as f64;
    let t0 = q0 - offset as f64;
    let columns = (q0 + query.len() as f64).max(t0 + target.len() as f64);
    let row = 2.0 * BIT + 22.0;
    let height = 2.0 * row;
    let width = AXIS + columns * COLUMN + 4.0;
    let mut out = format!(
        r#"<svg class="logo" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{} over {}</title>"#,
        escape(query_label),
        escape(target_label)
    );
    for (r, (rows, start, label)) in [(query, q0, query_label), (target, t0, target_label)]
        .into_iter()
        .enumerate()
    {
        let base = r as f64 * row + 2.0 * BIT + 18.0;
        bits_axis(&mut out, base);
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="10" fill="#333">{}</text>"##,
            AXIS + start * COLUMN,
            base - 2.0 * BIT - 7.0,
            escape(label)
        );
        logo_letters(&mut out, rows, AXIS + start * COLUMN, base);
    }
    out.push_str("</svg>");
    out
}

/// An attribution track: each base's letter, as high as its contribution (upside down below the
/// axis when negative), scaled so the largest magnitude fills `HALF` pixels.
pub fn track(codes: &[u8], contributions: &[f32], label: &str) -> String {
    const WIDTH: f64 = 5.0;
    const HALF: f64 = 40.0;
    let scale = contributions
        .iter()
        .fold(0f32, |m, &v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    let width = codes.len() as f64 * WIDTH + 2.0;
    let height = 2.0 * HALF + 16.0;
    let axis = HALF + 14.0;
    let mut out = format!(
        r##"<svg class="track" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{l}</title><text x="1" y="10" font-size="10" fill="#333">{l} (max |value| {scale:.3})</text><path d="M0 {axis}H{width}" stroke="#bbb"/>"##,
        l = escape(label)
    );
    for (i, (&code, &v)) in codes.iter().zip(contributions).enumerate() {
        if code > 3 {
            continue;
        }
        let h = f64::from(v.abs() / scale) * HALF;
        let x = 1.0 + i as f64 * WIDTH;
        if v >= 0.0 {
            glyph(&mut out, usize::from(code), x, axis - h, WIDTH, h, false);
        } else {
            glyph(&mut out, usize::from(code), x, axis, WIDTH, h, true);
        }
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars of signed values with their labels.
pub fn bars(values: &[(String, f64)], title: &str) -> String {
    let (row, label_w, bar_w) = (16.0, 90.0, 260.0);
    let height = 24.0 + values.len() as f64 * row;
    let width = label_w + bar_w + 70.0;
    let max = values
        .iter()
        .fold(0f64, |m, v| m.max(v.1.abs()))
        .max(f64::MIN_POSITIVE);
    let any_negative = values.iter().any(|v| v.1 < 0.0);
    let zero = if any_negative {
        label_w + bar_w / 2.0
    } else {
        label_w
    };
    let span = if any_negative { bar_w / 2.0 } else { bar_w };
    let mut out = format!(
        r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img"><title>{t}</title><text x="4" y="14" font-size="12" fill="#222">{t}</text><path d="M{zero} 20V{height}" stroke="#999"/>"##,
        t = escape(title)
    );
    for (i, (label, v)) in values.iter().enumerate() {
        let y = 22.0 + i as f64 * row;
        let len = v.abs() / max * span;
        let x = if *v >= 0.0 { zero } else { zero - len };
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" font-size="10" text-anchor="end" fill="#333">{}</text><rect x="{x:.1}" y="{y}" width="{len:.1}" height="{}" fill="{}"/><text x="{}" y="{}" font-size="9" fill="#333">{v:.4}</text>"##,
            label_w - 4.0,
            y + 10.0,
            escape(label),
            row - 4.0,
            if *v >= 0.0 { "#255c99" } else { "#d62839" },
            label_w + bar_w + 4.0,
            y + 10.0
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logo_heights_are_bits() {
        // A certain A (2 bits) and a uniform column (0 bits): one path, as high as 2 bits.
        let svg = logo(&[[1.0, 0.0, 0.0, 0.0], [0.25; 4]], "m<1>");
        assert!(svg.starts_with("<svg class=\"logo\""));
        assert!(svg.contains("<title>m&lt;1&gt;</title>"));
        assert_eq!(svg.matches("<use href=\"#glyph-A\"").count(), 1);
        assert_eq!(svg.matches("<use").count(), 1);
        assert!(svg.contains(&format!("scale(0.1300 {:.4})", 2.0 * BIT / 100.0)));
        assert!(svg.contains(COLOURS[0]));
    }

    #[test]
    fn every_letter_is_defined_once() {
        let defs = glyph_definitions();
        for letter in LETTERS {
            assert_eq!(defs.matches(&format!("id=\"glyph-{letter}\"")).count(), 1);
        }
    }

    #[test]
    fn aligned_logos_shift_the_target() {
        let q = [[1.0, 0.0, 0.0, 0.0]; 3];
        let t = [[0.0, 0.0, 0.0, 1.0]; 5];
        // Query column 0 over target column 2: the target starts 2 columns left of the query.
        let svg = aligned_logos(&q, "q", &t, "t", 2);
        assert!(svg.contains(&format!("translate({:.2} ", AXIS + 2.0 * COLUMN)));
        assert!(svg.contains(&format!("translate({:.2} ", AXIS)));
        let width = AXIS + 5.0 * COLUMN + 4.0;
        assert!(svg.contains(&format!("width=\"{width}\"")));
    }

    #[test]
    fn tracks_put_negative_letters_upside_down() {
        let svg = track(&[0, 3, 4], &[1.0, -0.5, 0.0], "w");
        assert_eq!(svg.matches("<use").count(), 2);
        assert!(svg.contains("#glyph-T"));
        assert!(svg.contains("scale(0.0500 0.4000)"));
        assert!(svg.contains("scale(0.0500 -0.2000)"));
    }

    #[test]
    fn bars_render_every_value() {
        let b = bars(&[("f1".into(), 0.5), ("f2".into(), -0.25)], "influence");
        assert_eq!(b.matches("<rect").count(), 2);
        assert!(b.contains("#d62839"));
    }
}
