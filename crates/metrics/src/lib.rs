//! Per-task binary classification metrics for evaluating TF binding predictions.
//!
//! Every metric is defined as in scikit-learn, so numbers compare directly with the paper
//! (Novakovsky et al. 2021 evaluate with scikit-learn):
//!
//! | field | scikit-learn equivalent |
//! |---|---|
//! | [`BinaryMetrics::auroc`] | `roc_auc_score(y, p)` |
//! | [`BinaryMetrics::average_precision`] | `average_precision_score(y, p)` |
//! | [`BinaryMetrics::auprc_trapezoid`] | `auc(recall, precision)` over `precision_recall_curve(y, p)` (the authors' AUPRC) |
//! | [`BinaryMetrics::mcc`] | `matthews_corrcoef(y, round(p))`, i.e. predicted bound iff `p > 0.5` |
//!
//! Ties between scores are handled as scikit-learn does: all windows sharing a score form one
//! threshold, one point of the curve.
//!
//! Labels use the on-disk convention of the `dataset` artifact: `1` bound, `0` unbound, `-1` unknown;
//! unknown labels are skipped, so a task's metrics cover exactly its labelled windows.
//!
//! ```
//! let scores = [0.9, 0.8, 0.3, 0.1, 0.7];
//! let labels = [1, 0, 1, 0, -1];
//! let m = tfbind_metrics::binary_metrics(&scores, &labels).unwrap();
//! assert_eq!((m.positives, m.negatives), (2, 2));
//! assert_eq!(m.auroc, Some(0.75));
//! ```

use std::cmp::Ordering;

/// Errors in the inputs of a metric computation.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MetricsError {
    /// Scores and labels are not the same length.
    #[error("{scores} scores but {labels} labels")]
    LengthMismatch { scores: usize, labels: usize },
    /// A label outside {-1, 0, 1}.
    #[error("label {value} at index {index} is not 1 (bound), 0 (unbound) or -1 (unknown)")]
    BadLabel { index: usize, value: i8 },
    /// A score that is NaN: it cannot be ranked, and would usually mean a diverged model.
    #[error("score at index {index} is NaN")]
    NanScore { index: usize },
}

/// Confusion-matrix counts at the 0.5 probability threshold (predicted bound iff `p > 0.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub true_positives: u64,
    pub false_positives: u64,
    pub true_negatives: u64,
    pub false_negatives: u64,
}

/// Metrics of one task (TF) over its labelled windows.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryMetrics {
    /// Windows labelled bound.
    pub positives: u64,
    /// Windows labelled unbound.
    pub negatives: u64,
    /// Area under the ROC curve; `None` unless both classes are present.
    pub auroc: Option<f64>,
    /// Average precision (step-wise area under the PR curve); `None` without positives.
    pub average_precision: Option<f64>,
    /// Trapezoidal area under the PR curve, the authors' AUPRC; `None` without positives.
    pub auprc_trapezoid: Option<f64>,
    /// Matthews correlation coefficient at 0.5; 0 when undefined, as scikit-learn.
    pub mcc: f64,
    /// Confusion-matrix counts at 0.5.
    pub counts: Counts,
}

/// Computes all metrics of one task from probabilities `scores` and labels (1, 0, or -1 to skip).
///
/// Scores are compared as given; the 0.5 threshold of [`BinaryMetrics::mcc`] and
/// [`BinaryMetrics::counts`] assumes they are probabilities.
pub fn binary_metrics(scores: &[f32], labels: &[i8]) -> Result<BinaryMetrics, MetricsError> {
    if scores.len() != labels.len() {
        return Err(MetricsError::LengthMismatch {
            scores: scores.len(),
            labels: labels.len(),
        });
    }
    let mut pairs = Vec::with_capacity(scores.len());
    for (index, (&score, &label)) in scores.iter().zip(labels).enumerate() {
        let bound = match label {
            1 => true,
            0 => false,
            -1 => continue,
            value => return Err(MetricsError::BadLabel { index, value }),
        };
        if score.is_nan() {
            return Err(MetricsError::NanScore { index });
        }
        pairs.push((f64::from(score), bound));
    }
    let counts = threshold_counts(&pairs);
    let curve = Curve::new(pairs);
    Ok(BinaryMetrics {
        positives: curve.positives,
        negatives: curve.negatives,
        auroc: curve.auroc(),
        average_precision: curve.average_precision(),
        auprc_trapezoid: curve.auprc_trapezoid(),
        mcc: mcc(&counts),
        counts,
    })
}

fn threshold_counts(pairs: &[(f64, bool)]) -> Counts {
    let mut c = Counts::default();
    for &(score, bound) in pairs {
        match (score > 0.5, bound) {
            (true, true) => c.true_positives += 1,
            (true, false) => c.false_positives += 1,
            (false, false) => c.true_negatives += 1,
            (false, true) => c.false_negatives += 1,
        }
    }
    c
}

/// Matthews correlation coefficient of a confusion matrix; 0 when a marginal is empty, as
/// scikit-learn returns.
pub fn mcc(c: &Counts) -> f64 {
    let (tp, fp, tn, fn_) = (
        c.true_positives as f64,
        c.false_positives as f64,
        c.true_negatives as f64,
        c.false_negatives as f64,
    );
    let denominator = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
    if denominator == 0.0 {
        0.0
    } else {
        (tp * tn - fp * fn_) / denominator
    }
}

/// Cumulative (true positives, false positives) at each distinct score, highest score first.
struct Curve {
    points: Vec<(u64, u64)>,
    positives: u64,
    negatives: u64,
}

impl Curve {
    fn new(mut pairs: Vec<(f64, bool)>) -> Self {
        // NaN was rejected, so the comparison is total.
        pairs.sort_unstable_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
        let mut points = Vec::new();
        let (mut tp, mut fp) = (0u64, 0u64);
        for (i, &(score, bound)) in pairs.iter().enumerate() {
            if bound {
                tp += 1;
            } else {
                fp += 1;
            }
            let last_of_tie = pairs.get(i + 1).is_none_or(|next| next.0 != score);
            if last_of_tie {
                points.push((tp, fp));
            }
        }
        Curve {
            points,
            positives: tp,
            negatives: fp,
        }
    }

    fn auroc(&self) -> Option<f64> {
        if self.positives == 0 || self.negatives == 0 {
            return None;
        }
        let (p, n) = (self.positives as f64, self.negatives as f64);
        let mut area = 0.0;
        let (mut prev_tpr, mut prev_fpr) = (0.0, 0.0);
        for &(tp, fp) in &self.points {
            let (tpr, fpr) = (tp as f64 / p, fp as f64 / n);
            area += (fpr - prev_fpr) * (tpr + prev_tpr) / 2.0;
            (prev_tpr, prev_fpr) = (tpr, fpr);
        }
        Some(area)
    }

    /// (recall, precision) at each threshold, preceded by scikit-learn's end point (0, 1).
    fn pr_points(&self) -> Option<impl Iterator<Item = (f64, f64)> + '_> {
        if self.positives == 0 {
            return None;
        }
        let p = self.positives as f64;
        let curve = self
            .points
            .iter()
            .map(move |&(tp, fp)| (tp as f64 / p, tp as f64 / (tp + fp) as f64));
        Some(std::iter::once((0.0, 1.0)).chain(curve))
    }

    fn average_precision(&self) -> Option<f64> {
        let mut points = self.pr_points()?;
        let (mut prev_recall, _) = points.next()?;
        let mut sum = 0.0;
        for (recall, precision) in points {
            sum += (recall - prev_recall) * precision;
            prev_recall = recall;
        }
        Some(sum)
    }

    fn auprc_trapezoid(&self) -> Option<f64> {
        let mut points = self.pr_points()?;
        let (mut prev_recall, mut prev_precision) = points.next()?;
        let mut sum = 0.0;
        for (recall, precision) in points {
            sum += (recall - prev_recall) * (precision + prev_precision) / 2.0;
            (prev_recall, prev_precision) = (recall, precision);
        }
        Some(sum)
    }
}

/// Median of the values that are present (e.g. AUROC over the tasks that have both classes);
/// `None` if there are none.
///
/// ```
/// assert_eq!(tfbind_metrics::median([Some(0.9), None, Some(0.7), Some(0.8)]), Some(0.8));
/// assert_eq!(tfbind_metrics::median([Some(0.9), Some(0.7)]), Some(0.8));
/// ```
pub fn median(values: impl IntoIterator<Item = Option<f64>>) -> Option<f64> {
    let mut v: Vec<f64> = values.into_iter().flatten().collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-12)
    }

    #[test]
    fn perfect_and_inverted_rankings() {
        let m = binary_metrics(&[0.9, 0.8, 0.2, 0.1], &[1, 1, 0, 0]).unwrap();
        assert!(close(m.auroc, 1.0));
        assert!(close(m.average_precision, 1.0));
        assert!(close(m.auprc_trapezoid, 1.0));
        assert!((m.mcc - 1.0).abs() < 1e-12);
        let m = binary_metrics(&[0.1, 0.2, 0.8, 0.9], &[1, 1, 0, 0]).unwrap();
        assert!(close(m.auroc, 0.0));
        assert!((m.mcc + 1.0).abs() < 1e-12);
    }

    #[test]
    fn hand_computed_curve_with_a_tie() {
        // Thresholds 0.8 (1 pos), 0.6 (1 pos + 1 neg, tied), 0.2 (1 neg).
        let m = binary_metrics(&[0.8, 0.6, 0.6, 0.2], &[1, 1, 0, 0]).unwrap();
        // ROC points (0,0) (0,.5) (.5,1) (1,1): area = .5*.75 + .5*1 = 0.875.
        assert!(close(m.auroc, 0.875));
        // PR points (0,1) (.5,1) (1,2/3) (1,.5): AP = .5*1 + .5*2/3.
        assert!(close(m.average_precision, 0.5 + 1.0 / 3.0));
        // Trapezoid: .5*1 + .5*(1+2/3)/2 + 0.
        assert!(close(m.auprc_trapezoid, 0.5 + 5.0 / 12.0));
        assert_eq!(
            m.counts,
            Counts {
                true_positives: 2,
                false_positives: 1,
                true_negatives: 1,
                false_negatives: 0
            }
        );
    }

    #[test]
    fn unknown_labels_are_skipped_and_half_is_negative() {
        let m = binary_metrics(&[0.5, 0.9, 0.1], &[1, -1, 0]).unwrap();
        assert_eq!((m.positives, m.negatives), (1, 1));
        // p = 0.5 is predicted unbound, as numpy's round-half-to-even gives.
        assert_eq!(m.counts.false_negatives, 1);
        assert_eq!(m.mcc, 0.0);
    }

    #[test]
    fn single_class_leaves_undefined_metrics_empty() {
        let m = binary_metrics(&[0.3, 0.7], &[0, 0]).unwrap();
        assert_eq!(
            (m.auroc, m.average_precision, m.auprc_trapezoid),
            (None, None, None)
        );
        let m = binary_metrics(&[0.3, 0.7], &[1, 1]).unwrap();
        assert_eq!(m.auroc, None);
        assert!(close(m.average_precision, 1.0));
        assert!(close(m.auprc_trapezoid, 1.0));
        let m = binary_metrics(&[], &[]).unwrap();
        assert_eq!((m.positives, m.negatives, m.mcc), (0, 0, 0.0));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(
            binary_metrics(&[0.1], &[]),
            Err(MetricsError::LengthMismatch {
                scores: 1,
                labels: 0
            })
        );
        assert_eq!(
            binary_metrics(&[0.1, 0.2], &[0, 2]),
            Err(MetricsError::BadLabel { index: 1, value: 2 })
        );
        assert_eq!(
            binary_metrics(&[0.1, f32::NAN], &[0, 1]),
            Err(MetricsError::NanScore { index: 1 })
        );
        // An unknown label excuses a NaN score: it is never ranked.
        assert!(binary_metrics(&[0.1, f32::NAN], &[0, -1]).is_ok());
    }
}
