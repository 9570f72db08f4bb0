//! tfbind-interpret: what a trained model learned, from a `model` and a `dataset` artifact.
//!
//! - **Filter motifs** ([`filters`]): for every first-layer filter, the subsequences of chosen
//!   windows (by default the correctly predicted bound windows of the test split) where its
//!   activation exceeds half its maximum, counted into a PFM, as Novakovsky et al. 2021 do.
//! - **Influence** ([`influence`]): the change in each task's prediction when a filter's output
//!   is zeroed.
//! - **Database matches** ([`matches`](mod@matches)): each filter motif against JASPAR (or any MEME file)
//!   with [`tfbind_motifs::tomtom`].
//! - **Comparison** ([`compare`]): given the model a fine-tuned model started from, which filters
//!   moved toward the target TF's motifs.
//! - **Attributions** ([`attribution`]): ISM, gradient × input, integrated gradients and
//!   DeepLIFT/SHAP for chosen windows, in tfmodisco-lite's layout.
//! - **Seqlets** ([`seqlets`]): spans of high attribution, called as tangermeme's
//!   `recursive_seqlets` calls them, each annotated with its best database motif by Tomtom, and
//!   summarised per motif.
//! - **Report** ([`report`]): one self-contained HTML page.
//!
//! # The `motifs` artifact (kind `motifs`, schema 2)
//!
//! Schema 2 added `seqlets.tsv` and `seqlet_motifs.tsv`.
//!
//! | file | content |
//! |---|---|
//! | `manifest.toml` | inputs: the model, the dataset, the motif database, then the `--compare-to` model and the `--windows` BED when given; parameters: [`InterpretParams`] |
//! | `filters.meme` | MEME minimal format (version 4, both strands, uniform background): one `MOTIF filter<i>` per filter with sites, its letter probabilities and `nsites=` its number of sites |
//! | `filters.tsv` | one row per filter: `filter id sites information_bits max_activation consensus informative best_match best_match_name p_value e_value q_value` (`NA` without sites) |
//! | `tomtom.tsv` | the best `top_matches` database matches of every filter, in the columns of MEME Tomtom's `tomtom.tsv` (`Query_ID Target_ID Optimal_offset p-value E-value q-value Overlap Query_consensus Target_consensus Orientation`) |
//! | `influence.tsv` | `task filter rank influence windows`: per task, filters by decreasing absolute influence; influence = mean over `windows` of p(window) − p(window, filter zeroed) |
//! | `comparison.tsv` | with `--compare-to` only: `filter moved_toward log10_p_gain target_before p_before q_before target_after p_after q_after information_before information_after sites_before sites_after weight_change`, most moved first |
//! | `attributions/ohe.npz` | `arr_0` float32 `[N, 4, L]`: the one-hot windows (A C G T; N = 0.25 each) |
//! | `attributions/<method>.npz` | `arr_0` float32 `[N, 4, L]`: hypothetical contributions for `ism`, `gradient_x_input`, `integrated_gradients`, `deeplift_shap` (see [`attribution`]); `modisco motifs -s ohe.npz -a ism.npz -n 2000 -w L` reads them |
//! | `attributions/deeplift_shap_contributions.npz` | with DeepLIFT/SHAP only: `arr_0` float32 `[N, 4, L]`, its contributions of the windows' own letters (hypothetical × one-hot; what tangermeme's `deep_lift_shap` returns by default) |
//! | `attributions/windows.tsv` | the attributed windows in array order: `chrom start end name split label probability`, and with DeepLIFT/SHAP `deeplift_delta` (the sum of the window's contributions − (its logit − the mean logit of its references)) |
//! | `seqlets.tsv` | with attributions: one row per seqlet of the `seqlets_from` method's attributions, lowest p-value first: `example` (row of the arrays and of `windows.tsv`), `chrom chrom_start chrom_end` (BED), `start end` (in the window, 0-based, half-open, flanks included), `attribution` (sum over the seqlet), `p_value` (the seqlet caller's; ranks, not an error rate), `offset` (seqlet centre − window centre, bp), `sequence`, its best database match `motif motif_name motif_p_value motif_q_value orientation` (Tomtom of the seqlet's one-hot sequence; q over the database) and `explained` (`yes` when `motif_q_value` ≤ `max_q_value`) |
//! | `seqlet_motifs.tsv` | with attributions: one row per motif explaining at least one seqlet, most attribution first: `motif motif_name seqlets attribution attribution_share` (of all seqlets' attribution) `mean_attribution median_p_value median_offset offset_q1 offset_q3` (offsets as in `seqlets.tsv`) |
//! | `report.html` | the report |
//! | `summary.json` | [`Summary`]: the headline numbers |

pub mod attribution;
pub mod compare;
mod error;
pub mod filters;
pub mod first_layer;
pub mod influence;
pub mod matches;
pub mod params;
pub mod report;
pub mod selection;
pub mod seqlets;
mod stage;

pub use error::{InterpretError, Result};
pub use params::{InterpretParams, Method, SplitChoice, WindowSet};
pub use stage::{
    ComparisonSummary, InterpretStage, SeqletMotif, SeqletSummary, Summary, TopFilter,
    ATTRIBUTIONS_DIR, COMPARISON_TSV, FILTERS_MEME, FILTERS_TSV, INFLUENCE_TSV, KIND, REPORT_HTML,
    SEQLETS_TSV, SEQLET_MOTIFS_TSV, TOMTOM_TSV, WINDOWS_TSV,
};

/// Runs `draw` right after seeding libtorch's one global generator, no other test drawing in
/// between: tests run in parallel, and weights drawn while another test draws would vary.
#[cfg(test)]
pub(crate) fn seeded<T>(seed: i64, draw: impl FnOnce() -> T) -> T {
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _seeded = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
    tch::manual_seed(seed);
    draw()
}
