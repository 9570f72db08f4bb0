//! The report's seqlet section: the database motifs that explain the most seqlet attribution,
//! with their logos, how many seqlets each explains and where those sit in the windows.

use std::fmt::Write as _;

use tfbind_motifs::Distance;

use super::html::{escape, number, Table};
use super::svg::{bars, logo};
use super::Report;
use crate::matches::motif_label;

/// Motifs shown; every one is in seqlet_motifs.tsv.
const TOP: usize = 10;

impl Report<'_> {
    pub(super) fn seqlet_section(&self, out: &mut String) {
        let Some(s) = self.seqlets else {
            return;
        };
        let p = self.params;
        let explained = (0..s.seqlets.len()).filter(|&i| s.explained(i)).count();
        let windows = s
            .seqlets
            .iter()
            .map(|q| q.example)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let _ = write!(
            out,
            "<h2 id=\"seqlets\">Seqlet motifs</h2><p class=\"note\">{} seqlets (spans of high {} \
             attribution, called as tangermeme's recursive_seqlets at p &lt; {}, {}–{} bp) in {} of \
             the {} attributed windows; {} of them match a database motif at q ≤ {} (Tomtom of the \
             seqlet's sequence, {} score). The motifs below carry the most seqlet attribution; \
             offsets are seqlet centre − window centre in bp (median, and the middle half). Every \
             seqlet is in seqlets.tsv, every motif in seqlet_motifs.tsv.</p>",
            s.seqlets.len(),
            escape(&p.seqlet_method().map_or(String::new(), |m| m.to_string())),
            p.seqlet_threshold,
            p.min_seqlet_len,
            p.max_seqlet_len,
            windows,
            self.attributions.map_or(0, |(a, _)| a.rows.len()),
            explained,
            p.max_q_value,
            match p.seqlet_distance {
                Distance::Pearson => "Pearson",
                Distance::Euclidean => "Euclidean",
            },
        );
        if s.motifs.is_empty() {
            return;
        }
        let total = s.total_attribution();
        let shares: Vec<(String, f64)> = s
            .motifs
            .iter()
            .take(TOP)
            .map(|m| {
                let motif = &self.database[m.target];
                (
                    motif.alt().unwrap_or(motif.id()).to_string(),
                    m.attribution / total,
                )
            })
            .collect();
        let _ = write!(
            out,
            "<div class=\"charts\">{}</div>",
            bars(&shares, "Share of all seqlet attribution")
        );
        let mut table = Table::new(
            "seqlet-motifs",
            &[
                "motif",
                "logo",
                "seqlets",
                "attribution share",
                "mean attribution",
                "median offset",
                "offset middle half",
            ],
        );
        for m in s.motifs.iter().take(TOP) {
            let motif = &self.database[m.target];
            let label = motif_label(motif);
            table.row(vec![
                escape(&label),
                logo(motif.probabilities(), &label),
                m.seqlets.len().to_string(),
                number(m.attribution / total),
                number(m.attribution / m.seqlets.len() as f64),
                number(m.median_offset()),
                format!(
                    "{} to {}",
                    number(m.offset_quantile(0.25)),
                    number(m.offset_quantile(0.75))
                ),
            ]);
        }
        out.push_str(&table.render());
    }
}
