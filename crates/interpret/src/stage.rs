//! The whole stage: a model artifact and a dataset artifact in, a `motifs` artifact out.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::Device;
use tfbind_artifact::{
    input_artifact, input_file, to_table, up_to_date, Artifact, ArtifactBuilder, Kind,
};
use tfbind_dataset::{Dataset, LabelMatrix, DATASET, UNKNOWN};
use tfbind_model::{artifact::EPOCHS_FILE, ModelArtifact};
use tfbind_motifs::{read_meme, write_tsv, MemeFile, Motif};

use crate::attribution::Attributions;
use crate::compare::{Comparison, Side};
use crate::error::{InterpretError, Result};
use crate::filters::{filter_motifs, filters_tsv, FilterMotif};
use crate::first_layer::FirstLayer;
use crate::influence::Influence;
use crate::matches::{motif_label, motifs_of_tf, FilterMatches};
use crate::params::{InterpretParams, Method, SplitChoice};
use crate::report::{read_epochs, ComparisonView, Curves, Report, TaskTest};
use crate::selection::{
    overlapping_rows, read_bed, split_rows, strongest_positives, FilterWindows, Predictions,
};

/// The `motifs` artifact (format in the crate documentation).
pub const KIND: Kind = Kind::new("motifs", 1);
pub const FILTERS_MEME: &str = "filters.meme";
pub const FILTERS_TSV: &str = "filters.tsv";
pub const TOMTOM_TSV: &str = "tomtom.tsv";
pub const INFLUENCE_TSV: &str = "influence.tsv";
pub const COMPARISON_TSV: &str = "comparison.tsv";
pub const ATTRIBUTIONS_DIR: &str = "attributions";
pub const WINDOWS_TSV: &str = "windows.tsv";
pub const REPORT_HTML: &str = "report.html";
pub const SUMMARY_JSON: &str = "summary.json";

/// What to interpret, and where to write the result.
pub struct Request<'a> {
    pub model: &'a Path,
    pub dataset: &'a Path,
    /// The motif database (MEME format) filters are compared with.
    pub database: &'a Path,
    /// Another model with the same first layer (the model this one was fine-tuned from).
    pub compare_to: Option<&'a Path>,
    /// Attribute the dataset windows overlapping these intervals instead of the strongest
    /// positives.
    pub windows_bed: Option<&'a Path>,
    pub out: &'a Path,
    pub params: &'a InterpretParams,
    pub device: Device,
    /// Rebuild even if the artifact is up to date.
    pub force: bool,
}

/// Progress of the long steps, for a progress bar.
pub trait Progress {
    /// A step begins (ending the one before), `len` units long.
    fn start(&self, step: &str, len: u64);
    fn advance(&self, n: u64);
    /// The last step is over.
    fn finish(&self);
}

/// The headline numbers, also written as `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub task: String,
    pub filters: usize,
    pub filters_with_sites: usize,
    pub informative_filters: usize,
    /// Informative filters whose best database match has q ≤ `max_q_value`.
    pub matched_filters: usize,
    pub filter_windows: usize,
    pub influence_windows: usize,
    /// The most influential filters on the task, most first.
    pub top_filters: Vec<TopFilter>,
    pub attributed_windows: usize,
    pub methods: Vec<Method>,
    pub comparison: Option<ComparisonSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopFilter {
    pub filter: usize,
    /// `None` when no window counts for the task.
    pub influence: Option<f64>,
    pub information_bits: f64,
    /// Best database match (`ID name`) when its q-value is at most `max_q_value`.
    pub best_match: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSummary {
    pub other: String,
    pub tf: String,
    pub targets: Vec<String>,
    pub matching_before: usize,
    pub matching_after: usize,
    pub moved_toward: usize,
}

/// What the stage did.
pub struct Outcome {
    pub out: PathBuf,
    /// The artifact was already up to date and was left as it was.
    pub up_to_date: bool,
    pub summary: Summary,
}

/// Runs the stage.
pub fn run(req: &Request, progress: &dyn Progress) -> Result<Outcome> {
    let params = req.params;
    params.validate().map_err(InterpretError::Parameters)?;
    let model_artifact = ModelArtifact::open(req.model)?;
    let dataset_artifact = Artifact::open(req.dataset, DATASET)?;
    let other_artifact = req.compare_to.map(ModelArtifact::open).transpose()?;
    let mut inputs = vec![
        input_artifact(model_artifact.artifact()),
        input_artifact(&dataset_artifact),
        input_file(req.database)?,
    ];
    if let Some(other) = &other_artifact {
        inputs.push(input_artifact(other.artifact()));
    }
    if let Some(bed) = req.windows_bed {
        inputs.push(input_file(bed)?);
    }
    let parameters = to_table(params)?;
    if !req.force {
        if let Some(existing) = up_to_date(req.out, KIND, &parameters, &inputs) {
            let path = existing.file(SUMMARY_JSON)?;
            let text = std::fs::read_to_string(&path).map_err(InterpretError::io(&path))?;
            let summary = serde_json::from_str(&text).map_err(|e| InterpretError::Parse {
                path: path.clone(),
                line: e.line(),
                message: e.to_string(),
            })?;
            return Ok(Outcome {
                out: req.out.to_path_buf(),
                up_to_date: true,
                summary,
            });
        }
    }

    let mut data = Dataset::read(&dataset_artifact)?;
    let spec = model_artifact.spec();
    if data.seq_len != spec.window_len {
        return Err(InterpretError::WindowLength {
            model: spec.window_len,
            dataset: data.seq_len,
        });
    }
    data.labels = labels_in_model_order(&data.labels, model_artifact.tasks())?;
    let tasks = model_artifact.tasks().to_vec();
    let task = match &params.task {
        None => 0,
        Some(name) => {
            tasks
                .iter()
                .position(|t| t == name)
                .ok_or_else(|| InterpretError::UnknownTask {
                    name: name.clone(),
                    known: tasks.join(", "),
                })?
        }
    };
    let mut model = model_artifact.load(req.device)?;
    // Gradients are needed for the input only; the weights stay fixed.
    model.freeze(&spec.architecture.block_names())?;
    let database = read_meme(req.database)?;
    tracing::info!(
        model = %req.model.display(),
        task = %tasks[task],
        windows = data.len(),
        database_motifs = database.len(),
        "interpreting"
    );

    let bed_rows = match req.windows_bed {
        None => None,
        Some(bed) => {
            let rows = overlapping_rows(&data, &read_bed(bed)?);
            if rows.is_empty() {
                return Err(InterpretError::NoWindows {
                    what: "attributions",
                    selection: format!("dataset windows overlapping {}", bed.display()),
                });
            }
            Some(rows)
        }
    };
    let mut predicted = split_rows(&data, params.split);
    predicted.extend(split_rows(&data, SplitChoice::Test));
    predicted.extend(bed_rows.iter().flatten());
    predicted.sort_unstable();
    predicted.dedup();
    let step = |name: &str, len: usize| progress.start(name, len as u64);
    let advance = |n: usize| progress.advance(n as u64);
    step("predict", predicted.len());
    let predictions = Predictions::compute(&model, &data, &predicted, params.batch_size, &advance)?;

    let windows = FilterWindows::select(&data, &predictions, params.split, params.windows);
    if windows.is_empty() {
        return Err(InterpretError::NoWindows {
            what: "filter motifs",
            selection: format!("{} windows of the {} split", params.windows, params.split),
        });
    }
    let layer = FirstLayer::of(&model)?;
    step("filters", 2 * windows.len());
    let motifs = filter_motifs(
        &layer,
        req.device,
        &data,
        &windows.rows,
        params.activation_threshold,
        params.batch_size,
        &advance,
    )?;
    let influence_windows = windows.subset(params.influence_windows, params.seed);
    step("influence", layer.n_filters());
    let influence = Influence::measure(
        &model,
        &layer,
        &data,
        &influence_windows,
        params.batch_size,
        &advance,
    )?;
    let matches = FilterMatches::compute(&motifs, &database, params)?;

    let comparison = match (&other_artifact, req.compare_to) {
        (Some(other), Some(dir)) => {
            let before =
                other_filters(other, &layer, req.device, &data, &windows, params, progress)?;
            let before_matches = FilterMatches::compute(&before.0, &database, params)?;
            let tf = &tasks[task];
            let targets = motifs_of_tf(&database, tf);
            if targets.is_empty() {
                return Err(InterpretError::NoTargetMotif { tf: tf.clone() });
            }
            let names: Vec<String> = database.iter().map(motif_label).collect();
            let after_weights = layer.weights()?;
            let comparison = Comparison::new(
                tf,
                &targets,
                &names,
                &Side {
                    motifs: &before.0,
                    matches: &before_matches,
                    weights: &before.1,
                },
                &Side {
                    motifs: &motifs,
                    matches: &matches,
                    weights: &after_weights,
                },
                params.max_q_value,
            );
            Some((comparison, before.0, dir))
        }
        _ => None,
    };

    let attribution_rows = bed_rows.unwrap_or_else(|| {
        strongest_positives(
            &data,
            &predictions,
            params.split,
            task,
            params.attribution_windows,
        )
    });
    let attributions = if params.methods.is_empty() || attribution_rows.is_empty() {
        tracing::warn!(
            "no windows attributed: no bound windows of {} in the {} split",
            tasks[task],
            params.split
        );
        None
    } else {
        step("attribute", attribution_rows.len());
        Some(Attributions::compute(
            &model,
            &data,
            &attribution_rows,
            task,
            params,
            &advance,
        )?)
    };

    progress.finish();
    let test = test_metrics(&data, &predictions, &tasks)?;
    let epochs = match model_artifact.artifact().has_file(EPOCHS_FILE) {
        true => Some(read_epochs(&model_artifact.artifact().file(EPOCHS_FILE)?)?),
        false => None,
    };

    let builder = ArtifactBuilder::new(req.out, KIND, parameters, inputs)?;
    let write = |name: &str, text: &str| {
        let path = builder.path(name);
        std::fs::write(&path, text).map_err(InterpretError::io(&path))
    };
    let with_sites: Vec<Motif> = motifs.iter().filter_map(FilterMotif::motif).collect();
    MemeFile::new(with_sites).write(builder.path(FILTERS_MEME))?;
    write(
        FILTERS_TSV,
        &filters_tsv(
            &motifs,
            &match_columns(&motifs, &matches, &database, params),
        ),
    )?;
    let mut tomtom_tsv = Vec::new();
    write_tsv(
        &mut tomtom_tsv,
        &matches.top(params.top_matches),
        &matches.queries,
        &database,
    )
    .map_err(InterpretError::io(builder.path(TOMTOM_TSV)))?;
    write(TOMTOM_TSV, &String::from_utf8_lossy(&tomtom_tsv))?;
    write(INFLUENCE_TSV, &influence.tsv())?;
    if let Some((c, _, _)) = &comparison {
        write(COMPARISON_TSV, &c.tsv())?;
    }
    let attributed_probabilities: Vec<f32> = attributions
        .as_ref()
        .map(|a| a.rows.iter().map(|&r| predictions.get(r, task)).collect())
        .unwrap_or_default();
    if let Some(a) = &attributions {
        let dir = builder.path(ATTRIBUTIONS_DIR);
        std::fs::create_dir(&dir).map_err(InterpretError::io(&dir))?;
        a.write_npz(&dir)?;
        let mut text = String::from("chrom\tstart\tend\tname\tsplit\tlabel\tprobability\n");
        for (&row, p) in a.rows.iter().zip(&attributed_probabilities) {
            let w = &data.windows[row];
            text += &format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{p}\n",
                w.chrom,
                w.start,
                w.end,
                w.name,
                data.split[row].name(),
                data.labels.get(row, task)
            );
        }
        write(&format!("{ATTRIBUTIONS_DIR}/{WINDOWS_TSV}"), &text)?;
    }
    let report = Report {
        model_dir: req.model,
        model: &model_artifact,
        dataset_dir: req.dataset,
        data: &data,
        task,
        test: &test,
        epochs: epochs.as_deref(),
        filters: &motifs,
        matches: &matches,
        database: &database,
        influence: &influence,
        comparison: comparison.as_ref().map(|(c, before, dir)| ComparisonView {
            comparison: c,
            other_dir: dir,
            before,
        }),
        attributions: attributions
            .as_ref()
            .map(|a| (a, attributed_probabilities.as_slice())),
        params,
    };
    write(REPORT_HTML, &report.render())?;
    let summary = summarize(
        &tasks[task],
        task,
        &motifs,
        &matches,
        &database,
        &influence,
        &windows,
        &influence_windows,
        attributions.as_ref(),
        comparison.as_ref().map(|(c, _, dir)| (c, *dir)),
        params,
    );
    let json = serde_json::to_string_pretty(&summary).expect("the summary serializes");
    write(SUMMARY_JSON, &json)?;
    builder.commit()?;
    Ok(Outcome {
        out: req.out.to_path_buf(),
        up_to_date: false,
        summary,
    })
}

/// The dataset's labels rearranged into the model's task order, by name; a model task the
/// dataset does not have is unknown (-1) everywhere. Interpreting a pre-trained model on a
/// single-TF dataset, or the reverse, works on the tasks they share.
fn labels_in_model_order(labels: &LabelMatrix, tasks: &[String]) -> Result<LabelMatrix> {
    let cols: Vec<Option<usize>> = tasks.iter().map(|t| labels.column_index(t)).collect();
    if cols.iter().all(Option::is_none) {
        return Err(InterpretError::NoCommonTasks {
            model: tasks.join(", "),
            dataset: labels.names().join(", "),
        });
    }
    let values = (0..labels.n_rows())
        .flat_map(|row| {
            cols.iter()
                .map(move |c| c.map_or(UNKNOWN, |c| labels.get(row, c)))
        })
        .collect();
    Ok(LabelMatrix::from_values(tasks.to_vec(), values).expect("rows × tasks values"))
}

/// The other model's filter motifs over the same windows, and its filter weights.
fn other_filters(
    other: &ModelArtifact,
    layer: &FirstLayer,
    device: Device,
    data: &Dataset,
    windows: &FilterWindows,
    params: &InterpretParams,
    progress: &dyn Progress,
) -> Result<(Vec<FilterMotif>, Vec<Vec<f32>>)> {
    let model = other.load(device)?;
    let other_layer = FirstLayer::of(&model)?;
    if (other_layer.n_filters(), other_layer.width()) != (layer.n_filters(), layer.width()) {
        return Err(InterpretError::FirstLayerMismatch {
            this: layer.shape_name(),
            other: other_layer.shape_name(),
        });
    }
    progress.start("compare", 2 * windows.len() as u64);
    let motifs = filter_motifs(
        &other_layer,
        device,
        data,
        &windows.rows,
        params.activation_threshold,
        params.batch_size,
        &|n| progress.advance(n as u64),
    )?;
    Ok((motifs, other_layer.weights()?))
}

/// Per task on the test split: metrics and curves.
fn test_metrics(
    data: &Dataset,
    predictions: &Predictions,
    tasks: &[String],
) -> Result<Vec<TaskTest>> {
    let rows = split_rows(data, SplitChoice::Test);
    tasks
        .iter()
        .enumerate()
        .map(|(t, name)| {
            let scores: Vec<f32> = rows.iter().map(|&r| predictions.get(r, t)).collect();
            let labels: Vec<i8> = rows.iter().map(|&r| data.labels.get(r, t)).collect();
            Ok(TaskTest {
                task: name.clone(),
                metrics: tfbind_metrics::binary_metrics(&scores, &labels)?,
                curves: Curves::new(&scores, &labels, 300),
            })
        })
        .collect()
}

/// The columns `filters.tsv` adds after the motif's own: the best match and whether the filter
/// is informative.
fn match_columns(
    motifs: &[FilterMotif],
    matches: &FilterMatches,
    database: &[Motif],
    params: &InterpretParams,
) -> Vec<(&'static str, Vec<String>)> {
    let best = |f: &FilterMotif| matches.best(f.filter);
    let column = |get: &dyn Fn(&tfbind_motifs::Match) -> String| {
        motifs
            .iter()
            .map(|f| best(f).map_or("NA".to_string(), get))
            .collect()
    };
    vec![
        (
            "informative",
            motifs
                .iter()
                .map(|f| {
                    if f.is_informative(params.min_information, params.min_sites) {
                        "yes".into()
                    } else {
                        "no".into()
                    }
                })
                .collect(),
        ),
        (
            "best_match",
            column(&|m| database[m.target].id().to_string()),
        ),
        (
            "best_match_name",
            column(&|m| database[m.target].alt().unwrap_or("NA").to_string()),
        ),
        ("p_value", column(&|m| format!("{:.3e}", m.p_value))),
        ("e_value", column(&|m| format!("{:.3e}", m.e_value))),
        ("q_value", column(&|m| format!("{:.3e}", m.q_value))),
    ]
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    task_name: &str,
    task: usize,
    motifs: &[FilterMotif],
    matches: &FilterMatches,
    database: &[Motif],
    influence: &Influence,
    windows: &FilterWindows,
    influence_windows: &FilterWindows,
    attributions: Option<&Attributions>,
    comparison: Option<(&Comparison, &Path)>,
    params: &InterpretParams,
) -> Summary {
    let significant = |f: usize| {
        matches
            .best(f)
            .filter(|m| m.q_value <= params.max_q_value)
            .map(|m| motif_label(&database[m.target]))
    };
    let informative: Vec<&FilterMotif> = motifs
        .iter()
        .filter(|f| f.is_informative(params.min_information, params.min_sites))
        .collect();
    Summary {
        task: task_name.to_string(),
        filters: motifs.len(),
        filters_with_sites: motifs.iter().filter(|f| f.sites > 0).count(),
        informative_filters: informative.len(),
        matched_filters: informative
            .iter()
            .filter(|f| significant(f.filter).is_some())
            .count(),
        filter_windows: windows.len(),
        influence_windows: influence_windows.len(),
        top_filters: influence
            .ranking(task)
            .into_iter()
            .take(5)
            .map(|f| TopFilter {
                filter: f,
                influence: Some(influence.values[f][task]).filter(|v| !v.is_nan()),
                information_bits: motifs[f].information(),
                best_match: significant(f),
            })
            .collect(),
        attributed_windows: attributions.map_or(0, |a| a.rows.len()),
        methods: attributions.map_or(Vec::new(), |a| a.scores.iter().map(|s| s.0).collect()),
        comparison: comparison.map(|(c, dir)| {
            let (matching_before, matching_after) = c.matching();
            ComparisonSummary {
                other: dir.display().to_string(),
                tf: c.tf.clone(),
                targets: c.targets.clone(),
                matching_before,
                matching_after,
                moved_toward: c.moved(),
            }
        }),
    }
}
