//! Filter motifs compared with a motif database (JASPAR by default) by Tomtom.

use tfbind_motifs::{tomtom, Match, Motif, Options, Threshold};

use crate::error::Result;
use crate::filters::FilterMotif;
use crate::params::InterpretParams;

/// Every filter with sites compared with every database motif.
pub struct FilterMatches {
    /// The motifs of the filters with sites: Tomtom's queries.
    pub queries: Vec<Motif>,
    /// For each filter, its query index (`None` for a filter without sites).
    query_of: Vec<Option<usize>>,
    /// Per query, its matches with all targets, lowest p-value first.
    per_query: Vec<Vec<Match>>,
}

impl FilterMatches {
    /// Runs Tomtom on the filters' motifs against `database`. Every pair is kept, significant or
    /// not, so that each filter has a best match and the comparison can look up any target.
    pub fn compute(
        motifs: &[FilterMotif],
        database: &[Motif],
        params: &InterpretParams,
    ) -> Result<Self> {
        let mut queries = Vec::new();
        let query_of = motifs
            .iter()
            .map(|m| {
                m.motif().map(|motif| {
                    queries.push(motif);
                    queries.len() - 1
                })
            })
            .collect();
        let options = Options {
            distance: params.distance,
            min_overlap: params.min_overlap,
            threshold: Threshold::All,
            ..Options::default()
        };
        let mut per_query = vec![Vec::new(); queries.len()];
        for m in tomtom(&queries, database, &options)? {
            per_query[m.query].push(m);
        }
        Ok(Self {
            queries,
            query_of,
            per_query,
        })
    }

    /// The filter's matches, lowest p-value first; empty for a filter without sites.
    pub fn of_filter(&self, filter: usize) -> &[Match] {
        self.query_of[filter].map_or(&[], |q| &self.per_query[q])
    }

    /// The filter's best match.
    pub fn best(&self, filter: usize) -> Option<&Match> {
        self.of_filter(filter).first()
    }

    /// The filter's best match among the database motifs `targets`.
    pub fn best_among(&self, filter: usize, targets: &[usize]) -> Option<&Match> {
        self.of_filter(filter)
            .iter()
            .find(|m| targets.contains(&m.target))
    }

    /// The `n` best matches of every filter, grouped by filter, for Tomtom's TSV.
    pub fn top(&self, n: usize) -> Vec<Match> {
        self.per_query
            .iter()
            .flat_map(|ms| ms.iter().take(n).cloned())
            .collect()
    }
}

/// `MA0139.2 CTCF`: a motif's identifier and second name.
pub fn motif_label(m: &Motif) -> String {
    match m.alt() {
        Some(alt) => format!("{} {alt}", m.id()),
        None => m.id().to_string(),
    }
}

/// The database motifs of a TF: those whose second name (`MOTIF MA0139.2 CTCF`) is the TF's
/// name, or a dimer naming it (`GATA1::TAL1`), ignoring case.
pub fn motifs_of_tf(database: &[Motif], tf: &str) -> Vec<usize> {
    database
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            m.alt()
                .is_some_and(|alt| alt.split("::").any(|name| name.eq_ignore_ascii_case(tf)))
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn motif(id: &str, alt: &str, consensus: &str) -> Motif {
        let rows = consensus
            .chars()
            .map(|c| {
                let mut r = [0.05; 4];
                r["ACGT".find(c).unwrap()] = 0.85;
                r
            })
            .collect();
        Motif::from_probabilities(id, rows).unwrap().with_alt(alt)
    }

    fn filter(i: usize, consensus: &str) -> FilterMotif {
        FilterMotif {
            filter: i,
            max_activation: 1.0,
            sites: usize::from(!consensus.is_empty()) * 20,
            counts: if consensus.is_empty() {
                vec![[0.0; 4]; 6]
            } else {
                motif("f", "", consensus).counts()
            },
        }
    }

    #[test]
    fn every_filter_with_sites_gets_its_best_match() {
        let db = vec![
            motif("M1", "Gata1", "AGATAAG"),
            motif("M2", "CTCF", "CCGCGAGGGGGCG"),
            motif("M3", "GATA1::TAL1", "CTGATAAGA"),
            motif("M4", "Foo", "TTTTAAAA"),
        ];
        let filters = [filter(0, "GATAAG"), filter(1, ""), filter(2, "CGAGGGGG")];
        let m = FilterMatches::compute(&filters, &db, &InterpretParams::default()).unwrap();
        assert_eq!(m.queries.len(), 2);
        assert_eq!(m.of_filter(0).len(), 4);
        assert!(m.of_filter(1).is_empty() && m.best(1).is_none());
        assert_eq!(m.best(2).unwrap().target, 1);
        assert!(m
            .of_filter(0)
            .windows(2)
            .all(|w| w[0].p_value <= w[1].p_value));
        assert_eq!(m.best_among(2, &[0, 2]).unwrap().query, 1);
        assert!(matches!(m.best_among(2, &[0, 2]).unwrap().target, 0 | 2));
        assert_eq!(m.top(1).len(), 2);

        assert_eq!(motifs_of_tf(&db, "GATA1"), [0, 2]);
        assert_eq!(motifs_of_tf(&db, "tal1"), [2]);
        assert!(motifs_of_tf(&db, "GATA").is_empty());
    }
}
