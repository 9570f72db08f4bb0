//! The experiment's outputs, from its artifacts: results.tsv (one row per model), summary.tsv
//! (medians per condition and size), per_target.tsv, paired.tsv (each condition against scratch
//! and the reference), results.md and auprc.svg.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tfbind_artifact::AtomicFile;

use crate::config::{Condition, Config};
use crate::error::{Error, Result};
use crate::layout::Layout;
use crate::results::{self, Run};
use crate::stats::{median, Paired};
use crate::timings::Timings;

/// What `summarise` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub out: PathBuf,
    pub models: usize,
    pub files: Vec<String>,
    /// Median test AUPRC per condition at the largest size.
    pub at_largest: Vec<(String, Option<f64>)>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "summarised {} models into {}: {}",
            self.models,
            self.out.display(),
            self.files.join(", ")
        )?;
        let cells: Vec<String> = self
            .at_largest
            .iter()
            .map(|(c, m)| format!("{c} {}", number(*m, 3)))
            .collect();
        write!(
            f,
            "median test AUPRC at the largest size: {}",
            cells.join(", ")
        )
    }
}

/// One comparison of paired.tsv.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub condition: String,
    pub baseline: String,
    pub size: usize,
    #[serde(flatten)]
    pub paired: Paired,
}

/// Reads every run of `config` from the work directory and writes the outputs into `out`;
/// `invocation` is the command quoted in results.md.
pub fn summarise(
    config: &Config,
    layout: &Layout,
    out: &Path,
    invocation: &str,
) -> Result<Summary> {
    check_out(config, out)?;
    let runs = results::collect(config, layout)?;
    let timings = Timings::read(&layout.timings())?;
    let tables = Tables::new(config, &runs);
    let files = [
        ("results.tsv", tables.results_tsv()),
        ("summary.tsv", tables.summary_tsv()),
        ("per_target.tsv", tables.per_target_tsv()),
        ("paired.tsv", tables.paired_tsv()),
        ("results.md", tables.markdown(layout, &timings, invocation)),
        ("auprc.svg", crate::plot::svg(config, &runs)),
    ];
    write_files(out, &files)?;
    let largest = config
        .experiment
        .sizes
        .iter()
        .max()
        .copied()
        .unwrap_or_default();
    Ok(Summary {
        out: out.to_path_buf(),
        models: runs.len(),
        files: files.iter().map(|(n, _)| n.to_string()).collect(),
        at_largest: tables
            .conditions
            .iter()
            .map(|c| (c.to_string(), tables.median(None, c, largest)))
            .collect(),
    })
}

/// Refuses an output directory for tables that is, holds or lies in a bundle file, or is an
/// artifact: the tables go beside the user's files, never over the bundle or into an artifact.
pub(crate) fn check_out(config: &Config, out: &Path) -> Result<()> {
    let b = &config.bundle;
    tfbind_artifact::stage::check_out_apart(out, &[&b.regions(), &b.labels(), &b.genome()])?;
    if out.join(tfbind_artifact::MANIFEST_FILE).exists() {
        return Err(Error::OutIsArtifact {
            path: out.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `(name, text)` files into `out` together: all of them or none.
pub(crate) fn write_files(out: &Path, files: &[(&str, String)]) -> Result<()> {
    let mut pending = Vec::new();
    for (name, text) in files {
        let mut file = AtomicFile::create(out.join(name))?;
        std::io::Write::write_all(&mut file.writer, text.as_bytes())
            .map_err(Error::io(out.join(name)))?;
        pending.push(file);
    }
    Ok(AtomicFile::commit_all(pending)?)
}

/// The runs, indexed for the tables.
struct Tables<'a> {
    config: &'a Config,
    runs: &'a [Run],
    conditions: Vec<&'a str>,
    by_key: HashMap<(&'a str, usize, u64, &'a str), Option<f64>>,
}

impl<'a> Tables<'a> {
    fn new(config: &'a Config, runs: &'a [Run]) -> Self {
        let by_key = runs
            .iter()
            .map(|r| {
                (
                    (r.target.as_str(), r.size, r.seed, r.condition.as_str()),
                    r.auprc,
                )
            })
            .collect();
        Self {
            config,
            runs,
            conditions: config.conditions.iter().map(Condition::name).collect(),
            by_key,
        }
    }

    fn sizes(&self) -> &[usize] {
        &self.config.experiment.sizes
    }

    fn targets(&self) -> &[String] {
        &self.config.experiment.targets
    }

    /// The AUPRCs of a condition at a size, of one target or all; undefined ones left out.
    fn values(&self, target: Option<&str>, condition: &str, size: usize) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| r.condition == condition && r.size == size)
            .filter(|r| target.is_none_or(|t| r.target == t))
            .filter_map(|r| r.auprc)
            .collect()
    }

    fn median(&self, target: Option<&str>, condition: &str, size: usize) -> Option<f64> {
        median(&self.values(target, condition, size))
    }

    /// Every condition against scratch, then against the reference, size by size.
    fn comparisons(&self) -> Vec<Comparison> {
        let mut out = Vec::new();
        let scratch = self.config.scratch();
        for baseline in self.config.baselines() {
            // Scratch against the reference is the reference against scratch, negated.
            let others = self
                .conditions
                .iter()
                .filter(|c| **c != baseline && (**c != scratch || baseline == scratch));
            for &condition in others {
                for &size in self.sizes() {
                    let pairs = self.targets().iter().flat_map(|t| {
                        self.config.experiment.seeds.iter().map(move |&seed| {
                            let value = |c| {
                                self.by_key
                                    .get(&(t.as_str(), size, seed, c))
                                    .copied()
                                    .flatten()
                            };
                            (value(condition), value(baseline))
                        })
                    });
                    out.push(Comparison {
                        condition: condition.to_string(),
                        baseline: baseline.to_string(),
                        size,
                        paired: Paired::new(pairs),
                    });
                }
            }
        }
        out
    }

    fn results_tsv(&self) -> String {
        let mut out = String::from("target\tsize\tseed\tcondition\ttrain_positives\ttest_positives\ttest_negatives\tauprc\tauroc\tbest_epoch\n");
        for r in self.runs {
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                r.target,
                r.size,
                r.seed,
                r.condition,
                r.train_positives,
                r.test_positives,
                r.test_negatives,
                number(r.auprc, 4),
                number(r.auroc, 4),
                r.best_epoch
            );
        }
        out
    }

    fn summary_tsv(&self) -> String {
        let mut out = String::from("condition\tsize\truns\tmedian_auprc\n");
        for c in &self.conditions {
            for &size in self.sizes() {
                let v = self.values(None, c, size);
                let _ = writeln!(out, "{c}\t{size}\t{}\t{}", v.len(), number(median(&v), 4));
            }
        }
        out
    }

    fn per_target_tsv(&self) -> String {
        let mut out = String::from("target\tcondition\tsize\truns\tmedian_auprc\n");
        for t in self.targets() {
            for c in &self.conditions {
                for &size in self.sizes() {
                    let v = self.values(Some(t), c, size);
                    let _ = writeln!(
                        out,
                        "{t}\t{c}\t{size}\t{}\t{}",
                        v.len(),
                        number(median(&v), 4)
                    );
                }
            }
        }
        out
    }

    fn paired_tsv(&self) -> String {
        let mut out = String::from(
            "condition\tversus\tsize\tpairs\twins\tlosses\tmean_delta_auprc\tci95_low\tci95_high\tsign_test_p\n",
        );
        for c in self.comparisons() {
            let p = &c.paired;
            let _ = writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                c.condition,
                c.baseline,
                c.size,
                p.pairs,
                p.wins,
                p.losses,
                number(p.mean_difference, 4),
                number(p.ci.map(|ci| ci.0), 4),
                number(p.ci.map(|ci| ci.1), 4),
                format_p(p.sign_p)
            );
        }
        out
    }

    fn markdown(&self, layout: &Layout, timings: &Timings, invocation: &str) -> String {
        let e = &self.config.experiment;
        let list = |v: Vec<String>| v.join(", ");
        let mut out = String::from("# Transfer-learning experiment: results\n\n");
        let _ = writeln!(
            out,
            "Targets: {}; positives per training set: {}; seeds: {}.",
            list(e.targets.clone()),
            list(e.sizes.iter().map(|s| s.to_string()).collect()),
            list(e.seeds.iter().map(|s| s.to_string()).collect())
        );
        let epochs =
            |epochs: Option<usize>| epochs.map_or("the stage's default".into(), |n| n.to_string());
        let patience = e
            .pretrain_patience
            .map(|p| format!(" (patience {p})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Epochs: pre-training {}{patience}, fine-tuning {}. Split: {}.",
            epochs(e.pretrain_epochs),
            epochs(e.finetune_epochs),
            self.config.split.describe()
        );
        let windows = match e.thin {
            1 => "all".to_string(),
            k => format!("1 in {k}"),
        };
        let _ = writeln!(
            out,
            "Windows of the bundle: {windows}. Made by `{invocation}`.\n"
        );
        out.push_str(
            "![median test AUPRC against training positives](auprc.svg)\n\n## Conditions\n\n",
        );
        let rows = self
            .config
            .conditions
            .iter()
            .map(|c| (c.name().to_string(), vec![c.describe(e.thin)]))
            .collect();
        out.push_str(&table("condition", &["pre-trained on"], rows));
        self.sets_table(&mut out, layout);

        out.push_str("\n## Median test AUPRC over targets and seeds\n\n");
        out.push_str(&self.median_table(None));
        for baseline in self.config.baselines() {
            let _ = write!(
                out,
                "\n## Against {baseline}, paired (same target, size, seed: the same training and test windows)\n\n\
                 Wins/pairs, the mean AUPRC difference to {baseline} with its 95% t confidence \
                 interval, and the two-sided exact sign test's p.\n\n"
            );
            let comparisons: Vec<Comparison> = self
                .comparisons()
                .into_iter()
                .filter(|c| c.baseline == baseline)
                .collect();
            let mut columns: Vec<&str> = comparisons.iter().map(|c| c.condition.as_str()).collect();
            columns.dedup();
            let rows = self
                .sizes()
                .iter()
                .map(|&size| {
                    let cells = columns
                        .iter()
                        .map(|c| {
                            comparisons
                                .iter()
                                .find(|x| x.condition == *c && x.size == size)
                                .map_or("–".into(), |x| paired_cell(&x.paired))
                        })
                        .collect();
                    (size.to_string(), cells)
                })
                .collect();
            out.push_str(&table("positives", &columns, rows));
        }
        out.push_str("\n## Median test AUPRC per target (over seeds)\n");
        for t in self.targets() {
            let _ = write!(out, "\n### {t}\n\n{}", self.median_table(Some(t)));
        }
        let _ = write!(
            out,
            "\n## Time\n\nWall-clock seconds per stage, summed over every run in the work directory \
             (runs: {}; an up-to-date stage counts ~0 s):\n\n",
            timings.runs
        );
        let mut rows: Vec<(String, Vec<String>)> = timings
            .stages
            .iter()
            .map(|(stage, (n, secs))| (stage.clone(), vec![n.to_string(), format!("{secs:.0}")]))
            .collect();
        rows.push((
            "total".into(),
            vec![String::new(), format!("{:.0}", timings.total)],
        ));
        out.push_str(&table("stage", &["artifacts", "seconds"], rows));
        out
    }

    fn median_table(&self, target: Option<&str>) -> String {
        let rows = self
            .sizes()
            .iter()
            .map(|&size| {
                let cells = self
                    .conditions
                    .iter()
                    .map(|c| number(self.median(target, c, size), 3))
                    .collect();
                (size.to_string(), cells)
            })
            .collect();
        table("positives", &self.conditions, rows)
    }

    /// The TF sets pre-trained on, per target: what each selection chose.
    fn sets_table(&self, out: &mut String, layout: &Layout) {
        let sets: Vec<&Condition> = self
            .config
            .conditions
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    Condition::Select { .. } | Condition::Tfs { .. } | Condition::Transfer { .. }
                )
            })
            .collect();
        if sets.is_empty() {
            return;
        }
        let columns: Vec<&str> = sets.iter().map(|c| c.name()).collect();
        let rows = self
            .targets()
            .iter()
            .map(|t| {
                let cells = sets
                    .iter()
                    .map(|c| {
                        let name = if c.per_target() {
                            format!("{t}.{}", c.name())
                        } else {
                            c.name().to_string()
                        };
                        match tfbind_dataset::read_tf_list(&layout.set(&name)) {
                            Ok(tfs) if tfs.len() <= 10 => tfs.join(", "),
                            Ok(tfs) => format!("{} TFs", tfs.len()),
                            Err(_) => "–".into(),
                        }
                    })
                    .collect();
                (t.clone(), cells)
            })
            .collect();
        out.push_str("\nThe TF sets:\n\n");
        out.push_str(&table("target", &columns, rows));
    }
}

/// A markdown table: a first column, then one column per name.
pub(crate) fn table(first: &str, columns: &[&str], rows: Vec<(String, Vec<String>)>) -> String {
    let mut out = format!("| {first} |");
    let mut rule = String::from("|---|");
    for c in columns {
        let _ = write!(out, " {c} |");
        rule.push_str("---|");
    }
    let _ = writeln!(out, "\n{rule}");
    for (key, cells) in rows {
        let _ = writeln!(out, "| {key} | {} |", cells.join(" | "));
    }
    out
}

fn paired_cell(p: &Paired) -> String {
    match (p.mean_difference, p.ci) {
        (Some(d), Some((lo, hi))) => format!(
            "{}/{} ({d:+.3} [{lo:+.3}, {hi:+.3}], p {})",
            p.wins,
            p.pairs,
            format_p(p.sign_p)
        ),
        (Some(d), None) => format!("{}/{} ({d:+.3})", p.wins, p.pairs),
        _ => "–".into(),
    }
}

/// A value with `decimals`, or NA.
pub(crate) fn number(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "NA".into(), |v| format!("{v:.decimals$}"))
}

/// A p-value: 3 significant digits, scientific below 0.001.
fn format_p(p: f64) -> String {
    if p < 1e-3 {
        format!("{p:.2e}")
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        toml::from_str(
            r#"
            bundle = {}
            split = {}
            experiment = { targets = ["A", "B"], sizes = [50], seeds = [1, 2], reference = "tf50" }
            [[condition]]
            name = "scratch"
            kind = "scratch"
            [[condition]]
            name = "tf50"
            kind = "tfs"
            tfs = ["X"]
            [[condition]]
            name = "cobinding"
            kind = "tfs"
            tfs = ["Y"]
            "#,
        )
        .unwrap()
    }

    /// A hand-computed case: 2 targets × 2 seeds, one tf50 AUPRC undefined.
    fn runs() -> Vec<Run> {
        let values = [
            ("A", 1, [Some(0.50), Some(0.60), Some(0.80)]),
            ("A", 2, [Some(0.55), Some(0.58), Some(0.75)]),
            ("B", 1, [Some(0.52), None, Some(0.70)]),
            ("B", 2, [Some(0.48), Some(0.62), Some(0.66)]),
        ];
        let mut runs = Vec::new();
        for (target, seed, auprcs) in values {
            for (condition, auprc) in ["scratch", "tf50", "cobinding"].into_iter().zip(auprcs) {
                runs.push(Run {
                    target: target.into(),
                    size: 50,
                    seed,
                    condition: condition.into(),
                    train_positives: 50,
                    test_positives: 100,
                    test_negatives: 100,
                    auprc,
                    auroc: auprc,
                    best_epoch: 1,
                });
            }
        }
        runs
    }

    #[test]
    fn medians_and_paired_statistics_by_hand() {
        let (config, runs) = (config(), runs());
        let tables = Tables::new(&config, &runs);
        // scratch: 0.48 0.50 0.52 0.55 → (0.50 + 0.52) / 2; tf50: 0.58 0.60 0.62 (the NA left
        // out); cobinding: 0.66 0.70 0.75 0.80 → (0.70 + 0.75) / 2.
        assert_eq!(
            tables.summary_tsv(),
            "condition\tsize\truns\tmedian_auprc\nscratch\t50\t4\t0.5100\ntf50\t50\t3\t0.6000\ncobinding\t50\t4\t0.7250\n"
        );
        let paired = tables.paired_tsv();
        let lines: Vec<&str> = paired.lines().skip(1).collect();
        // tf50 − scratch: 0.10, 0.03, 0.14 (B seed 1 has no tf50 value): 3 wins, p = 2/2^3.
        assert!(
            lines[0].starts_with("tf50\tscratch\t50\t3\t3\t0\t0.0900\t"),
            "{paired}"
        );
        assert!(lines[0].ends_with("\t0.250"), "{paired}");
        // cobinding − scratch: 0.30 0.20 0.18 0.18, mean 0.215, s² = 0.0099 / 3,
        // half-width 3.182446 × s / 2 = 0.091409; p = 2/2^4.
        assert_eq!(
            lines[1],
            "cobinding\tscratch\t50\t4\t4\t0\t0.2150\t0.1236\t0.3064\t0.125"
        );
        // Against the reference: cobinding only (scratch against tf50 is tf50 against scratch).
        assert!(
            lines[2].starts_with("cobinding\ttf50\t50\t3\t3\t0\t0.1367\t"),
            "{paired}"
        );
        assert_eq!(lines.len(), 3);
        let md = tables.markdown(&Layout::new("/nonexistent"), &Timings::default(), "x");
        assert!(md.contains("| 50 | 0.510 | 0.600 | 0.725 |"), "{md}");
        assert!(
            md.contains(" | 4/4 (+0.215 [+0.124, +0.306], p 0.125) |"),
            "{md}"
        );
        assert!(md.contains("| positives | tf50 | cobinding |"), "{md}");
        let svg = crate::plot::svg(&config, &runs);
        assert_eq!(svg.matches("<g transform").count(), 3, "all targets, A, B");
    }

    #[test]
    fn cells_and_p_values() {
        assert_eq!(format_p(0.021484375), "0.021");
        assert_eq!(format_p(2.0 / 262144.0), "7.63e-6");
        assert_eq!(number(None, 3), "NA");
        let p = Paired::new([(Some(0.7), Some(0.5)), (Some(0.6), Some(0.5))]);
        // Differences 0.2 and 0.1: mean 0.15, s = 0.0707, t(1) = 12.706: ± 0.635.
        assert_eq!(paired_cell(&p), "2/2 (+0.150 [-0.485, +0.785], p 0.500)");
        assert_eq!(
            table(
                "positives",
                &["a", "b"],
                vec![("50".into(), vec!["1".into(), "2".into()])]
            ),
            "| positives | a | b |\n|---|---|---|\n| 50 | 1 | 2 |\n"
        );
    }
}
