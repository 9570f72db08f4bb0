//! A multi-task dataset: several TFs' label columns over every window with a known label.
//!
//! NA stays in the labels as -1, masked out of the loss at training time: dropping every window
//! with an NA anywhere would leave almost nothing once there are a few dozen TFs, because each TF
//! was assayed in few cell types. Only windows NA for every chosen TF carry no information.

use tfbind_dataset::{Windows, BOUND, UNBOUND, UNKNOWN};

use crate::error::{Error, Result};
use crate::gc::{Composition, GcReport};
use crate::params::{Params, TaskChoice};
use crate::report::{Dropped, Report};
use crate::source::Source;
use crate::tasks;

/// Builds the windows of a multi-task dataset.
pub fn build(
    src: &Source<'_>,
    choice: &TaskChoice<'_>,
    params: &Params,
) -> Result<(Windows, Report)> {
    let labels = &src.regions.labels;
    let cols = tasks::columns(labels, choice, &src.dir)?;
    let names: Vec<String> = cols.iter().map(|&c| labels.names()[c].clone()).collect();
    let candidates: Vec<usize> = (0..labels.n_rows())
        .filter(|&r| cols.iter().any(|&c| labels.get(r, c) != UNKNOWN))
        .collect();
    let all_na = labels.n_rows() - candidates.len();
    if all_na > 0 {
        tracing::info!(
            windows = all_na,
            "dropped windows that are NA for every chosen TF"
        );
    }

    let filtered = src.filter(&candidates)?;
    let dropped = Dropped {
        excluded: filtered.excluded.len(),
        n_rich: filtered.n_rich.len(),
        all_na,
    };
    if filtered.rows.is_empty() {
        return Err(Error::NoWindows {
            path: src.dir.clone(),
            total: labels.n_rows(),
            excluded: dropped.excluded,
            n_rich: dropped.n_rich,
            all_na,
        });
    }
    let kept = labels.select(&filtered.rows, &cols);

    let mut gc = Vec::with_capacity(cols.len());
    for (t, name) in names.iter().enumerate() {
        let with = |value: i8| -> Vec<Composition> {
            filtered
                .compositions
                .iter()
                .zip(kept.column(t))
                .filter(|&(_, v)| v == value)
                .map(|(&c, _)| c)
                .collect()
        };
        let (positives, negatives) = (with(BOUND), with(UNBOUND));
        if positives.is_empty() {
            let bound_in = |rows: &[usize]| {
                rows.iter()
                    .filter(|&&r| labels.get(r, cols[t]) == BOUND)
                    .count()
            };
            return Err(Error::NoPositives {
                path: src.dir.clone(),
                tf: name.clone(),
                bound: labels.column(cols[t]).filter(|&v| v == BOUND).count(),
                excluded: bound_in(&filtered.excluded),
                n_rich: bound_in(&filtered.n_rich),
            });
        }
        let unknown = kept.n_rows() - positives.len() - negatives.len();
        gc.push(GcReport::new(
            name,
            &positives,
            &negatives,
            unknown,
            params.gc_bins,
        ));
    }

    tracing::info!(
        tasks = names.len(),
        windows = kept.n_rows(),
        "chose the windows with a known label for at least one task"
    );
    let windows = Windows {
        windows: filtered
            .rows
            .iter()
            .map(|&r| src.window(r).clone())
            .collect(),
        labels: kept,
        synthetic: None,
    };
    let report = Report {
        mode: "multi-task".into(),
        tasks: names,
        windows: windows.windows.len(),
        dropped,
        single_task: None,
        gc,
    };
    Ok((windows, report))
}
