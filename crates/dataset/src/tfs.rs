//! What stages ask of a label matrix's TFs: the column of a name (with the names like it when
//! there is none), each TF's label counts, and the TFs with the fewest NA.

use crate::labels::{LabelMatrix, BOUND, UNBOUND};

/// A TF name that is no column of the label matrix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown TF {name:?}: not one of its {total} TFs{}", suggest(.close))]
pub struct UnknownTf {
    pub name: String,
    /// The names most like it, closest first ([`tfbind_names::close_names`]).
    pub close: Vec<String>,
    /// How many TFs the matrix has.
    pub total: usize,
}

fn suggest(close: &[String]) -> String {
    if close.is_empty() {
        " and none has a similar name".to_string()
    } else {
        tfbind_names::suggestion(close)
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
            close: tfbind_names::close_names(name, self.names()),
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
