//! ROC and precision–recall curve points, as scikit-learn's `roc_curve` and
//! `precision_recall_curve` define them (tied scores form one threshold). tfbind-metrics computes
//! the areas; the report needs the points.

/// The curve points of one task's scores, thinned to at most `max_points` for drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Curves {
    /// (false positive rate, true positive rate), from (0, 0) to (1, 1).
    pub roc: Vec<(f64, f64)>,
    /// (recall, precision), from high thresholds (recall 0, precision 1) to the lowest.
    pub pr: Vec<(f64, f64)>,
}

impl Curves {
    /// Curves of probabilities `scores` against labels (1 bound, 0 unbound, -1 skipped); `None`
    /// unless both classes are present.
    pub fn new(scores: &[f32], labels: &[i8], max_points: usize) -> Option<Self> {
        let mut pairs: Vec<(f32, bool)> = scores
            .iter()
            .zip(labels)
            .filter(|(_, &l)| l >= 0)
            .map(|(&s, &l)| (s, l == 1))
            .collect();
        let positives = pairs.iter().filter(|p| p.1).count() as f64;
        let negatives = pairs.len() as f64 - positives;
        if positives == 0.0 || negatives == 0.0 {
            return None;
        }
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        let (mut tp, mut fp) = (0.0, 0.0);
        let mut roc = vec![(0.0, 0.0)];
        let mut pr = vec![(0.0, 1.0)];
        for (i, &(score, bound)) in pairs.iter().enumerate() {
            if bound {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
            let last_of_tie = pairs.get(i + 1).map(|next| next.0) != Some(score);
            if last_of_tie {
                roc.push((fp / negatives, tp / positives));
                pr.push((tp / positives, tp / (tp + fp)));
            }
        }
        Some(Self {
            roc: thin(roc, max_points),
            pr: thin(pr, max_points),
        })
    }
}

/// Keeps the first and last point and evenly spaced ones between, at most `max` in all.
fn thin(points: Vec<(f64, f64)>, max: usize) -> Vec<(f64, f64)> {
    if points.len() <= max || max < 2 {
        return points;
    }
    let step = (points.len() - 1) as f64 / (max - 1) as f64;
    (0..max)
        .map(|k| points[((k as f64 * step).round() as usize).min(points.len() - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_by_threshold_with_ties() {
        // Thresholds 0.9 (1 bound), 0.8 (tie: 1 bound, 1 unbound), 0.3 (1 unbound); -1 skipped.
        let c = Curves::new(&[0.9, 0.8, 0.8, 0.3, 0.5], &[1, 1, 0, 0, -1], 100).unwrap();
        assert_eq!(c.roc, [(0.0, 0.0), (0.0, 0.5), (0.5, 1.0), (1.0, 1.0)]);
        assert_eq!(c.pr, [(0.0, 1.0), (0.5, 1.0), (1.0, 2.0 / 3.0), (1.0, 0.5)]);
        assert!(Curves::new(&[0.1, 0.2], &[1, 1], 10).is_none());
    }

    #[test]
    fn thinning_keeps_the_ends() {
        let pts: Vec<(f64, f64)> = (0..1001).map(|i| (i as f64, 0.0)).collect();
        let t = thin(pts, 11);
        assert_eq!(t.len(), 11);
        assert_eq!((t[0].0, t[5].0, t[10].0), (0.0, 500.0, 1000.0));
    }
}
