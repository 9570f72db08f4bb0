//! Which label columns of a `regions` artifact a dataset uses.

use std::path::Path;

use tfbind_dataset::LabelMatrix;

use crate::error::{Error, Result};
use crate::params::TaskChoice;

/// The column of TF `name`; an unknown name is an error listing similarly named TFs.
pub fn column(labels: &LabelMatrix, name: &str, path: &Path) -> Result<usize> {
    labels.tf_column(name).map_err(|source| Error::UnknownTf {
        path: path.to_path_buf(),
        source,
    })
}

/// The columns of a multi-task dataset, in task order.
pub fn columns(labels: &LabelMatrix, choice: &TaskChoice<'_>, path: &Path) -> Result<Vec<usize>> {
    match choice {
        TaskChoice::Named(names) => {
            let mut cols = Vec::with_capacity(names.len());
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(Error::DuplicateTf { name: name.clone() });
                }
                cols.push(column(labels, name, path)?);
            }
            Ok(cols)
        }
        TaskChoice::FewestNa(n) => fewest_na(labels, *n, path),
    }
}

/// The `n` columns with the fewest unknown labels, fewest first, ties by name.
pub fn fewest_na(labels: &LabelMatrix, n: usize, path: &Path) -> Result<Vec<usize>> {
    if n > labels.n_cols() {
        return Err(Error::TooFewTfs {
            path: path.to_path_buf(),
            requested: n,
            available: labels.n_cols(),
        });
    }
    let mut cols: Vec<usize> = (0..labels.n_cols()).collect();
    labels.sort_fewest_na(&mut cols, &labels.label_counts());
    cols.truncate(n);
    Ok(cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> LabelMatrix {
        // Unknowns per column: SP1 2, NRF1 1, MAX 0.
        let names = ["SP1", "NRF1", "MAX"].map(String::from).to_vec();
        LabelMatrix::from_values(names, vec![-1, 1, 0, -1, -1, 1]).unwrap()
    }

    #[test]
    fn fewest_na_takes_the_first_n_by_na_then_name() {
        let l = labels();
        assert_eq!(fewest_na(&l, 2, Path::new("r")).unwrap(), [2, 1]);
        let err = fewest_na(&l, 4, Path::new("regions")).unwrap_err();
        assert!(matches!(err, Error::TooFewTfs { available: 3, .. }));
        assert!(!err.is_usage());
    }

    #[test]
    fn unknown_names_are_usage_errors_naming_the_artifact_and_close_names() {
        let l = labels();
        let err = column(&l, "nrf1", Path::new("regions")).unwrap_err();
        assert!(err.is_usage());
        let msg = err.to_string();
        assert!(msg.starts_with("regions: unknown TF \"nrf1\""), "{msg}");
        assert!(msg.contains("did you mean NRF1?"), "{msg}");
        let msg = column(&l, "FOXA1", Path::new("r")).unwrap_err().to_string();
        assert!(msg.contains("none has a similar name"), "{msg}");
    }

    #[test]
    fn named_columns_keep_order_and_refuse_duplicates() {
        let l = labels();
        let names = ["MAX".to_string(), "SP1".to_string()];
        let cols = columns(&l, &TaskChoice::Named(&names), Path::new("r")).unwrap();
        assert_eq!(cols, [2, 0]);
        let twice = ["SP1".to_string(), "SP1".to_string()];
        let err = columns(&l, &TaskChoice::Named(&twice), Path::new("r")).unwrap_err();
        assert!(matches!(err, Error::DuplicateTf { .. }));
    }
}
