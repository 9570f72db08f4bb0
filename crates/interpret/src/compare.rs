//! Two models with the same first layer (a fine-tuned model and the model it started from):
//! which filters moved toward the target TF's database motifs. Novakovsky et al. 2021 observed
//! that fine-tuning turns pre-trained filters into the target TF's motif.

use std::fmt::Write as _;

use serde::Serialize;
use tfbind_motifs::Match;

use crate::filters::FilterMotif;
use crate::matches::FilterMatches;

/// One filter in both models.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilterShift {
    pub filter: usize,
    pub information_before: f64,
    pub information_after: f64,
    pub sites_before: usize,
    pub sites_after: usize,
    /// Best match among the target TF's motifs, in the other model (before) and this one.
    pub before: Option<TargetHit>,
    pub after: Option<TargetHit>,
    /// ‖W_after − W_before‖ / ‖W_before‖ of the filter's weights.
    pub weight_change: f64,
}

/// A filter's best match among the target motifs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetHit {
    pub target: String,
    pub p_value: f64,
    pub e_value: f64,
    pub q_value: f64,
}

impl FilterShift {
    /// log10 p before − log10 p after: positive when the filter came closer to the target
    /// motifs. A filter without sites counts as p = 1.
    pub fn log10_p_gain(&self) -> f64 {
        let lp = |h: &Option<TargetHit>| h.as_ref().map_or(0.0, |h| h.p_value.max(1e-300).log10());
        lp(&self.before) - lp(&self.after)
    }

    /// Closer to the target than before, and a match at `max_q_value` now.
    pub fn moved_toward(&self, max_q_value: f64) -> bool {
        self.log10_p_gain() > 0.0
            && self
                .after
                .as_ref()
                .is_some_and(|h| h.q_value <= max_q_value)
    }
}

/// The comparison of every filter: those that moved toward the targets first, then by log10 p
/// gain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub tf: String,
    /// The database motifs of the TF.
    pub targets: Vec<String>,
    pub max_q_value: f64,
    pub filters: Vec<FilterShift>,
}

/// What the two models' filters look like: motifs, matches and weights.
pub struct Side<'a> {
    pub motifs: &'a [FilterMotif],
    pub matches: &'a FilterMatches,
    pub weights: &'a [Vec<f32>],
}

impl Comparison {
    /// Compares `before` (the other model) with `after` (this one) against the database motifs
    /// `targets` (indices into the database, named by `names`).
    pub fn new(
        tf: &str,
        targets: &[usize],
        names: &[String],
        before: &Side,
        after: &Side,
        max_q_value: f64,
    ) -> Self {
        let hit = |m: Option<&Match>| {
            m.map(|m| TargetHit {
                target: names[m.target].clone(),
                p_value: m.p_value,
                e_value: m.e_value,
                q_value: m.q_value,
            })
        };
        let mut filters: Vec<FilterShift> = (0..after.motifs.len())
            .map(|f| FilterShift {
                filter: f,
                information_before: before.motifs[f].information(),
                information_after: after.motifs[f].information(),
                sites_before: before.motifs[f].sites,
                sites_after: after.motifs[f].sites,
                before: hit(before.matches.best_among(f, targets)),
                after: hit(after.matches.best_among(f, targets)),
                weight_change: relative_change(&before.weights[f], &after.weights[f]),
            })
            .collect();
        // Those that moved toward the targets first, then by how far they came.
        filters.sort_by(|a, b| {
            b.moved_toward(max_q_value)
                .cmp(&a.moved_toward(max_q_value))
                .then(b.log10_p_gain().total_cmp(&a.log10_p_gain()))
                .then(a.filter.cmp(&b.filter))
        });
        Self {
            tf: tf.to_string(),
            targets: targets.iter().map(|&t| names[t].clone()).collect(),
            max_q_value,
            filters,
        }
    }

    /// Filters matching a target motif at `max_q_value`: (before, after).
    pub fn matching(&self) -> (usize, usize) {
        let count = |side: fn(&FilterShift) -> &Option<TargetHit>| {
            self.filters
                .iter()
                .filter(|f| {
                    side(f)
                        .as_ref()
                        .is_some_and(|h| h.q_value <= self.max_q_value)
                })
                .count()
        };
        (count(|f| &f.before), count(|f| &f.after))
    }

    /// Filters that moved toward the target motifs.
    pub fn moved(&self) -> usize {
        self.filters
            .iter()
            .filter(|f| f.moved_toward(self.max_q_value))
            .count()
    }

    /// `comparison.tsv`: one row per filter, in the order of [`Comparison::filters`].
    pub fn tsv(&self) -> String {
        let mut out = String::from(
            "filter\tmoved_toward\tlog10_p_gain\ttarget_before\tp_before\tq_before\t\
             target_after\tp_after\tq_after\tinformation_before\tinformation_after\t\
             sites_before\tsites_after\tweight_change\n",
        );
        let side = |h: &Option<TargetHit>| match h {
            Some(h) => format!("{}\t{:.3e}\t{:.3e}", h.target, h.p_value, h.q_value),
            None => "NA\tNA\tNA".to_string(),
        };
        for f in &self.filters {
            let _ = writeln!(
                out,
                "{}\t{}\t{:.3}\t{}\t{}\t{:.3}\t{:.3}\t{}\t{}\t{:.4}",
                f.filter,
                if f.moved_toward(self.max_q_value) {
                    "yes"
                } else {
                    "no"
                },
                f.log10_p_gain(),
                side(&f.before),
                side(&f.after),
                f.information_before,
                f.information_after,
                f.sites_before,
                f.sites_after,
                f.weight_change
            );
        }
        out
    }
}

fn relative_change(before: &[f32], after: &[f32]) -> f64 {
    let norm = |v: &mut dyn Iterator<Item = f64>| v.map(|x| x * x).sum::<f64>().sqrt();
    let diff = norm(&mut before.iter().zip(after).map(|(&a, &b)| f64::from(b - a)));
    let base = norm(&mut before.iter().map(|&a| f64::from(a)));
    if base == 0.0 {
        diff
    } else {
        diff / base
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::InterpretParams;
    use tfbind_motifs::Motif;

    fn counts(consensus: &str) -> Vec<[f64; 4]> {
        consensus
            .chars()
            .map(|c| {
                let mut r = [1.0; 4];
                r["ACGT".find(c).unwrap()] = 17.0;
                r
            })
            .collect()
    }

    fn filters(consensus: &[&str]) -> Vec<FilterMotif> {
        consensus
            .iter()
            .enumerate()
            .map(|(i, c)| FilterMotif {
                filter: i,
                max_activation: 1.0,
                sites: 20,
                counts: counts(c),
            })
            .collect()
    }

    #[test]
    fn a_filter_that_became_the_target_motif_moved_toward_it() {
        let db: Vec<Motif> = [
            ("T1", "CCGCGAGGGGGCG"),
            ("T2", "TTGACGTCAA"),
            ("T3", "AAAACCCC"),
        ]
        .iter()
        .map(|(id, c)| Motif::from_counts(*id, &counts(c)).unwrap().with_alt(*id))
        .collect();
        let names: Vec<String> = db.iter().map(|m| m.id().to_string()).collect();
        let params = InterpretParams::default();
        let before = filters(&["ATATATAT", "TGACGTCA"]);
        let after = filters(&["GCGAGGGGG", "TGACGTCA"]);
        let (mb, ma) = (
            FilterMatches::compute(&before, &db, &params).unwrap(),
            FilterMatches::compute(&after, &db, &params).unwrap(),
        );
        let w = vec![vec![1.0f32, 0.0], vec![0.5, 0.5]];
        let w2 = vec![vec![1.0f32, 1.0], vec![0.5, 0.5]];
        let c = Comparison::new(
            "T1",
            &[0],
            &names,
            &Side {
                motifs: &before,
                matches: &mb,
                weights: &w,
            },
            &Side {
                motifs: &after,
                matches: &ma,
                weights: &w2,
            },
            0.5,
        );
        assert_eq!(c.targets, ["T1"]);
        let first = &c.filters[0];
        assert_eq!(first.filter, 0);
        assert!(first.log10_p_gain() > 1.0, "{first:?}");
        assert!(first.moved_toward(0.5));
        assert_eq!(first.weight_change, 1.0);
        let second = &c.filters[1];
        assert_eq!((second.log10_p_gain(), second.weight_change), (0.0, 0.0));
        assert!(!second.moved_toward(0.5));
        assert_eq!(c.moved(), 1);
        assert_eq!(c.matching().1, 1);
        let tsv = c.tsv();
        assert!(tsv.lines().nth(1).unwrap().starts_with("0\tyes\t"), "{tsv}");
        assert_eq!(tsv.lines().count(), 3);
    }
}
