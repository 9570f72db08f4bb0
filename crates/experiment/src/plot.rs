//! The plot: median test AUPRC against training positives, one line per condition; over all
//! targets, then per target. A dashed line marks chance: the AUPRC of a random ranking, the test
//! windows' fraction of positives.

use std::collections::BTreeMap;

use tfbind_svg::{Guide, LineChart, Series};

use crate::config::Config;
use crate::results::Run;
use crate::stats::median;

/// Fixed colours for the conditions of the shipped configs, so plots of different runs compare at
/// a glance; other conditions take the palette in order.
const NAMED: [(&str, &str); 5] = [
    ("scratch", "#7f7f7f"),
    ("tf50", "#1f77b4"),
    ("cobinding", "#d62728"),
    ("random", "#2ca02c"),
    ("transfer", "#9467bd"),
];
const PALETTE: [&str; 6] = [
    "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#000000",
];

/// Panels in a row.
const COLUMNS: usize = 4;

/// The whole plot as a standalone SVG document.
pub fn svg(config: &Config, runs: &[Run]) -> String {
    let names: Vec<&str> = config.conditions.iter().map(|c| c.name()).collect();
    let mut others = PALETTE.iter().cycle();
    let colours: Vec<&str> = names
        .iter()
        .map(|n| match NAMED.iter().find(|(name, _)| name == n) {
            Some((_, colour)) => *colour,
            None => *others.next().expect("cycled"),
        })
        .collect();
    // Every model of a target is tested on the same windows: one chance level per target.
    let mut chance: BTreeMap<&str, f64> = BTreeMap::new();
    for r in runs {
        let all = r.test_positives + r.test_negatives;
        if all > 0 {
            chance.insert(&r.target, r.test_positives as f64 / all as f64);
        }
    }
    let overall_chance = median(&chance.values().copied().collect::<Vec<_>>());
    let panel = |title: &str, target: Option<&str>, chance: Option<f64>| {
        let guides: Vec<Guide> = chance
            .map(|y| Guide { y, label: "chance" })
            .into_iter()
            .collect();
        let series = names
            .iter()
            .zip(&colours)
            .map(|(name, colour)| Series {
                name: name.to_string(),
                colour,
                points: config
                    .experiment
                    .sizes
                    .iter()
                    .filter_map(|&size| {
                        let values: Vec<f64> = runs
                            .iter()
                            .filter(|r| r.condition == *name && r.size == size)
                            .filter(|r| target.is_none_or(|t| r.target == t))
                            .filter_map(|r| r.auprc)
                            .collect();
                        Some((size as f64, median(&values)?))
                    })
                    .collect(),
                emphasised: true,
            })
            .collect();
        let chart = LineChart {
            title,
            x_label: "training positives",
            y_label: "median test AUPRC",
            markers: true,
            log_x: true,
            x_ticks: config.experiment.sizes.iter().map(|&s| s as f64).collect(),
            guides,
            series,
            ..LineChart::default()
        };
        (chart.render(), chart.size())
    };
    let mut panels = vec![panel("all targets", None, overall_chance)];
    for target in &config.experiment.targets {
        panels.push(panel(
            target,
            Some(target),
            chance.get(target.as_str()).copied(),
        ));
    }
    tfbind_svg::grid(
        &panels,
        COLUMNS,
        "median test AUPRC against training positives",
    )
}
