use tfbind_dataset::{LabelMatrix, BOUND, UNKNOWN};

/// How one TF's binding relates to the target's, over the windows where both are labelled.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Cobinding {
    /// Cosine similarity of the two 0/1 label vectors restricted to the shared windows;
    /// `None` when either TF is bound in none of them (a zero vector has no direction).
    pub cosine: Option<f64>,
    /// Windows bound by both.
    pub cobound: usize,
    /// Windows where both are labelled (1 or 0).
    pub shared: usize,
}

/// The co-binding of every TF (column) with the target column, in column order; the target's
/// own entry has cosine 1.
///
/// NA is ignored pairwise rather than read as 0: a TF that was never assayed in a cell type is
/// not evidence against its binding there, and counting it as unbound would make TFs assayed in
/// few cell types look unlike everything. On 0/1 vectors the cosine is
/// `cobound / sqrt(target bound × TF bound)`, counted over the shared windows.
///
/// ```
/// use tfbind_dataset::LabelMatrix;
/// // Rows: windows; columns: T, A. The NA row is left out of the pair.
/// let m = LabelMatrix::from_values(
///     vec!["T".into(), "A".into()],
///     vec![1, 1,  1, 0,  0, 1,  1, -1],
/// ).unwrap();
/// let c = tfbind_select::cobinding(&m, 0);
/// assert_eq!((c[1].cobound, c[1].shared), (1, 3));
/// assert!((c[1].cosine.unwrap() - 1.0 / 2.0).abs() < 1e-12);
/// assert_eq!(c[0].cosine, Some(1.0));
/// ```
pub fn cobinding(labels: &LabelMatrix, target: usize) -> Vec<Cobinding> {
    let n = labels.n_cols();
    let mut shared = vec![0usize; n];
    let mut cobound = vec![0usize; n];
    let mut target_bound = vec![0usize; n];
    let mut tf_bound = vec![0usize; n];
    for r in 0..labels.n_rows() {
        let row = labels.row(r);
        let t = row[target];
        if t == UNKNOWN {
            continue;
        }
        let t_bound = t == BOUND;
        for (c, &v) in row.iter().enumerate() {
            if v == UNKNOWN {
                continue;
            }
            shared[c] += 1;
            let v_bound = v == BOUND;
            target_bound[c] += usize::from(t_bound);
            tf_bound[c] += usize::from(v_bound);
            cobound[c] += usize::from(t_bound && v_bound);
        }
    }
    (0..n)
        .map(|c| Cobinding {
            cosine: (target_bound[c] > 0 && tf_bound[c] > 0)
                .then(|| cobound[c] as f64 / ((target_bound[c] * tf_bound[c]) as f64).sqrt()),
            cobound: cobound[c],
            shared: shared[c],
        })
        .collect()
}
