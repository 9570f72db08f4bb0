//! Suggestions for a name that is not one of the valid ones (a TF, a config key, a condition):
//! the valid names most like it, and the "; did you mean …?" every error message ends with.

/// How many close names a suggestion lists.
const MAX_SUGGESTIONS: usize = 5;

/// `"; did you mean A, B?"` with the names most like `name` ([`close_names`]), or `""` when none
/// is: the tail of an "unknown …" message.
///
/// ```
/// let keys: Vec<String> = ["epochs", "patience"].map(String::from).into();
/// assert_eq!(tfbind_names::did_you_mean("epoch", &keys), "; did you mean epochs?");
/// assert_eq!(tfbind_names::did_you_mean("seed", &keys), "");
/// ```
pub fn did_you_mean(name: &str, valid: &[String]) -> String {
    suggestion(&close_names(name, valid))
}

/// `"; did you mean A, B?"` for names already found close, or `""` for none.
pub fn suggestion(close: &[String]) -> String {
    if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(", "))
    }
}

/// The names most like `query`, closest first: those within a few edits of it (ignoring case),
/// and those that contain it or are contained in it (`FOSL` → FOSL1, FOSL2), at most five.
///
/// ```
/// let names: Vec<String> = ["JUN", "JUNB", "JUND", "MAX", "FOSL1", "FOSL2"].map(String::from).into();
/// assert_eq!(tfbind_names::close_names("jnud", &names), ["JUND"]);
/// assert_eq!(tfbind_names::close_names("JUNX", &names), ["JUN", "JUNB", "JUND"]);
/// assert_eq!(tfbind_names::close_names("FOSL", &names), ["FOSL1", "FOSL2"]);
/// assert!(tfbind_names::close_names("CTCF", &names).is_empty());
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

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("JUND", "JUND"), 0);
        assert_eq!(edit_distance("JUND", "JUNB"), 1);
        assert_eq!(edit_distance("JNUD", "JUND"), 1);
        assert_eq!(edit_distance("", "MAX"), 3);
        assert_eq!(edit_distance("KITTEN", "SITTING"), 3);
    }
}
