use tfbind_dataset::{LabelMatrix, BOUND, UNBOUND};

/// How many windows one TF has of each label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LabelCounts {
    pub bound: usize,
    pub unbound: usize,
    pub unknown: usize,
}

/// The label counts of every column, in column order. One pass over the row-major matrix, as
/// a column walk would stride through all of it once per TF.
///
/// ```
/// use tfbind_dataset::LabelMatrix;
/// let m = LabelMatrix::from_values(vec!["A".into(), "B".into()], vec![1, -1, 0, -1, -1, 1]).unwrap();
/// let counts = tfbind_select::label_counts(&m);
/// assert_eq!((counts[0].bound, counts[0].unbound, counts[0].unknown), (1, 1, 1));
/// assert_eq!((counts[1].bound, counts[1].unknown), (1, 2));
/// ```
pub fn label_counts(labels: &LabelMatrix) -> Vec<LabelCounts> {
    let mut counts = vec![LabelCounts::default(); labels.n_cols()];
    for row in 0..labels.n_rows() {
        for (c, &v) in counts.iter_mut().zip(labels.row(row)) {
            match v {
                BOUND => c.bound += 1,
                UNBOUND => c.unbound += 1,
                _ => c.unknown += 1,
            }
        }
    }
    counts
}
