//! Small HTML helpers: escaping and tables.

use std::fmt::Write as _;

/// Escaping is shared with the SVG charts.
pub use tfbind_svg::escape;

/// A table whose header cells sort it when clicked (see `page.js`). Cells are HTML.
pub struct Table {
    class: &'static str,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(class: &'static str, header: &[&str]) -> Self {
        Self {
            class,
            header: header.iter().map(|h| escape(h)).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row of HTML cells.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn render(&self) -> String {
        // Wide tables scroll inside their box rather than widen the page.
        let mut out = format!(
            "<div class=\"scroll\"><table class=\"sortable {}\"><thead><tr>",
            self.class
        );
        for h in &self.header {
            let _ = write!(out, "<th>{h}</th>");
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                let _ = write!(out, "<td>{cell}</td>");
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></div>");
        out
    }
}

/// A number for a table: 3 significant digits, scientific below 0.001.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NA".into()
    } else if v != 0.0 && v.abs() < 1e-3 {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_tables() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        let mut t = Table::new("metrics", &["task", "p<0.05"]);
        t.row(vec!["CTCF".into(), number(1.5e-7)]);
        let html = t.render();
        assert!(html.starts_with("<div class=\"scroll\"><table class=\"sortable metrics\">"));
        assert!(html.ends_with("</table></div>"));
        assert!(html.contains("<th>p&lt;0.05</th>"));
        assert!(html.contains("<td>1.50e-7</td>"));
        assert_eq!(
            (number(0.5), number(f64::NAN), number(0.0)),
            ("0.500".into(), "NA".into(), "0.000".into())
        );
    }
}
