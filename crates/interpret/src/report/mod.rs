//! The self-contained HTML report of one model: test metrics with ROC and PR curves, training
//! curves, a logo of every informative filter beside its best database match, filter influence,
//! the comparison with another model, attribution tracks, and the motifs of the attributions'
//! seqlets. Everything (SVG, style, script) is inline, so the one file can be mailed or
//! archived.

mod curves;
mod html;
mod seqlets;
mod svg;

pub use curves::Curves;

use std::fmt::Write as _;
use std::io::BufRead;
use std::path::Path;

use tfbind_dataset::Dataset;
use tfbind_metrics::BinaryMetrics;
use tfbind_model::ModelArtifact;
use tfbind_motifs::{Motif, Orientation};

use crate::attribution::Attributions;
use crate::compare::Comparison;
use crate::error::{InterpretError, Result};
use crate::filters::FilterMotif;
use crate::influence::Influence;
use crate::matches::{motif_label, FilterMatches};
use crate::params::{InterpretParams, WindowSet};
use crate::seqlets::Seqlets;
use html::{escape, number, Table};
use svg::{aligned_logos, bars, logo, track, LineChart, Series};

/// One task's test metrics and curves.
pub struct TaskTest {
    pub task: String,
    pub metrics: BinaryMetrics,
    pub curves: Option<Curves>,
}

/// One row of a model's `epochs.tsv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Epoch {
    pub epoch: usize,
    pub train_loss: f64,
    pub valid_loss: f64,
}

/// Reads the epoch, train and validation loss columns of a model's `epochs.tsv` (by header
/// name, so added columns do not matter).
pub fn read_epochs(path: &Path) -> Result<Vec<Epoch>> {
    let file = std::fs::File::open(path).map_err(InterpretError::io(path))?;
    let mut lines = std::io::BufReader::new(file).lines();
    let bad = |line: usize, message: String| InterpretError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = lines
        .next()
        .transpose()
        .map_err(InterpretError::io(path))?
        .ok_or_else(|| bad(1, "empty file".into()))?;
    let names: Vec<&str> = header.split('\t').collect();
    let column = |name: &str| {
        names
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| bad(1, format!("no `{name}` column")))
    };
    let (e, t, v) = (
        column("epoch")?,
        column("train_loss")?,
        column("valid_loss")?,
    );
    let mut epochs = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.map_err(InterpretError::io(path))?;
        let fields: Vec<&str> = line.split('\t').collect();
        let field = |k: usize| {
            fields.get(k).ok_or_else(|| {
                bad(
                    i + 2,
                    format!("{} fields, expected {}", fields.len(), names.len()),
                )
            })
        };
        let float = |k: usize| -> Result<f64> {
            let f = field(k)?;
            f.parse().map_err(|_| {
                bad(
                    i + 2,
                    format!("`{f}` in column {} is not a number", names[k]),
                )
            })
        };
        epochs.push(Epoch {
            epoch: field(e)?
                .parse()
                .map_err(|_| bad(i + 2, "the epoch is not a whole number".into()))?,
            train_loss: float(t)?,
            valid_loss: float(v)?,
        });
    }
    Ok(epochs)
}

/// The other model of a comparison, as the report shows it.
pub struct ComparisonView<'a> {
    pub comparison: &'a Comparison,
    pub other_dir: &'a Path,
    /// The other model's filter motifs.
    pub before: &'a [FilterMotif],
}

/// Everything the page shows.
pub struct Report<'a> {
    pub model_dir: &'a Path,
    pub model: &'a ModelArtifact,
    pub dataset_dir: &'a Path,
    pub data: &'a Dataset,
    /// The interpreted task.
    pub task: usize,
    pub test: &'a [TaskTest],
    pub epochs: Option<&'a [Epoch]>,
    pub filters: &'a [FilterMotif],
    pub matches: &'a FilterMatches,
    pub database: &'a [Motif],
    pub influence: &'a Influence,
    /// The windows the filter motifs were built from (the parameters' set, or its fallback),
    /// and how many.
    pub window_set: WindowSet,
    pub filter_windows: usize,
    pub comparison: Option<ComparisonView<'a>>,
    /// The attributions and each attributed window's predicted probability for the task.
    pub attributions: Option<(&'a Attributions, &'a [f32])>,
    /// The attributions' seqlets and the motifs that explain them.
    pub seqlets: Option<&'a Seqlets>,
    pub params: &'a InterpretParams,
}

/// Colours of the emphasised series.
const FOCUS: &str = "#c2185b";
const OTHER: &str = "#7a8ca0";

impl Report<'_> {
    /// The whole page.
    pub fn render(&self) -> String {
        let mut body = String::new();
        self.header(&mut body);
        self.metrics(&mut body);
        self.training(&mut body);
        // The filter table grows with the number of filters, so it comes after the sections of
        // fixed size.
        self.influence_chart(&mut body);
        self.comparison_section(&mut body);
        self.attribution_tracks(&mut body);
        self.seqlet_section(&mut body);
        self.filter_table(&mut body);
        let params = toml::to_string(self.params).unwrap_or_default();
        let _ = write!(
            body,
            "<h2 id=\"parameters\">Parameters</h2><pre class=\"params\">{}</pre>",
            escape(&params)
        );
        let logos = body.matches("<svg class=\"logo\"").count();
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>tfbind interpretation: {title}</title>\
             <script>window.tfbindErrors=[];window.addEventListener(\"error\",function(e){{window.tfbindErrors.push(String(e.message));}});</script>\
             <style>{css}</style></head>\n<body data-expected-logos=\"{logos}\">\
             {glyphs}<p id=\"check\" hidden></p>{body}<script>{js}</script></body></html>\n",
            glyphs = svg::glyph_definitions(),
            title = escape(&self.model_dir.display().to_string()),
            css = include_str!("page.css"),
            js = include_str!("page.js"),
        )
    }

    fn task_name(&self) -> &str {
        &self.model.tasks()[self.task]
    }

    fn header(&self, out: &mut String) {
        let spec = self.model.spec();
        let _ = write!(
            out,
            "<h1>What {} learned</h1><p class=\"meta\">{} · {} bp windows · {} task{} · interpreted task \
             <b>{}</b> · dataset {}</p>",
            escape(&self.model_dir.display().to_string()),
            spec.architecture,
            spec.window_len,
            spec.n_tasks,
            if spec.n_tasks == 1 { "" } else { "s" },
            escape(self.task_name()),
            escape(&self.dataset_dir.display().to_string()),
        );
        if let Some(parent) = self.model.parent() {
            let _ = write!(
                out,
                "<p class=\"meta\">Fine-tuned from {} (re-initialised: {}; frozen: {})</p>",
                escape(&parent.path),
                escape(&parent.reinitialized.join(", ")),
                escape(&if parent.frozen.is_empty() {
                    "none".to_string()
                } else {
                    parent.frozen.join(", ")
                }),
            );
        }
        out.push_str(
            "<nav><a href=\"#metrics\">Test metrics</a><a href=\"#training\">Training</a>\
             <a href=\"#influence\">Influence</a>",
        );
        if self.comparison.is_some() {
            out.push_str("<a href=\"#comparison\">Comparison</a>");
        }
        if self.attributions.is_some() {
            out.push_str("<a href=\"#attributions\">Attributions</a>");
        }
        if self.seqlets.is_some() {
            out.push_str("<a href=\"#seqlets\">Seqlet motifs</a>");
        }
        out.push_str(
            "<a href=\"#filters\">Filters</a><a href=\"#parameters\">Parameters</a></nav>",
        );
    }

    fn metrics(&self, out: &mut String) {
        out.push_str(
            "<h2 id=\"metrics\">Test metrics</h2><p class=\"note\">On the test split of the \
             dataset, forward strand. AUPRC is average precision; the trapezoid AUPRC is the \
             authors'. MCC at p &gt; 0.5.</p>",
        );
        let mut table = Table::new(
            "metrics",
            &[
                "task",
                "bound",
                "unbound",
                "AUROC",
                "AUPRC",
                "AUPRC (trapezoid)",
                "MCC",
            ],
        );
        let opt = |v: Option<f64>| v.map_or("NA".to_string(), number);
        for (t, test) in self.test.iter().enumerate() {
            let m = &test.metrics;
            let name = if t == self.task {
                format!("<b>{}</b>", escape(&test.task))
            } else {
                escape(&test.task)
            };
            table.row(vec![
                name,
                m.positives.to_string(),
                m.negatives.to_string(),
                opt(m.auroc),
                opt(m.average_precision),
                opt(m.auprc_trapezoid),
                number(m.mcc),
            ]);
        }
        out.push_str(&table.render());
        let series = |pick: fn(&Curves) -> &Vec<(f64, f64)>| {
            self.test
                .iter()
                .enumerate()
                .filter_map(|(t, test)| {
                    let focus = t == self.task;
                    Some(Series {
                        name: test.task.clone(),
                        colour: if focus { FOCUS } else { OTHER },
                        points: pick(test.curves.as_ref()?).clone(),
                        emphasised: focus,
                    })
                })
                .collect::<Vec<_>>()
        };
        let roc = series(|c| &c.roc);
        if roc.is_empty() {
            out.push_str(
                "<p class=\"note\">No task has both bound and unbound test windows: no curves.</p>",
            );
            return;
        }
        let roc = LineChart {
            title: "ROC",
            x_label: "false positive rate",
            y_label: "true positive rate",
            unit_square: true,
            markers: false,
            series: roc,
            ..LineChart::default()
        };
        let pr = LineChart {
            title: "Precision–recall",
            x_label: "recall",
            y_label: "precision",
            unit_square: true,
            markers: false,
            series: series(|c| &c.pr),
            ..LineChart::default()
        };
        let _ = write!(
            out,
            "<div class=\"charts\">{}{}</div>",
            roc.render(),
            pr.render()
        );
    }

    fn training(&self, out: &mut String) {
        out.push_str("<h2 id=\"training\">Training</h2>");
        let Some(epochs) = self.epochs.filter(|e| !e.is_empty()) else {
            out.push_str("<p class=\"note\">The model artifact has no epochs.tsv.</p>");
            return;
        };
        let points = |f: fn(&Epoch) -> f64| {
            epochs
                .iter()
                .map(|e| (e.epoch as f64, f(e)))
                .filter(|p| p.1.is_finite())
                .collect::<Vec<_>>()
        };
        let chart = LineChart {
            title: "Loss per epoch",
            x_label: "epoch",
            y_label: "masked BCE",
            unit_square: false,
            markers: true,
            series: vec![
                Series {
                    name: "train".into(),
                    colour: "#255c99",
                    points: points(|e| e.train_loss),
                    emphasised: true,
                },
                Series {
                    name: "validation".into(),
                    colour: FOCUS,
                    points: points(|e| e.valid_loss),
                    emphasised: true,
                },
            ],
            ..LineChart::default()
        };
        let _ = write!(out, "<div class=\"charts\">{}</div>", chart.render());
    }

    fn filter_table(&self, out: &mut String) {
        let p = self.params;
        let informative: Vec<&FilterMotif> = self
            .filters
            .iter()
            .filter(|f| f.is_informative(p.min_information, p.min_sites))
            .collect();
        let with_sites = self.filters.iter().filter(|f| f.sites > 0).count();
        let matched = informative
            .iter()
            .filter(|f| {
                self.matches
                    .best(f.filter)
                    .is_some_and(|m| m.q_value <= p.max_q_value)
            })
            .count();
        let _ = write!(
            out,
            "<h2 id=\"filters\">Filters</h2><p class=\"note\">{} first-layer filters; {} have \
             sites (activation above {} × their maximum) in the {} {} of the {} split; {} \
             are informative (≥ {} bits from ≥ {} sites), {} of them matching a database motif at \
             q ≤ {}. Each logo is drawn above its best match, aligned as Tomtom aligned them. \
             Sorted by influence on {}; every filter is in filters.tsv.</p>",
            self.filters.len(),
            with_sites,
            p.activation_threshold,
            self.filter_windows,
            self.window_set.description(),
            escape(&p.split.to_string()),
            informative.len(),
            p.min_information,
            p.min_sites,
            matched,
            p.max_q_value,
            escape(self.task_name()),
        );
        let mut order = informative;
        let key = |f: &FilterMotif| {
            let v = self.influence.values[f.filter][self.task].abs();
            if v.is_nan() {
                0.0
            } else {
                v
            }
        };
        order.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.filter.cmp(&b.filter)));
        let multi = self.influence.tasks.len() > 1;
        let mut header = vec!["filter", "logo / best match", "bits", "sites", "influence"];
        if multi {
            header.push("most influenced tasks");
        }
        header.extend(["best match", "p", "E", "q"]);
        let mut table = Table::new("filters", &header);
        for f in order {
            let motif = f.motif().expect("informative filters have sites");
            let best = self.matches.best(f.filter);
            let picture = match best {
                Some(m) => {
                    let target = &self.database[m.target];
                    let rows = match m.orientation {
                        Orientation::Forward => target.probabilities().to_vec(),
                        Orientation::Reverse => {
                            target.reverse_complement().probabilities().to_vec()
                        }
                    };
                    aligned_logos(
                        motif.probabilities(),
                        &f.id(),
                        &rows,
                        &format!("{} ({})", motif_label(target), m.orientation),
                        m.offset,
                    )
                }
                None => logo(motif.probabilities(), &f.id()),
            };
            let mut row = vec![
                f.filter.to_string(),
                picture,
                number(f.information()),
                f.sites.to_string(),
                number(self.influence.values[f.filter][self.task]),
            ];
            if multi {
                row.push(escape(&self.top_tasks(f.filter, 3)));
            }
            match best {
                Some(m) => {
                    let weak = m.q_value > p.max_q_value;
                    let name = motif_label(&self.database[m.target]);
                    row.push(if weak {
                        format!("<span class=\"weak\">{}</span>", escape(&name))
                    } else {
                        escape(&name)
                    });
                    row.extend([number(m.p_value), number(m.e_value), number(m.q_value)]);
                }
                None => row.extend(["none".into(), "NA".into(), "NA".into(), "NA".into()]),
            }
            table.row(row);
        }
        out.push_str(&table.render());
    }

    /// The tasks a filter influences most, with their influence.
    fn top_tasks(&self, filter: usize, n: usize) -> String {
        let values = &self.influence.values[filter];
        let mut tasks: Vec<usize> = (0..values.len()).filter(|&t| !values[t].is_nan()).collect();
        tasks.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
        tasks
            .iter()
            .take(n)
            .map(|&t| format!("{} {:+.3}", self.influence.tasks[t], values[t]))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn influence_chart(&self, out: &mut String) {
        let _ = write!(
            out,
            "<h2 id=\"influence\">Filter influence</h2><p class=\"note\">Mean change of the \
             predicted probability of {} when a filter's output is set to zero, over {} windows \
             (positive: the filter raises the prediction). Every task and filter is in \
             influence.tsv.</p>",
            escape(self.task_name()),
            self.influence.windows[self.task],
        );
        let top: Vec<(String, f64)> = self
            .influence
            .ranking(self.task)
            .into_iter()
            .take(20)
            .filter(|&f| !self.influence.values[f][self.task].is_nan())
            .map(|f| {
                let best = self
                    .matches
                    .best(f)
                    .filter(|m| m.q_value <= self.params.max_q_value)
                    .map(|m| format!(" {}", short_name(&self.database[m.target])))
                    .unwrap_or_default();
                (
                    format!("filter{f}{best}"),
                    self.influence.values[f][self.task],
                )
            })
            .collect();
        if top.is_empty() {
            out.push_str("<p class=\"note\">No window counts for this task.</p>");
        } else {
            out.push_str(&bars(
                &top,
                &format!("Top filters for {}", self.task_name()),
            ));
        }
    }

    fn comparison_section(&self, out: &mut String) {
        let Some(view) = &self.comparison else {
            return;
        };
        let c = view.comparison;
        let (before, after) = c.matching();
        let _ = write!(
            out,
            "<h2 id=\"comparison\">Comparison with {}</h2><p class=\"note\">Filters compared with \
             the database motifs of {} ({}). Matching at q ≤ {}: {} filters before, {} after; {} \
             moved toward them (lower p-value, and a match after). Both models' filters are built \
             from the same windows. All filters are in comparison.tsv.</p>",
            escape(&view.other_dir.display().to_string()),
            escape(&c.tf),
            escape(&c.targets.join(", ")),
            c.max_q_value,
            before,
            after,
            c.moved(),
        );
        let mut table = Table::new(
            "comparison",
            &[
                "filter",
                "before",
                "after",
                "log10 p gain",
                "target before",
                "p before",
                "target after",
                "p after",
                "weight change",
            ],
        );
        let hit = |h: &Option<crate::compare::TargetHit>| match h {
            Some(h) => (escape(&h.target), number(h.p_value)),
            None => ("none".into(), "NA".into()),
        };
        for (k, f) in c.filters.iter().take(25).enumerate() {
            // Logos for the most moved filters; the rest of the rows are numbers only.
            let picture = |motifs: &[FilterMotif]| match motifs[f.filter].motif() {
                Some(m) if k < 8 && f.moved_toward(c.max_q_value) => {
                    logo(m.probabilities(), m.id())
                }
                Some(_) => String::new(),
                None => "no sites".into(),
            };
            let (tb, pb) = hit(&f.before);
            let (ta, pa) = hit(&f.after);
            table.row(vec![
                f.filter.to_string(),
                picture(view.before),
                picture(self.filters),
                number(f.log10_p_gain()),
                tb,
                pb,
                ta,
                pa,
                number(f.weight_change),
            ]);
        }
        out.push_str(&table.render());
    }

    fn attribution_tracks(&self, out: &mut String) {
        let Some((a, probabilities)) = self.attributions else {
            return;
        };
        let _ = write!(
            out,
            "<h2 id=\"attributions\">Attributions</h2><p class=\"note\">Contribution of each base \
             to the logit of {} (letters below the line lower it), for {} of the {} attributed \
             windows. The arrays for all of them are in attributions/ (tfmodisco-lite layout).</p>",
            escape(self.task_name()),
            self.params.report_windows.min(a.rows.len()),
            a.rows.len(),
        );
        for (k, &row) in a.rows.iter().enumerate().take(self.params.report_windows) {
            let w = &self.data.windows[row];
            let _ = write!(
                out,
                "<div class=\"window\"><h3>{} {}:{}-{} · label {} · p = {:.3}</h3><div class=\"tracks\">",
                escape(&w.name),
                escape(&w.chrom),
                w.start,
                w.end,
                self.data.labels.get(row, self.task),
                probabilities[k],
            );
            for (m, (method, _)) in a.scores.iter().enumerate() {
                out.push_str(&track(
                    self.data.sequence(row),
                    &a.contributions(m, k),
                    &method.to_string(),
                ));
            }
            out.push_str("</div></div>");
        }
    }
}

/// A database motif's TF name, else its identifier.
fn short_name(m: &Motif) -> &str {
    m.alt().unwrap_or(m.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_by_column_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("epochs.tsv");
        std::fs::write(
            &path,
            "epoch\tvalid_loss\ttrain_loss\tkept\n1\t0.5\t0.7\t0\n2\t0.4\t0.3\t1\n",
        )
        .unwrap();
        let e = read_epochs(&path).unwrap();
        assert_eq!(
            e[1],
            Epoch {
                epoch: 2,
                train_loss: 0.3,
                valid_loss: 0.4
            }
        );
        std::fs::write(&path, "epoch\ttrain_loss\tvalid_loss\n1\t0.5\tx\n").unwrap();
        let err = read_epochs(&path).unwrap_err().to_string();
        assert!(
            err.contains("epochs.tsv:2:") && err.contains("`x`"),
            "{err}"
        );
        std::fs::write(&path, "epoch\ttrain\n").unwrap();
        assert!(read_epochs(&path)
            .unwrap_err()
            .to_string()
            .contains("train_loss"));
    }
}
