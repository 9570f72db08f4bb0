//! Everything the stage computes, step by step.

use tfbind_artifact::stage::Progress;
use tfbind_dataset::{Dataset, LabelMatrix, UNKNOWN};
use tfbind_model::{artifact::EPOCHS_FILE, Model, ModelArtifact};
use tfbind_motifs::{read_meme, Motif};

use super::{Inputs, InterpretStage};
use crate::attribution::deeplift::DeepLift;
use crate::attribution::Attributions;
use crate::compare::{Comparison, Side};
use crate::error::{InterpretError, Result};
use crate::filters::{filter_motifs, FilterMotif};
use crate::first_layer::FirstLayer;
use crate::influence::Influence;
use crate::matches::{motif_label, motifs_of_tf, FilterMatches};
use crate::params::{InterpretParams, Method, SplitChoice, WindowSet};
use crate::report::{read_epochs, Curves, Epoch, TaskTest};
use crate::selection::{
    overlapping_rows, read_bed, split_rows, strongest_positives, FilterWindows, Predictions,
};
use crate::seqlets::Seqlets;

/// Below this many windows, filter motifs are mostly noise.
const FEW_WINDOWS: usize = 100;

/// The results of every step.
pub(super) struct Analysis {
    /// The dataset, its labels in the model's task order.
    pub data: Dataset,
    pub tasks: Vec<String>,
    /// The interpreted task.
    pub task: usize,
    pub database: Vec<Motif>,
    pub predictions: Predictions,
    /// The windows of filter motifs, the set they were chosen by (see [`filter_windows`]), and
    /// the subset of influence.
    pub windows: FilterWindows,
    pub window_set: WindowSet,
    pub influence_windows: FilterWindows,
    pub motifs: Vec<FilterMotif>,
    pub matches: FilterMatches,
    pub influence: Influence,
    pub comparison: Option<Compared>,
    pub attributions: Option<Attributions>,
    /// The attributions' seqlets and their motifs.
    pub seqlets: Option<Seqlets>,
    pub test: Vec<TaskTest>,
    pub epochs: Option<Vec<Epoch>>,
}

/// The comparison with the other model, and that model's filter motifs.
pub(super) struct Compared {
    pub comparison: Comparison,
    pub before: Vec<FilterMotif>,
}

impl Analysis {
    pub fn compute(
        stage: &InterpretStage,
        inputs: &Inputs,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let params = &stage.params;
        let mut data = Dataset::read(inputs.dataset)?;
        let spec = inputs.model.spec();
        if data.seq_len != spec.window_len {
            return Err(InterpretError::WindowLength {
                model: spec.window_len,
                dataset: data.seq_len,
            });
        }
        let tasks = inputs.model.tasks().to_vec();
        data.labels = labels_in_model_order(&data.labels, &tasks)?;
        let task = task_index(&tasks, params, &data)?;
        let mut model = inputs.model.load(stage.device)?;
        // Gradients are needed for the input only; the weights stay fixed.
        model.freeze(&spec.architecture.block_names())?;
        // Refused before the long steps rather than after them.
        if params.methods.contains(&Method::DeepLiftShap) {
            DeepLift::new(&model)?;
        }
        let database = read_meme(&stage.database)?;
        let layer = FirstLayer::of(&model)?;
        // Checked before the long steps, so that a wrong --compare-to fails at once.
        let other = match &inputs.other {
            None => None,
            Some(other) => Some(Other::open(other, &layer, &tasks[task], &database, stage)?),
        };
        tracing::info!(
            model = %stage.model.display(),
            task = %tasks[task],
            windows = data.len(),
            database_motifs = database.len(),
            "interpreting"
        );
        let bed_rows = match &stage.windows_bed {
            None => None,
            Some(bed) => {
                let rows = overlapping_rows(&data, &read_bed(bed, &data)?);
                if rows.is_empty() {
                    return Err(InterpretError::NoWindows {
                        what: "attributions",
                        selection: format!("dataset windows overlapping {}", bed.display()),
                    });
                }
                Some(rows)
            }
        };

        let advance = |n: usize| progress.advance(n as u64);
        // Predictions for every window any step looks at: the split's, the test split's (for
        // the metrics) and the BED's.
        let mut predicted = split_rows(&data, params.split);
        predicted.extend(split_rows(&data, SplitChoice::Test));
        predicted.extend(bed_rows.iter().flatten());
        predicted.sort_unstable();
        predicted.dedup();
        progress.start("predict", predicted.len() as u64);
        let predictions =
            Predictions::compute(&model, &data, &predicted, params.batch_size, &advance)?;

        let (windows, window_set) = filter_windows(&data, &predictions, params)?;
        progress.start("filters", 2 * windows.len() as u64);
        let motifs = filter_motifs(
            &layer,
            stage.device,
            &data,
            &windows.rows,
            params.activation_threshold,
            params.batch_size,
            &advance,
        )?;
        let influence_windows = windows.subset(params.influence_windows, params.seed);
        progress.start("influence", layer.n_filters() as u64);
        let influence = Influence::measure(
            &model,
            &layer,
            &data,
            &influence_windows,
            params.batch_size,
            &advance,
        )?;
        let matches = FilterMatches::compute(&motifs, &database, params)?;

        let mut analysis = Self {
            tasks,
            task,
            database,
            windows,
            window_set,
            influence_windows,
            motifs,
            matches,
            influence,
            comparison: None,
            attributions: None,
            seqlets: None,
            test: Vec::new(),
            epochs: None,
            predictions,
            data,
        };
        if let Some(other) = &other {
            analysis.comparison = Some(analysis.compare(other, &layer, stage, progress)?);
        }
        let rows = bed_rows.unwrap_or_else(|| {
            strongest_positives(
                &analysis.data,
                &analysis.predictions,
                params.split,
                task,
                params.attribution_windows,
            )
        });
        analysis.attributions = analysis.attribute(&model, &rows, params, progress)?;
        analysis.seqlets = analysis.call_seqlets(params)?;
        analysis.test = analysis.test_metrics()?;
        let model_files = inputs.model.artifact();
        if model_files.has_file(EPOCHS_FILE) {
            analysis.epochs = Some(read_epochs(&model_files.file(EPOCHS_FILE)?)?);
        }
        Ok(analysis)
    }

    /// The other model's filters over the same windows, compared with this model's against
    /// the interpreted TF's database motifs.
    fn compare(
        &self,
        other: &Other,
        layer: &FirstLayer,
        stage: &InterpretStage,
        progress: &dyn Progress,
    ) -> Result<Compared> {
        let params = &stage.params;
        let other_layer = FirstLayer::of(&other.model)?;
        progress.start("compare", 2 * self.windows.len() as u64);
        let before = filter_motifs(
            &other_layer,
            stage.device,
            &self.data,
            &self.windows.rows,
            params.activation_threshold,
            params.batch_size,
            &|n| progress.advance(n as u64),
        )?;
        let before_matches = FilterMatches::compute(&before, &self.database, params)?;
        let names: Vec<String> = self.database.iter().map(motif_label).collect();
        let comparison = Comparison::new(
            &self.tasks[self.task],
            &other.targets,
            &names,
            &Side {
                motifs: &before,
                matches: &before_matches,
                weights: &other_layer.weights()?,
            },
            &Side {
                motifs: &self.motifs,
                matches: &self.matches,
                weights: &layer.weights()?,
            },
            params.max_q_value,
        );
        Ok(Compared { comparison, before })
    }

    fn attribute(
        &self,
        model: &Model,
        rows: &[usize],
        params: &InterpretParams,
        progress: &dyn Progress,
    ) -> Result<Option<Attributions>> {
        if params.methods.is_empty() {
            return Ok(None);
        }
        if rows.is_empty() {
            tracing::warn!(
                "no windows attributed: no bound windows of {} in the {} split",
                self.tasks[self.task],
                params.split
            );
            return Ok(None);
        }
        progress.start("attribute", rows.len() as u64);
        let a = Attributions::compute(model, &self.data, rows, self.task, params, &|n| {
            progress.advance(n as u64)
        })?;
        Ok(Some(a))
    }

    /// Seqlets of the attributions of `params.seqlet_method()`, annotated with the database.
    fn call_seqlets(&self, params: &InterpretParams) -> Result<Option<Seqlets>> {
        let (Some(a), Some(method)) = (&self.attributions, params.seqlet_method()) else {
            return Ok(None);
        };
        let index = a
            .scores
            .iter()
            .position(|(m, _)| *m == method)
            .expect("validated: seqlets come from a method computed");
        let x: Vec<f32> = (0..a.rows.len())
            .flat_map(|k| a.contributions(index, k))
            .collect();
        let seqlets = Seqlets::compute(
            &x,
            &a.ohe,
            a.len,
            &self.database,
            &params.recursive(),
            params.seqlet_distance,
            params.max_q_value,
        )?;
        tracing::info!(
            method = %method,
            seqlets = seqlets.seqlets.len(),
            motifs = seqlets.motifs.len(),
            "seqlets called and annotated"
        );
        Ok(Some(seqlets))
    }

    /// Per task on the test split: metrics and curves.
    fn test_metrics(&self) -> Result<Vec<TaskTest>> {
        let rows = split_rows(&self.data, SplitChoice::Test);
        self.tasks
            .iter()
            .enumerate()
            .map(|(t, name)| {
                let scores: Vec<f32> = rows.iter().map(|&r| self.predictions.get(r, t)).collect();
                let labels: Vec<i8> = rows.iter().map(|&r| self.data.labels.get(r, t)).collect();
                Ok(TaskTest {
                    task: name.clone(),
                    metrics: tfbind_metrics::binary_metrics(&scores, &labels)?,
                    curves: Curves::new(&scores, &labels, 300),
                })
            })
            .collect()
    }

    /// The interpreted task's probability for each attributed window.
    pub fn attributed_probabilities(&self) -> Vec<f32> {
        self.attributions
            .as_ref()
            .map(|a| {
                a.rows
                    .iter()
                    .map(|&r| self.predictions.get(r, self.task))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The model to compare with, checked to be comparable.
struct Other {
    model: Model,
    /// The database motifs of the interpreted TF.
    targets: Vec<usize>,
}

impl Other {
    fn open(
        artifact: &ModelArtifact,
        layer: &FirstLayer,
        tf: &str,
        database: &[Motif],
        stage: &InterpretStage,
    ) -> Result<Self> {
        let targets = motifs_of_tf(database, tf);
        if targets.is_empty() {
            return Err(InterpretError::NoTargetMotif { tf: tf.to_string() });
        }
        let model = artifact.load(stage.device)?;
        let other_layer = FirstLayer::of(&model)?;
        if (other_layer.n_filters(), other_layer.width()) != (layer.n_filters(), layer.width()) {
            return Err(InterpretError::FirstLayerMismatch {
                this: layer.shape_name(),
                other: other_layer.shape_name(),
            });
        }
        Ok(Self { model, targets })
    }
}

/// The windows of filter motifs: `params.windows` of `params.split`, except that with fewer
/// than [`FEW_WINDOWS`] correctly predicted positives (a weak model: a short demo run, a TF with
/// few peaks, a multi-task model rarely above 0.5) all bound windows are used, since a handful of
/// windows makes motifs of noise while the filters still say what the model learned.
fn filter_windows(
    data: &Dataset,
    predictions: &Predictions,
    params: &InterpretParams,
) -> Result<(FilterWindows, WindowSet)> {
    let mut set = params.windows;
    let mut windows = FilterWindows::select(data, predictions, params.split, set);
    if windows.len() < FEW_WINDOWS && set == WindowSet::CorrectPositives {
        let positives =
            FilterWindows::select(data, predictions, params.split, WindowSet::Positives);
        if positives.len() > windows.len() {
            tracing::warn!(
                split = %params.split,
                "only {} correctly predicted positive windows: filter motifs use all {} bound windows",
                windows.len(),
                positives.len()
            );
            (windows, set) = (positives, WindowSet::Positives);
        }
    }
    if windows.is_empty() {
        return Err(InterpretError::NoWindows {
            what: "filter motifs",
            selection: format!("{} windows of the {} split", params.windows, params.split),
        });
    }
    if windows.len() < FEW_WINDOWS {
        tracing::warn!(
            "only {} {set} windows of the {} split: motifs from so few windows are noisy \
             (--split all takes more)",
            windows.len(),
            params.split
        );
    }
    Ok((windows, set))
}

/// The index of `params.task` among the model's tasks. When none is named, the task with the
/// most bound windows in the split (the first of equals): a multi-task model's first task can
/// have too few positives to show anything, and its best-supported one is what a first look
/// wants. `data`'s labels are in the model's task order.
fn task_index(tasks: &[String], params: &InterpretParams, data: &Dataset) -> Result<usize> {
    match &params.task {
        None => {
            let mut bound = vec![0usize; tasks.len()];
            for row in split_rows(data, params.split) {
                for (task, n) in bound.iter_mut().enumerate() {
                    *n += usize::from(data.labels.get(row, task) == 1);
                }
            }
            // max_by_key keeps the last of equals: compare in reverse order.
            Ok(bound
                .iter()
                .enumerate()
                .rev()
                .max_by_key(|&(_, &n)| n)
                .map_or(0, |(task, _)| task))
        }
        Some(name) => {
            tasks
                .iter()
                .position(|t| t == name)
                .ok_or_else(|| InterpretError::UnknownTask {
                    name: name.clone(),
                    known: tasks.join(", "),
                })
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use tfbind_dataset::{Split, Window};

    #[test]
    fn labels_follow_the_model_tasks_by_name() {
        let labels =
            LabelMatrix::from_values(vec!["B".into(), "C".into()], vec![1, 0, 0, -1, 1, 1])
                .unwrap();
        let tasks = ["A".to_string(), "B".into(), "C".into()];
        let m = labels_in_model_order(&labels, &tasks).unwrap();
        assert_eq!(m.names(), tasks);
        assert_eq!(m.values(), [-1, 1, 0, -1, 0, -1, -1, 1, 1]);
        let err = labels_in_model_order(&labels, &["X".to_string()]).unwrap_err();
        assert!(err.to_string().contains("model: X; dataset: B, C"), "{err}");
    }

    #[test]
    fn tasks_by_name_or_the_most_bound() {
        let tasks = ["CTCF".to_string(), "REST".into(), "MAX".into()];
        // Three test windows and one train window: REST and MAX are bound in two test windows
        // each, CTCF only in the train window.
        let windows = (0..4)
            .map(|i| Window {
                chrom: "chr1".into(),
                start: i * 10,
                end: i * 10 + 4,
                name: format!("w{i}"),
            })
            .collect();
        let labels =
            LabelMatrix::from_values(tasks.to_vec(), vec![0, 1, 1, 0, 1, 1, -1, 0, 0, 1, 0, 0])
                .unwrap();
        let data = Dataset {
            windows,
            labels,
            sequences: vec![0; 16],
            seq_len: 4,
            split: vec![Split::Test, Split::Test, Split::Test, Split::Train],
        };
        let mut p = InterpretParams::default();
        assert_eq!(p.split, SplitChoice::Test);
        assert_eq!(
            task_index(&tasks, &p, &data).unwrap(),
            1,
            "first of the most bound"
        );
        p.split = SplitChoice::Train;
        assert_eq!(task_index(&tasks, &p, &data).unwrap(), 0);
        p.task = Some("MAX".into());
        assert_eq!(task_index(&tasks, &p, &data).unwrap(), 2);
        p.task = Some("max".into());
        assert!(task_index(&tasks, &p, &data)
            .unwrap_err()
            .to_string()
            .contains("CTCF, REST, MAX"));
    }
}
