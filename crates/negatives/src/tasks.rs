//! Which label columns of a `regions` artifact a dataset uses.

use std::path::Path;

use tfbind_dataset::{LabelMatrix, UNKNOWN};

use crate::error::{Error, Result};
use crate::params::TaskChoice;

/// The column of TF `name`; an unknown name is an error listing similarly named TFs.
pub fn column(labels: &LabelMatrix, name: &str, path: &Path) -> Result<usize> {
    labels.column_index(name).ok_or_else(|| Error::UnknownTf {
        path: path.to_path_buf(),
        name: name.to_string(),
        close: close_names(name, labels.names()),
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

/// The `n` columns with the fewest unknown labels, fewest first, ties by name (the paper's
/// 50-TF multi-task model uses the TFs with the most complete labels).
pub fn fewest_na(labels: &LabelMatrix, n: usize, path: &Path) -> Result<Vec<usize>> {
    if n > labels.n_cols() {
        return Err(Error::TooFewTfs {
            path: path.to_path_buf(),
            requested: n,
            available: labels.n_cols(),
        });
    }
    let mut unknown = vec![0usize; labels.n_cols()];
    for row in labels.values().chunks_exact(labels.n_cols()) {
        for (count, &v) in unknown.iter_mut().zip(row) {
            *count += usize::from(v == UNKNOWN);
        }
    }
    let mut cols: Vec<usize> = (0..labels.n_cols()).collect();
    cols.sort_by(|&a, &b| (unknown[a], &labels.names()[a]).cmp(&(unknown[b], &labels.names()[b])));
    cols.truncate(n);
    Ok(cols)
}

/// Up to five names that look like a mistyped `name`: the same ignoring case, one containing
/// the other, or within a small edit distance; closest first.
fn close_names(name: &str, names: &[String]) -> Vec<String> {
    let wanted = name.to_ascii_uppercase();
    let limit = (wanted.len() / 3).max(2);
    let mut close: Vec<(usize, &String)> = names
        .iter()
        .filter_map(|candidate| {
            let upper = candidate.to_ascii_uppercase();
            let d = if upper.contains(&wanted) || wanted.contains(&upper) {
                upper.len().abs_diff(wanted.len()).min(1)
            } else {
                levenshtein(&wanted, &upper)
            };
            (d <= limit).then_some((d, candidate))
        })
        .collect();
    close.sort();
    close.into_iter().take(5).map(|(_, n)| n.clone()).collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
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
    fn fewest_na_breaks_ties_by_name() {
        let l = labels();
        assert_eq!(fewest_na(&l, 3, Path::new("r")).unwrap(), [1, 0, 2]);
        assert!(matches!(
            fewest_na(&l, 5, Path::new("r")),
            Err(Error::TooFewTfs { available: 4, .. })
        ));
    }

    #[test]
    fn unknown_names_suggest_close_ones() {
        let l = labels();
        let err = column(&l, "nrf1", Path::new("regions")).unwrap_err();
        assert!(err.is_usage());
        let msg = err.to_string();
        assert!(msg.contains("did you mean NRF1?"), "{msg}");
        let Error::UnknownTf { close, .. } = column(&l, "KLF", Path::new("r")).unwrap_err() else {
            panic!("expected UnknownTf");
        };
        assert_eq!(close, ["KLF4"]);
        let msg = column(&l, "FOXA1", Path::new("r")).unwrap_err().to_string();
        assert!(msg.contains("no TF with a similar name"), "{msg}");
    }

    #[test]
    fn named_columns_keep_order_and_refuse_duplicates() {
        let l = labels();
        let names = ["SP1".to_string(), "NRF1".to_string()];
        let cols = columns(&l, &TaskChoice::Named(&names), Path::new("r")).unwrap();
        assert_eq!(cols, [2, 0]);
        let twice = ["SP1".to_string(), "SP1".to_string()];
        let err = columns(&l, &TaskChoice::Named(&twice), Path::new("r")).unwrap_err();
        assert!(matches!(err, Error::DuplicateTf { .. }));
    }

    #[test]
    fn levenshtein_counts_edits() {
        assert_eq!(levenshtein("NRF1", "NRF1"), 0);
        assert_eq!(levenshtein("NFR1", "NRF1"), 2);
        assert_eq!(levenshtein("SP1", "SP2"), 1);
        assert_eq!(levenshtein("", "ABC"), 3);
    }
}
