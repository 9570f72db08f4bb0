//! Motifs as position frequency matrices: width × 4 in the order A C G T.

use crate::{Error, Result};

/// The letters of every matrix row, in order.
pub const ALPHABET: [char; 4] = ['A', 'C', 'G', 'T'];

/// How far a row of probabilities may sum from 1. Files round their probabilities (MEME-suite
/// tools to 6 decimals, some hand-made files to 2), so a row of four rounded values can miss 1 by
/// up to 4 × 0.005; anything further off is not a probability row.
pub const ROW_SUM_TOLERANCE: f64 = 0.02;

/// Letter frequencies of the sequences motifs are compared against (A C G T).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Background([f64; 4]);

impl Background {
    /// 0.25 each, the default of MEME-suite tools and of information content here.
    pub const UNIFORM: Background = Background([0.25; 4]);

    /// Frequencies that are positive and sum to 1 within [`ROW_SUM_TOLERANCE`].
    ///
    /// ```
    /// let gc_rich = tfbind_motifs::Background::new([0.2, 0.3, 0.3, 0.2]).unwrap();
    /// assert_eq!(gc_rich.frequencies()[1], 0.3);
    /// assert!(tfbind_motifs::Background::new([0.5, 0.5, 0.0, 0.0]).is_err());
    /// ```
    pub fn new(freqs: [f64; 4]) -> Result<Self> {
        let bad = |message: &str| Error::BadBackground {
            freqs,
            message: message.to_string(),
        };
        if freqs.iter().any(|&f| !f.is_finite() || f <= 0.0) {
            return Err(bad("every frequency must be positive"));
        }
        let sum: f64 = freqs.iter().sum();
        if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
            return Err(bad(&format!("frequencies sum to {sum}, not 1")));
        }
        Ok(Background(freqs))
    }

    /// The frequencies of A C G T.
    pub fn frequencies(&self) -> [f64; 4] {
        self.0
    }
}

impl Default for Background {
    fn default() -> Self {
        Background::UNIFORM
    }
}

/// A DNA motif: its probability matrix (one row per position, A C G T), the number of sites it
/// was built from, and the names a MEME file gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Motif {
    id: String,
    alt: Option<String>,
    rows: Vec<[f64; 4]>,
    nsites: f64,
    e_value: f64,
}

/// MEME's value for `nsites=` when a file leaves it out.
const DEFAULT_NSITES: f64 = 20.0;

impl Motif {
    /// A motif from rows of letter probabilities. Each row must be finite, non-negative and sum
    /// to 1 within [`ROW_SUM_TOLERANCE`]; the values are kept as given, so a motif read from a
    /// file compares exactly as other tools reading the same file see it.
    ///
    /// ```
    /// use tfbind_motifs::Motif;
    /// let m = Motif::from_probabilities("M1", vec![[1.0, 0.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]]).unwrap();
    /// assert_eq!(m.width(), 2);
    /// assert!(Motif::from_probabilities("bad", vec![[0.5, 0.0, 0.0, 0.0]]).is_err());
    /// ```
    pub fn from_probabilities(id: impl Into<String>, rows: Vec<[f64; 4]>) -> Result<Self> {
        let id = id.into();
        if rows.is_empty() {
            return Err(Error::EmptyMotif { id });
        }
        for (i, row) in rows.iter().enumerate() {
            check_row(&id, i, row)?;
            let sum: f64 = row.iter().sum();
            if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
                return Err(Error::BadRow {
                    id,
                    row: i + 1,
                    message: format!("probabilities sum to {sum}, not 1"),
                });
            }
        }
        Ok(Motif {
            id,
            alt: None,
            rows,
            nsites: DEFAULT_NSITES,
            e_value: 0.0,
        })
    }

    /// A motif from a count matrix (a PFM as JASPAR stores it): each row is divided by its total,
    /// and the number of sites is the largest row total.
    ///
    /// ```
    /// use tfbind_motifs::Motif;
    /// let m = Motif::from_counts("M1", &[[8.0, 0.0, 2.0, 0.0], [0.0, 10.0, 0.0, 0.0]]).unwrap();
    /// assert_eq!(m.nsites(), 10.0);
    /// assert_eq!(m.probabilities()[0], [0.8, 0.0, 0.2, 0.0]);
    /// ```
    pub fn from_counts(id: impl Into<String>, counts: &[[f64; 4]]) -> Result<Self> {
        let id = id.into();
        if counts.is_empty() {
            return Err(Error::EmptyMotif { id });
        }
        let mut nsites: f64 = 0.0;
        let mut rows = Vec::with_capacity(counts.len());
        for (i, row) in counts.iter().enumerate() {
            check_row(&id, i, row)?;
            let total: f64 = row.iter().sum();
            if total <= 0.0 {
                return Err(Error::BadRow {
                    id,
                    row: i + 1,
                    message: "no counts".to_string(),
                });
            }
            nsites = nsites.max(total);
            rows.push(row.map(|c| c / total));
        }
        Ok(Motif {
            id,
            alt: None,
            rows,
            nsites,
            e_value: 0.0,
        })
    }

    /// The same motif with a second name (MEME's `MOTIF id alt`, JASPAR's TF name).
    pub fn with_alt(mut self, alt: impl Into<String>) -> Self {
        self.alt = Some(alt.into());
        self
    }

    /// The same motif with the number of sites it was built from.
    pub fn with_nsites(mut self, nsites: f64) -> Self {
        self.nsites = nsites;
        self
    }

    /// The same motif with the E-value its discovery tool gave it.
    pub fn with_e_value(mut self, e_value: f64) -> Self {
        self.e_value = e_value;
        self
    }

    /// The motif's identifier (the first word after `MOTIF`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The motif's alternate name, if any.
    pub fn alt(&self) -> Option<&str> {
        self.alt.as_deref()
    }

    /// Number of positions.
    pub fn width(&self) -> usize {
        self.rows.len()
    }

    /// One row per position: the probabilities of A C G T.
    pub fn probabilities(&self) -> &[[f64; 4]] {
        &self.rows
    }

    /// Number of sites the motif was built from (MEME's `nsites=`).
    pub fn nsites(&self) -> f64 {
        self.nsites
    }

    /// The E-value of the motif's discovery (MEME's `E=`), 0 when unknown.
    pub fn e_value(&self) -> f64 {
        self.e_value
    }

    /// The probabilities scaled back to counts over [`Motif::nsites`] sites.
    pub fn counts(&self) -> Vec<[f64; 4]> {
        self.rows
            .iter()
            .map(|r| r.map(|p| p * self.nsites))
            .collect()
    }

    /// Information content of each position in bits, relative to `background`:
    /// Σ p log2(p / b), with 0 log 0 = 0.
    ///
    /// ```
    /// use tfbind_motifs::{Background, Motif};
    /// let m = Motif::from_probabilities("M", vec![[1.0, 0.0, 0.0, 0.0], [0.25; 4]]).unwrap();
    /// assert_eq!(m.information_content(&Background::UNIFORM), vec![2.0, 0.0]);
    /// ```
    pub fn information_content(&self, background: &Background) -> Vec<f64> {
        let bg = background.frequencies();
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(bg)
                    .filter(|(&p, _)| p > 0.0)
                    .map(|(&p, b)| p * (p / b).log2())
                    .sum()
            })
            .collect()
    }

    /// Total information content in bits (the sum over positions).
    pub fn total_information_content(&self, background: &Background) -> f64 {
        self.information_content(background).iter().sum()
    }

    /// The position weight matrix: log2 odds of each letter against `background`, after mixing
    /// `pseudocount` background-distributed sites into the [`Motif::nsites`] observed ones, as
    /// MEME-suite tools do, so that a letter never seen does not score minus infinity.
    ///
    /// ```
    /// use tfbind_motifs::{Background, Motif};
    /// let m = Motif::from_probabilities("M", vec![[1.0, 0.0, 0.0, 0.0]]).unwrap().with_nsites(3.0);
    /// let pwm = m.log_odds(&Background::UNIFORM, 1.0);
    /// // (3·1 + 1·0.25) / 4 = 0.8125 against 0.25.
    /// assert!((pwm[0][0] - (0.8125f64 / 0.25).log2()).abs() < 1e-12);
    /// assert!(pwm[0][1].is_finite());
    /// ```
    pub fn log_odds(&self, background: &Background, pseudocount: f64) -> Vec<[f64; 4]> {
        let bg = background.frequencies();
        let n = self.nsites;
        self.rows
            .iter()
            .map(|row| {
                let mut out = [0.0; 4];
                for k in 0..4 {
                    let p = (row[k] * n + pseudocount * bg[k]) / (n + pseudocount);
                    out[k] = (p / bg[k]).log2();
                }
                out
            })
            .collect()
    }

    /// The motif of the opposite strand: positions reversed, A↔T and C↔G swapped.
    ///
    /// ```
    /// use tfbind_motifs::Motif;
    /// let m = Motif::from_probabilities("M", vec![[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]]).unwrap();
    /// assert_eq!(m.consensus(), "AC");
    /// assert_eq!(m.reverse_complement().consensus(), "GT");
    /// ```
    pub fn reverse_complement(&self) -> Motif {
        Motif {
            rows: self
                .rows
                .iter()
                .rev()
                .map(|r| [r[3], r[2], r[1], r[0]])
                .collect(),
            ..self.clone()
        }
    }

    /// The most probable letter at each position; a tie goes to the earlier letter in A C G T,
    /// as memelite's `characters` does.
    pub fn consensus(&self) -> String {
        self.rows
            .iter()
            .map(|row| {
                let mut best = 0;
                for k in 1..4 {
                    if row[k] > row[best] {
                        best = k;
                    }
                }
                ALPHABET[best]
            })
            .collect()
    }
}

fn check_row(id: &str, index: usize, row: &[f64; 4]) -> Result<()> {
    if row.iter().any(|&v| !v.is_finite() || v < 0.0) {
        return Err(Error::BadRow {
            id: id.to_string(),
            row: index + 1,
            message: format!("values must be finite and non-negative, got {row:?}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trip_through_probabilities() {
        let m = Motif::from_counts("M", &[[1.0, 2.0, 3.0, 4.0], [10.0, 0.0, 0.0, 0.0]]).unwrap();
        assert_eq!(m.nsites(), 10.0);
        let c = m.counts();
        for (got, want) in c[0].iter().zip([1.0, 2.0, 3.0, 4.0]) {
            assert!((got - want).abs() < 1e-12);
        }
    }

    #[test]
    fn rejects_negative_and_empty_rows() {
        assert!(matches!(
            Motif::from_counts("M", &[[1.0, -1.0, 0.0, 0.0]]),
            Err(Error::BadRow { row: 1, .. })
        ));
        assert!(matches!(
            Motif::from_counts("M", &[[1.0, 0.0, 0.0, 0.0], [0.0; 4]]),
            Err(Error::BadRow { row: 2, .. })
        ));
        assert!(matches!(
            Motif::from_probabilities("M", vec![]),
            Err(Error::EmptyMotif { .. })
        ));
    }

    #[test]
    fn information_content_depends_on_background() {
        let m = Motif::from_probabilities("M", vec![[0.5, 0.0, 0.5, 0.0]]).unwrap();
        assert!((m.total_information_content(&Background::UNIFORM) - 1.0).abs() < 1e-12);
        let bg = Background::new([0.5, 0.1, 0.3, 0.1]).unwrap();
        let want = 0.5 * (0.5f64 / 0.5).log2() + 0.5 * (0.5f64 / 0.3).log2();
        assert!((m.information_content(&bg)[0] - want).abs() < 1e-12);
    }

    #[test]
    fn reverse_complement_is_an_involution() {
        let m = Motif::from_probabilities(
            "M",
            vec![
                [0.1, 0.2, 0.3, 0.4],
                [0.7, 0.1, 0.1, 0.1],
                [0.0, 0.0, 1.0, 0.0],
            ],
        )
        .unwrap();
        let rc = m.reverse_complement();
        assert_eq!(rc.probabilities()[0], [0.0, 1.0, 0.0, 0.0]);
        assert_eq!(rc.probabilities()[2], [0.4, 0.3, 0.2, 0.1]);
        assert_eq!(rc.reverse_complement(), m);
    }
}
