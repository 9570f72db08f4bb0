//! The statistics of the tables: medians, and paired comparisons of two conditions on the same
//! training and test windows (wins, the mean difference with its 95% t confidence interval, and
//! the exact two-sided sign test).

use serde::Serialize;

/// The median; `None` of nothing. The mean of the two middle values for an even count.
///
/// ```
/// assert_eq!(tfbind_experiment::stats::median(&[3.0, 1.0, 2.0]), Some(2.0));
/// assert_eq!(tfbind_experiment::stats::median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
/// ```
pub fn median(values: &[f64]) -> Option<f64> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(v[n / 2]),
        _ => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The two-sided 95% confidence interval of the mean, by Student's t; `None` below two values.
pub fn t_interval(values: &[f64]) -> Option<(f64, f64)> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let m = mean(values)?;
    let variance = values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t975(n - 1) * (variance / n as f64).sqrt();
    Some((m - half, m + half))
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (df ≥ 1): tabulated to 30, then
/// the Cornish–Fisher expansion around the normal quantile (off by under 1e-5 there).
fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706204736,
        4.302652730,
        3.182446305,
        2.776445105,
        2.570581836,
        2.446911851,
        2.364624252,
        2.306004135,
        2.262157163,
        2.228138852,
        2.200985160,
        2.178812830,
        2.160368656,
        2.144786688,
        2.131449546,
        2.119905299,
        2.109815578,
        2.100922040,
        2.093024054,
        2.085963447,
        2.079613845,
        2.073873068,
        2.068657610,
        2.063898562,
        2.059538553,
        2.055529439,
        2.051830516,
        2.048407142,
        2.045229642,
        2.042272456,
    ];
    if let Some(&t) = TABLE.get(df.max(1) - 1) {
        return t;
    }
    let z: f64 = 1.959963984540054;
    let v = df as f64;
    z + (z.powi(3) + z) / (4.0 * v)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * v.powi(3))
}

/// The exact two-sided sign test of `wins` against `losses` (ties left out before): the chance,
/// under no difference, of a split at least this uneven.
///
/// ```
/// // 9 wins of 10: 2 × (1 + 10) / 2^10.
/// assert_eq!(tfbind_experiment::stats::sign_test(9, 1), 0.021484375);
/// ```
pub fn sign_test(wins: usize, losses: usize) -> f64 {
    let n = wins + losses;
    let k = wins.min(losses);
    // P(X <= k) for X ~ Binomial(n, 1/2), term by term: C(n, i) / 2^n as a running product stays
    // finite where C(n, i) and 2^n alone would not.
    let mut term = 0.5f64.powi(n as i32);
    let mut tail = 0.0;
    for i in 0..=k {
        tail += term;
        term *= (n - i) as f64 / (i + 1) as f64;
    }
    (2.0 * tail).min(1.0)
}

/// Two conditions compared pair by pair (the same target, size and seed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Paired {
    /// Pairs where both have a value.
    pub pairs: usize,
    /// Pairs where the condition is higher, and lower.
    pub wins: usize,
    pub losses: usize,
    /// The mean of condition − baseline, and its 95% t interval.
    pub mean_difference: Option<f64>,
    pub ci: Option<(f64, f64)>,
    /// The two-sided exact sign test's p-value (ties left out).
    pub sign_p: f64,
}

impl Paired {
    /// From (condition, baseline) pairs; a pair with a missing value (an undefined AUPRC) is
    /// left out.
    pub fn new(pairs: impl IntoIterator<Item = (Option<f64>, Option<f64>)>) -> Self {
        let differences: Vec<f64> = pairs
            .into_iter()
            .filter_map(|(a, b)| Some(a? - b?))
            .collect();
        let wins = differences.iter().filter(|&&d| d > 0.0).count();
        let losses = differences.iter().filter(|&&d| d < 0.0).count();
        Self {
            pairs: differences.len(),
            wins,
            losses,
            mean_difference: mean(&differences),
            ci: t_interval(&differences),
            sign_p: sign_test(wins, losses),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn medians_of_odd_even_and_no_counts() {
        assert_eq!(median(&[0.5]), Some(0.5));
        assert_eq!(median(&[0.9, 0.1, 0.5]), Some(0.5));
        assert_eq!(median(&[0.8, 0.2, 0.6, 0.4]), Some(0.5));
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn sign_test_by_hand() {
        // 9 of 10: 2 × P(X ≤ 1) = 2 × 11/1024.
        assert_eq!(sign_test(9, 1), 0.021484375);
        assert_eq!(sign_test(1, 9), 0.021484375);
        // 18 of 18: 2 / 2^18.
        assert_eq!(sign_test(18, 0), 2.0 / 262144.0);
        // An even split, and nothing to test, are p = 1.
        assert_eq!(sign_test(5, 5), 1.0);
        assert_eq!(sign_test(0, 0), 1.0);
        // 7 of 10: 2 × (1 + 10 + 45 + 120) / 1024.
        assert_eq!(sign_test(7, 3), 352.0 / 1024.0);
    }

    #[test]
    fn t_interval_by_hand() {
        // Mean 0.25; s² = (0.0225 + 0.0025 + 0.0025 + 0.0225) / 3 = 0.05 / 3; s / √4 = 0.0645497;
        // t(0.975, 3) = 3.182446: half-width 0.2054256.
        let (lo, hi) = t_interval(&[0.1, 0.2, 0.3, 0.4]).unwrap();
        assert!(
            close(lo, 0.25 - 3.182446305 * (0.05f64 / 3.0).sqrt() / 2.0),
            "{lo}"
        );
        assert!(
            (lo - 0.0445744).abs() < 1e-6 && (hi - 0.4554256).abs() < 1e-6,
            "{lo} {hi}"
        );
        assert_eq!(t_interval(&[0.3]), None);
        // Beyond the table, the expansion joins it smoothly and tends to the normal quantile.
        assert!((t975(31) - 2.039513).abs() < 1e-5, "{}", t975(31));
        assert!((t975(120) - 1.979930).abs() < 1e-5, "{}", t975(120));
    }

    #[test]
    fn pairs_with_a_missing_value_are_left_out() {
        let p = Paired::new([
            (Some(0.8), Some(0.5)),
            (Some(0.6), Some(0.7)),
            (None, Some(0.5)),
            (Some(0.9), None),
            (Some(0.5), Some(0.5)),
        ]);
        assert_eq!((p.pairs, p.wins, p.losses), (3, 1, 1));
        assert!(close(p.mean_difference.unwrap(), (0.3 - 0.1 + 0.0) / 3.0));
        // One win, one loss, one tie: the tie is left out of the sign test.
        assert_eq!(p.sign_p, 1.0);
        assert!(p.ci.unwrap().0 < 0.0 && p.ci.unwrap().1 > 0.0);
    }
}
