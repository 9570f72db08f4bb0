//! Predictions on a split and per-task metrics, and the TSV files of the model artifact.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tfbind_dataset::{Dataset, Split};
use tfbind_metrics::{binary_metrics, median, BinaryMetrics};
use tfbind_model::Model;

use crate::checkpoint::TrainState;
use crate::error::{Result, TrainError};

/// Probabilities for dataset rows, row-major `[rows, tasks]`, in evaluation mode and batches of
/// `batch_size`; `rc_average` averages each window with its reverse complement.
pub fn predict_rows(
    model: &Model,
    data: &Dataset,
    rows: &[usize],
    batch_size: usize,
    rc_average: bool,
) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(rows.len() * model.spec().n_tasks);
    let predictor = model.predictor();
    let mut codes = Vec::new();
    for chunk in rows.chunks(batch_size.max(1)) {
        codes.clear();
        for &row in chunk {
            codes.extend_from_slice(data.sequence(row));
        }
        out.extend(predictor.predict(&codes, rc_average)?);
    }
    Ok(out)
}

/// One task's metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMetrics {
    pub task: String,
    pub metrics: BinaryMetrics,
}

/// Metrics of every task over the windows of one split (forward strand, as the paper evaluates).
pub fn evaluate(
    model: &Model,
    data: &Dataset,
    split: Split,
    batch_size: usize,
) -> Result<Vec<TaskMetrics>> {
    let rows = data.indices(split);
    let tasks = data.labels.names();
    let probabilities = predict_rows(model, data, &rows, batch_size, false)?;
    let n = tasks.len();
    tasks
        .iter()
        .enumerate()
        .map(|(t, task)| {
            let scores: Vec<f32> = probabilities.iter().skip(t).step_by(n).copied().collect();
            let labels: Vec<i8> = rows.iter().map(|&r| data.labels.get(r, t)).collect();
            Ok(TaskMetrics {
                task: task.clone(),
                metrics: binary_metrics(&scores, &labels)?,
            })
        })
        .collect()
}

/// Medians over tasks, of the tasks where a metric is defined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub tasks: usize,
    pub median_auroc: Option<f64>,
    pub median_auprc: Option<f64>,
    pub median_auprc_trapezoid: Option<f64>,
    pub median_mcc: Option<f64>,
}

pub fn summarize(metrics: &[TaskMetrics]) -> MetricSummary {
    let m = |f: fn(&BinaryMetrics) -> Option<f64>| median(metrics.iter().map(|t| f(&t.metrics)));
    MetricSummary {
        tasks: metrics.len(),
        median_auroc: m(|b| b.auroc),
        median_auprc: m(|b| b.average_precision),
        median_auprc_trapezoid: m(|b| b.auprc_trapezoid),
        median_mcc: m(|b| (b.positives > 0 && b.negatives > 0).then_some(b.mcc)),
    }
}

fn na(value: Option<f64>) -> String {
    value.map_or_else(|| "NA".to_string(), |v| format!("{v:.6}"))
}

/// `test_metrics.tsv`: one row per task (see [`tfbind_model::artifact`]).
pub fn metrics_tsv(metrics: &[TaskMetrics]) -> String {
    let mut s = String::from(
        "task\tpositives\tnegatives\tauroc\tauprc\tauprc_trapezoid\tmcc\ttp\tfp\ttn\tfn\n",
    );
    for t in metrics {
        let m = &t.metrics;
        let c = &m.counts;
        let _ = writeln!(
            s,
            "{}\t{}\t{}\t{}\t{}\t{}\t{:.6}\t{}\t{}\t{}\t{}",
            t.task,
            m.positives,
            m.negatives,
            na(m.auroc),
            na(m.average_precision),
            na(m.auprc_trapezoid),
            m.mcc,
            c.true_positives,
            c.false_positives,
            c.true_negatives,
            c.false_negatives
        );
    }
    s
}

/// `epochs.tsv`: one row per epoch, `kept` marking the epoch whose weights were kept.
pub fn epochs_tsv(state: &TrainState) -> String {
    let mut s = String::from("epoch\ttrain_loss\tvalid_loss\tseconds\ttrain_windows_per_s\tkept\n");
    for e in &state.log {
        let _ = writeln!(
            s,
            "{}\t{:.6}\t{:.6}\t{:.2}\t{:.1}\t{}",
            e.epoch,
            e.train_loss,
            e.valid_loss,
            e.seconds,
            e.train_windows_per_s,
            u8::from(state.best_epoch == Some(e.epoch))
        );
    }
    s
}

pub(crate) fn write_text(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(TrainError::io(path))
}
