//! Writing the `motifs` artifact's files.

use std::fmt::Write as _;

use tfbind_artifact::ArtifactBuilder;
use tfbind_motifs::{write_tsv, Match, MemeFile, Motif};

use super::analysis::Analysis;
use super::{
    Inputs, InterpretStage, ATTRIBUTIONS_DIR, COMPARISON_TSV, FILTERS_MEME, FILTERS_TSV,
    INFLUENCE_TSV, REPORT_HTML, SEQLETS_TSV, SEQLET_MOTIFS_TSV, TOMTOM_TSV, WINDOWS_TSV,
};
use crate::attribution::Attributions;
use crate::error::{InterpretError, Result};
use crate::filters::{filters_tsv, FilterMotif};
use crate::report::{ComparisonView, Report};

impl Analysis {
    /// Writes every file into the artifact being built.
    pub fn write(
        &self,
        stage: &InterpretStage,
        inputs: &Inputs,
        builder: &ArtifactBuilder,
    ) -> Result<()> {
        let params = &stage.params;
        let write = |name: &str, text: &str| {
            let path = builder.path(name);
            std::fs::write(&path, text).map_err(InterpretError::io(&path))
        };
        let with_sites: Vec<Motif> = self.motifs.iter().filter_map(FilterMotif::motif).collect();
        MemeFile::new(with_sites).write(builder.path(FILTERS_MEME))?;
        write(
            FILTERS_TSV,
            &filters_tsv(&self.motifs, &self.match_columns(stage)),
        )?;
        let mut tomtom = Vec::new();
        write_tsv(
            &mut tomtom,
            &self.matches.top(params.top_matches),
            &self.matches.queries,
            &self.database,
        )
        .map_err(InterpretError::io(builder.path(TOMTOM_TSV)))?;
        write(TOMTOM_TSV, &String::from_utf8_lossy(&tomtom))?;
        write(INFLUENCE_TSV, &self.influence.tsv())?;
        if let Some(c) = &self.comparison {
            write(COMPARISON_TSV, &c.comparison.tsv())?;
        }
        let probabilities = self.attributed_probabilities();
        if let Some(a) = &self.attributions {
            let dir = builder.path(ATTRIBUTIONS_DIR);
            std::fs::create_dir(&dir).map_err(InterpretError::io(&dir))?;
            a.write_npz(&dir)?;
            write(
                &format!("{ATTRIBUTIONS_DIR}/{WINDOWS_TSV}"),
                &self.windows_tsv(a, &probabilities),
            )?;
            if let Some(s) = &self.seqlets {
                write(SEQLETS_TSV, &s.seqlets_tsv(a, &self.data, &self.database))?;
                write(SEQLET_MOTIFS_TSV, &s.motifs_tsv(&self.database))?;
            }
        }
        let report = Report {
            model_dir: &stage.model,
            model: &inputs.model,
            dataset_dir: &stage.dataset,
            data: &self.data,
            task: self.task,
            test: &self.test,
            epochs: self.epochs.as_deref(),
            filters: &self.motifs,
            matches: &self.matches,
            database: &self.database,
            influence: &self.influence,
            window_set: self.window_set,
            filter_windows: self.windows.len(),
            comparison: self
                .comparison
                .as_ref()
                .zip(stage.compare_to.as_deref())
                .map(|(c, dir)| ComparisonView {
                    comparison: &c.comparison,
                    other_dir: dir,
                    before: &c.before,
                }),
            attributions: self
                .attributions
                .as_ref()
                .map(|a| (a, probabilities.as_slice())),
            seqlets: self.seqlets.as_ref(),
            params,
        };
        write(REPORT_HTML, &report.render())
    }

    /// `attributions/windows.tsv`: the attributed windows in array order, with DeepLIFT/SHAP's
    /// convergence delta when it ran.
    fn windows_tsv(&self, a: &Attributions, probabilities: &[f32]) -> String {
        let mut text = String::from("chrom\tstart\tend\tname\tsplit\tlabel\tprobability");
        let deltas = a.convergence.as_ref().map(|c| &c.deltas);
        if deltas.is_some() {
            text.push_str("\tdeeplift_delta");
        }
        text.push('\n');
        for (k, (&row, p)) in a.rows.iter().zip(probabilities).enumerate() {
            let w = &self.data.windows[row];
            let _ = write!(
                text,
                "{}\t{}\t{}\t{}\t{}\t{}\t{p}",
                w.chrom,
                w.start,
                w.end,
                w.name,
                self.data.split[row].name(),
                self.data.labels.get(row, self.task)
            );
            if let Some(d) = deltas {
                let _ = write!(text, "\t{:.3e}", d[k]);
            }
            text.push('\n');
        }
        text
    }

    /// The columns `filters.tsv` adds after the motif's own: whether the filter is informative,
    /// and its best database match.
    fn match_columns(&self, stage: &InterpretStage) -> Vec<(&'static str, Vec<String>)> {
        let params = &stage.params;
        let column = |get: &dyn Fn(&Match) -> String| {
            self.motifs
                .iter()
                .map(|f| self.matches.best(f.filter).map_or("NA".to_string(), get))
                .collect()
        };
        let informative = self
            .motifs
            .iter()
            .map(|f| {
                let yes = f.is_informative(params.min_information, params.min_sites);
                if yes { "yes" } else { "no" }.to_string()
            })
            .collect();
        vec![
            ("informative", informative),
            (
                "best_match",
                column(&|m| self.database[m.target].id().to_string()),
            ),
            (
                "best_match_name",
                column(&|m| self.database[m.target].alt().unwrap_or("NA").to_string()),
            ),
            ("p_value", column(&|m| format!("{:.3e}", m.p_value))),
            ("e_value", column(&|m| format!("{:.3e}", m.e_value))),
            ("q_value", column(&|m| format!("{:.3e}", m.q_value))),
        ]
    }
}
