//! Small SVG pieces shared by tfbind's reports: text escaping and a line chart (interpret's ROC,
//! precision–recall and training curves; the experiment's AUPRC against training positives).
//! Plain strings out, no dependencies: an SVG file or an HTML page inlines them as they are.

use std::fmt::Write as _;

/// Escapes text for XML/HTML element content and attribute values.
///
/// ```
/// assert_eq!(tfbind_svg::escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A line chart of series of (x, y) points on [0, 1] × [0, 1] axes (ROC and PR curves) or on
/// their own range (training curves, AUPRC against training positives).
#[derive(Default)]
pub struct LineChart<'a> {
    pub title: &'a str,
    pub x_label: &'a str,
    pub y_label: &'a str,
    /// Fixed axes [0, 1] × [0, 1]; otherwise the data's range.
    pub unit_square: bool,
    /// A dot on every point (for short series, such as a few epochs, where a line alone could
    /// be a single invisible point).
    pub markers: bool,
    /// A logarithmic x axis (sizes that grow by factors: 50, 125, …, 1000 positives).
    pub log_x: bool,
    /// Where the x axis is labelled; empty for five evenly spaced ticks.
    pub x_ticks: Vec<f64>,
    /// Dashed horizontal lines (a chance level), drawn under the series and inside the y range.
    pub guides: Vec<Guide<'a>>,
    pub series: Vec<Series<'a>>,
}

/// One line of a [`LineChart`].
pub struct Series<'a> {
    pub name: String,
    pub colour: &'a str,
    pub points: Vec<(f64, f64)>,
    /// Drawn thicker, on top, and named in the legend.
    pub emphasised: bool,
}

/// A dashed horizontal line across a [`LineChart`] at `y`.
pub struct Guide<'a> {
    pub y: f64,
    pub label: &'a str,
}

const GUIDE_COLOUR: &str = "#000";
const DASHES: &str = "5 3";

/// At most this many legend rows: beyond it the legend would push the plot off the chart.
const LEGEND_ROWS: usize = 8;

impl LineChart<'_> {
    /// The chart's width and height in pixels (as its `<svg>` element states them).
    pub fn size(&self) -> (f64, f64) {
        (320.0, self.top() + 184.0 + 34.0)
    }

    /// The legend (the emphasised series, then the guides) goes between the title and the plot,
    /// where it cannot hide a curve: (name, colour, dashed).
    fn legend(&self) -> Vec<(&str, &str, bool)> {
        let series = self.series.iter().filter(|s| s.emphasised);
        let series = series.map(|s| (s.name.as_str(), s.colour, false));
        let guides = self.guides.iter().map(|g| (g.label, GUIDE_COLOUR, true));
        series.chain(guides).take(LEGEND_ROWS).collect()
    }

    fn top(&self) -> f64 {
        24.0 + 13.0 * self.legend().len() as f64
    }

    pub fn render(&self) -> String {
        let legend = self.legend();
        let top = self.top();
        let (w, h) = self.size();
        let (left, bottom, right) = (46.0, 34.0, 10.0);
        let fx = |x: f64| if self.log_x { x.ln() } else { x };
        let points = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|&(x, y)| (fx(x), y)))
            .chain(self.guides.iter().map(|g| (f64::NAN, g.y)));
        let (mut x_min, mut x_max, mut y_min, mut y_max) = (0.0, 1.0, 0.0, 1.0);
        if !self.unit_square {
            // f64::min and max skip the guides' NaN x.
            (x_min, x_max, y_min, y_max) = points.fold(
                (
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ),
                |(a, b, c, d), (x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
            );
            if !x_min.is_finite() {
                (x_min, x_max) = (0.0, 1.0);
            }
            if !y_min.is_finite() {
                (y_min, y_max) = (0.0, 1.0);
            }
            // A single x (one training-set size) is drawn in the middle, not on the y axis.
            if x_max <= x_min {
                (x_min, x_max) = (x_min - 0.5, x_max + 0.5);
            }
            if y_max <= y_min {
                y_max = y_min + 1.0;
            }
            y_min = y_min.min(0.0);
            // Headroom, so that the highest point is not drawn on the frame.
            y_max += 0.05 * (y_max - y_min);
        }
        let px = |x: f64| left + (fx(x) - x_min) / (x_max - x_min) * (w - left - right);
        let py = |y: f64| h - bottom - (y - y_min) / (y_max - y_min) * (h - bottom - top);
        let mut out = format!(
            r##"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>{t}</title><text x="{}" y="14" font-size="12" text-anchor="middle" fill="#222">{t}</text>"##,
            w / 2.0,
            t = escape(self.title)
        );
        let _ = write!(
            out,
            r##"<path d="M{l} {t}V{b}H{r}" stroke="#444" fill="none"/><text x="{}" y="{}" font-size="11" text-anchor="middle" fill="#444">{}</text><text x="12" y="{}" font-size="11" text-anchor="middle" fill="#444" transform="rotate(-90 12 {})">{}</text>"##,
            (left + w - right) / 2.0,
            h - 4.0,
            escape(self.x_label),
            (top + h - bottom) / 2.0,
            (top + h - bottom) / 2.0,
            escape(self.y_label),
            l = left,
            t = top,
            b = h - bottom,
            r = w - right
        );
        let even = |lo: f64, hi: f64| (0..=4).map(move |k| lo + f64::from(k) / 4.0 * (hi - lo));
        let x_ticks: Vec<f64> = if self.x_ticks.is_empty() {
            let unlog = |v: f64| if self.log_x { v.exp() } else { v };
            even(x_min, x_max).map(unlog).collect()
        } else {
            self.x_ticks.clone()
        };
        for xv in x_ticks {
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{}" font-size="9" text-anchor="middle" fill="#444">{}</text>"##,
                px(xv),
                h - bottom + 12.0,
                tick(xv),
            );
        }
        for yv in even(y_min, y_max) {
            let _ = write!(
                out,
                r##"<text x="{}" y="{:.1}" font-size="9" text-anchor="end" fill="#444">{}</text>"##,
                left - 4.0,
                py(yv) + 3.0,
                tick(yv)
            );
        }
        for g in &self.guides {
            let _ = write!(
                out,
                r##"<path d="M{left} {y:.1}H{}" stroke="{GUIDE_COLOUR}" stroke-width="0.8" stroke-dasharray="{DASHES}" fill="none"><title>{}</title></path>"##,
                w - right,
                escape(g.label),
                y = py(g.y)
            );
        }
        // Emphasised series last, on top.
        let mut order: Vec<&Series> = self.series.iter().collect();
        order.sort_by_key(|s| s.emphasised);
        for s in order {
            let d: String = s
                .points
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| {
                    format!(
                        "{}{:.1} {:.1}",
                        if i == 0 { 'M' } else { 'L' },
                        px(x),
                        py(y)
                    )
                })
                .collect();
            let (width, opacity) = if s.emphasised { (2.0, 1.0) } else { (1.0, 0.5) };
            let _ = write!(
                out,
                r#"<path d="{d}" stroke="{}" stroke-width="{width}" fill="none" opacity="{opacity}"><title>{}</title></path>"#,
                s.colour,
                escape(&s.name)
            );
            if self.markers {
                for &(x, y) in &s.points {
                    let _ = write!(
                        out,
                        r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{}"/>"#,
                        px(x),
                        py(y),
                        s.colour
                    );
                }
            }
        }
        for (k, (name, colour, dashed)) in legend.iter().enumerate() {
            let y = 24.0 + 13.0 * k as f64;
            let (width, dashes) = if *dashed {
                (0.8, DASHES)
            } else {
                (2.0, "none")
            };
            let _ = write!(
                out,
                r#"<path d="M{left} {y}h14" stroke="{colour}" stroke-width="{width}" stroke-dasharray="{dashes}"/><text x="{}" y="{}" font-size="10" fill="{colour}">{}</text>"#,
                left + 18.0,
                y + 3.0,
                escape(name),
            );
        }
        out.push_str("</svg>");
        out
    }
}

fn tick(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Charts laid out in rows of `columns` as one standalone SVG document (the charts must be
/// [`LineChart::render`]ed with their [`LineChart::size`]).
pub fn grid(charts: &[(String, (f64, f64))], columns: usize, title: &str) -> String {
    let columns = columns.max(1);
    let cell_w = charts.iter().map(|c| c.1 .0).fold(0.0, f64::max);
    let cell_h = charts.iter().map(|c| c.1 .1).fold(0.0, f64::max);
    let rows = charts.len().div_ceil(columns);
    let (w, h) = (
        cell_w * columns.min(charts.len()) as f64,
        cell_h * rows as f64,
    );
    let mut out = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif"><title>{}</title><rect width="100%" height="100%" fill="#fff"/>"##,
        escape(title)
    );
    for (i, (svg, _)) in charts.iter().enumerate() {
        let (x, y) = ((i % columns) as f64 * cell_w, (i / columns) as f64 * cell_h);
        let _ = write!(out, r#"<g transform="translate({x} {y})">{svg}</g>"#);
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> LineChart<'static> {
        LineChart {
            title: "ROC",
            x_label: "FPR",
            y_label: "TPR",
            unit_square: true,
            series: vec![
                Series {
                    name: "a".into(),
                    colour: "#000",
                    points: vec![(0.0, 0.0), (0.5, 0.8), (1.0, 1.0)],
                    emphasised: true,
                },
                Series {
                    name: "b".into(),
                    colour: "#999",
                    points: vec![(0.0, 0.0), (1.0, 1.0)],
                    emphasised: false,
                },
            ],
            ..LineChart::default()
        }
    }

    #[test]
    fn charts_render_every_series() {
        let svg = chart().render();
        assert!(
            svg.contains("d=\"M46.0 221.0L178.0 73.8L310.0 37.0\""),
            "{svg}"
        );
        assert_eq!(svg.matches("<title>").count(), 3);
        assert!(!svg.contains("<circle"));
        let dots = LineChart {
            markers: true,
            ..chart()
        };
        assert_eq!(dots.render().matches("<circle").count(), 5);
    }

    #[test]
    fn a_single_x_is_drawn_mid_axis() {
        let one_size = LineChart {
            unit_square: false,
            log_x: true,
            markers: true,
            series: vec![Series {
                name: "a".into(),
                colour: "#000",
                points: vec![(500.0, 0.6)],
                emphasised: true,
            }],
            ..chart()
        };
        let svg = one_size.render();
        assert!(svg.contains("<circle cx=\"178.0\""), "{svg}");
    }

    #[test]
    fn a_log_axis_spaces_factors_evenly_and_guides_are_dashed() {
        let c = LineChart {
            unit_square: false,
            log_x: true,
            x_ticks: vec![10.0, 100.0, 1000.0],
            guides: vec![Guide {
                y: 0.5,
                label: "chance",
            }],
            series: vec![Series {
                name: "s".into(),
                colour: "#123",
                points: vec![(10.0, 0.6), (100.0, 0.7), (1000.0, 0.8)],
                emphasised: true,
            }],
            ..chart()
        };
        let svg = c.render();
        // 10 → 100 → 1000: equal steps, from the left edge (46) to the right one (310).
        assert!(svg.contains("M46.0 "), "{svg}");
        assert!(svg.contains("L178.0 "), "{svg}");
        assert!(svg.contains("L310.0 "), "{svg}");
        assert!(svg.contains(">1000</text>"));
        assert!(svg.contains("stroke-dasharray=\"5 3\"") && svg.contains("<title>chance</title>"));
        // The guide is named in the legend, under the series.
        assert!(svg.contains(">chance</text>"), "{svg}");
    }

    #[test]
    fn a_grid_places_charts_in_rows() {
        let c = chart();
        let cells: Vec<_> = (0..3).map(|_| (c.render(), c.size())).collect();
        let svg = grid(&cells, 2, "t");
        let (w, h) = c.size();
        assert!(svg.contains(&format!("width=\"{}\" height=\"{}\"", 2.0 * w, 2.0 * h)));
        assert!(svg.contains(&format!("translate(0 {h})")));
        assert_eq!(svg.matches("<g transform").count(), 3);
    }
}
