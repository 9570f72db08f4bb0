//! What stages ask of a label matrix's TFs: the column of a name (with the names like it when
//! there is none), each TF's label counts, and the TFs with the fewest NA.

use crate::labels::{LabelMatrix, BOUND, UNBOUND};

/// How many close names an unknown-name error lists.
const MAX_SUGGESTIONS: usize = 5;

/// A TF name that is no column of the label matrix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown TF {name:?}: not one of its {total} TFs{}", suggest(.close))]
pub struct UnknownTf {
    pub name: String,
    /// The names most like it, closest first ([`close_names`]).
    pub close: Vec<String>,
    /// How many TFs the matrix has.
    pub total: usize,
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        " and none has a similar name".to_string()
    } else {
        format!("; did you mean {}?", close.join(", "))
    }
}

/// How many windows one TF has of each label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabelCounts {
    pub bound: usize,
    pub unbound: usize,
    pub unknown: usize,
}

impl LabelMatrix {
    /// The column of TF `name` (exact); an unknown name is an error listing the names like it.
    ///
    /// ```
    /// use tfbind_dataset::LabelMatrix;
    /// let m = LabelMatrix::from_values(vec!["JUND".into(), "MAX".into()], vec![1, 0]).unwrap();
    /// assert_eq!(m.tf_column("MAX"), Ok(1));
    /// let e = m.tf_column("jund").unwrap_err();
    /// assert_eq!(e.to_string(), "unknown TF \"jund\": not one of its 2 TFs; did you mean JUND?");
    /// ```
    pub fn tf_column(&self, name: &str) -> Result<usize, UnknownTf> {
        self.column_index(name).ok_or_else(|| UnknownTf {
            name: name.to_string(),
            close: close_names(name, self.names()),
            total: self.n_cols(),
        })
    }

    /// The label counts of every column, in column order. One pass over the row-major matrix, as
    /// a column walk would stride through all of it once per TF.
    ///
    /// ```
    /// use tfbind_dataset::LabelMatrix;
    /// let m = LabelMatrix::from_values(vec!["A".into(), "B".into()], vec![1, -1, 0, -1, -1, 1]).unwrap();
    /// let counts = m.label_counts();
    /// assert_eq!((counts[0].bound, counts[0].unbound, counts[0].unknown), (1, 1, 1));
    /// assert_eq!((counts[1].bound, counts[1].unknown), (1, 2));
    /// ```
    pub fn label_counts(&self) -> Vec<LabelCounts> {
        let mut counts = vec![LabelCounts::default(); self.n_cols()];
        for row in self.values().chunks_exact(self.n_cols().max(1)) {
            for (c, &v) in counts.iter_mut().zip(row) {
                match v {
                    BOUND => c.bound += 1,
                    UNBOUND => c.unbound += 1,
                    _ => c.unknown += 1,
                }
            }
        }
        counts
    }

    /// Orders `cols` fewest NA first, ties by TF name: the order in which the paper's multi-task
    /// model takes its TFs (the 50 with the most complete labels). `counts` are
    /// [`LabelMatrix::label_counts`].
    ///
    /// ```
    /// use tfbind_dataset::LabelMatrix;
    /// // NA per column: B 1, A 1, C 0.
    /// let m = LabelMatrix::from_values(vec!["B".into(), "A".into(), "C".into()], vec![-1, 1, 0, 0, -1, 1]).unwrap();
    /// let mut cols = vec![0, 1, 2];
    /// m.sort_fewest_na(&mut cols, &m.label_counts());
    /// assert_eq!(cols, [2, 1, 0]);
    /// ```
    pub fn sort_fewest_na(&self, cols: &mut [usize], counts: &[LabelCounts]) {
        let names = self.names();
        cols.sort_by(|&a, &b| (counts[a].unknown, &names[a]).cmp(&(counts[b].unknown, &names[b])));
    }
}

/// The names most like `query`, closest first: those within a few edits of it (ignoring case),
/// and those that contain it or are contained in it (`FOSL` → FOSL1, FOSL2), at most five.
///
/// ```
/// let names: Vec<String> = ["JUN", "JUNB", "JUND", "MAX", "FOSL1", "FOSL2"].map(String::from).into();
/// assert_eq!(tfbind_dataset::close_names("jnud", &names), ["JUND"]);
/// assert_eq!(tfbind_dataset::close_names("JUNX", &names), ["JUN", "JUNB", "JUND"]);
/// assert_eq!(tfbind_dataset::close_names("FOSL", &names), ["FOSL1", "FOSL2"]);
/// assert!(tfbind_dataset::close_names("CTCF", &names).is_empty());
/// ```
pub fn close_names(query: &str, names: &[String]) -> Vec<String> {
    let q = query.to_uppercase();
    // A third of the name's length in edits: one typo in a short name, a few in a long one,
    // without offering every three-letter name for a three-letter query.
    let budget = (q.chars().count() / 3).max(1);
    let mut scored: Vec<(usize, &String)> = names
        .iter()
        .filter_map(|name| {
            let n = name.to_uppercase();
            let d = edit_distance(&q, &n);
            (d <= budget || n.contains(&q) || q.contains(&n)).then_some((d, name))
        })
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(MAX_SUGGESTIONS)
        .map(|(_, n)| n.clone())
        .collect()
}

/// Levenshtein distance with adjacent transpositions counted as one edit (optimal string
/// alignment), since swapped letters are the commonest typo in gene symbols.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> LabelMatrix {
        // Unknowns per column: NRF1 1, MAX 0, SP1 1, KLF4 2.
        LabelMatrix::from_values(
            ["NRF1", "MAX", "SP1", "KLF4"].map(String::from).to_vec(),
            vec![1, 0, -1, -1, -1, 1, 0, -1, 0, 0, 1, 0],
        )
        .unwrap()
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("JUND", "JUND"), 0);
        assert_eq!(edit_distance("JUND", "JUNB"), 1);
        assert_eq!(edit_distance("JNUD", "JUND"), 1);
        assert_eq!(edit_distance("", "MAX"), 3);
        assert_eq!(edit_distance("KITTEN", "SITTING"), 3);
    }

    #[test]
    fn unknown_names_suggest_close_ones() {
        let l = labels();
        let e = l.tf_column("nrf1").unwrap_err();
        assert!(e.to_string().ends_with("did you mean NRF1?"), "{e}");
        assert_eq!(l.tf_column("KLF").unwrap_err().close, ["KLF4"]);
        let e = l.tf_column("FOXA1").unwrap_err();
        assert!(e.close.is_empty() && e.to_string().contains("none has a similar name"));
        assert_eq!(e.total, 4);
    }

    #[test]
    fn fewest_na_breaks_ties_by_name() {
        let l = labels();
        let counts = l.label_counts();
        assert_eq!(
            counts.iter().map(|c| c.unknown).collect::<Vec<_>>(),
            [1, 0, 1, 2]
        );
        let mut cols: Vec<usize> = (0..4).collect();
        l.sort_fewest_na(&mut cols, &counts);
        assert_eq!(cols, [1, 0, 2, 3]);
    }
}
