//! Running the experiment: the stages in-process through their libraries' [`Stage`]s and the one
//! runner of the stage contract, so every artifact that is up to date is reused and training
//! resumes from its checkpoints. The work is cut into tasks for Slurm: task 0 the shared steps
//! (inputs, regions, the sets and models every target uses), then one task per target.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use tfbind_artifact::stage::{Progress, Stage};
use tfbind_artifact::AtomicFile;
use tfbind_finetune::{FinetuneParams, FinetuneStage, Init};
use tfbind_negatives::{NegativesStage, Params as NegativesParams};
use tfbind_peaks::{ImportInputs, PeaksStage};
use tfbind_pretrain::{PretrainParams, PretrainStage};
use tfbind_select::SelectParams;
use tfbind_train::stage::{Runtime, TrainSection};
use tfbind_transfer::{PretrainCache, PretrainSettings, Target as TransferTarget, TransferParams};

use crate::config::{scaled_min_bound, Condition, Config};
use crate::error::{Error, Result};
use crate::layout::{self, Layout, RegionSet, Sample};

/// Windows per evaluation batch, as tfbind-pretrain's and tfbind-finetune's defaults: many
/// pre-training tasks make wide outputs, a single task narrow ones.
const PRETRAIN_EVAL_BATCH: usize = 100;
const FINETUNE_EVAL_BATCH: usize = 1000;

/// One unit of work: a Slurm array task, or one step of a local run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "task", content = "target", rename_all = "kebab-case")]
pub enum Task {
    /// Inputs, regions, the shared TF sets and their models.
    Shared,
    /// One target's sets, models, datasets and fine-tunings.
    Target(String),
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Task::Shared => f.write_str("shared steps"),
            Task::Target(t) => write!(f, "target {t}"),
        }
    }
}

/// What a task did.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    pub index: usize,
    pub task: Task,
    /// Artifacts built, and found up to date.
    pub built: usize,
    pub up_to_date: usize,
    pub seconds: f64,
}

impl std::fmt::Display for TaskReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "task {} ({}): {} artifacts built, {} up to date; {:.0} s",
            self.index, self.task, self.built, self.up_to_date, self.seconds
        )
    }
}

/// An experiment over a work directory.
pub struct Experiment<'a> {
    config: &'a Config,
    layout: Layout,
    progress: &'a dyn Progress,
    /// Names this process's lines of timings.tsv (a run continued later adds another).
    run_id: String,
    built: AtomicUsize,
    up_to_date: AtomicUsize,
}

impl<'a> Experiment<'a> {
    pub fn new(config: &'a Config, work: &Path, progress: &'a dyn Progress) -> Self {
        let now = time::OffsetDateTime::now_utc();
        let run_id = now
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .unwrap_or_default();
        Self {
            config,
            layout: Layout::new(work),
            progress,
            run_id,
            built: AtomicUsize::new(0),
            up_to_date: AtomicUsize::new(0),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Every task, in the order a local run takes them: the shared steps (task 0) first.
    pub fn plan(&self) -> Vec<Task> {
        let targets = self.config.experiment.targets.iter().cloned();
        std::iter::once(Task::Shared)
            .chain(targets.map(Task::Target))
            .collect()
    }

    /// Writes the plan as `task<TAB>target` lines (`-` for the shared task) to WORK/plan.tsv.
    pub fn write_plan(&self) -> Result<PathBuf> {
        let mut text = String::from("task\ttarget\n");
        for (i, task) in self.plan().iter().enumerate() {
            let target = match task {
                Task::Shared => "-",
                Task::Target(t) => t,
            };
            text.push_str(&format!("{i}\t{target}\n"));
        }
        let path = self.layout.plan();
        AtomicFile::write(&path, text)?;
        Ok(path)
    }

    /// Runs task `index` of [`Experiment::plan`].
    pub fn run_task(&self, index: usize) -> Result<TaskReport> {
        let plan = self.plan();
        let task = plan.get(index).ok_or(Error::NoSuchTask {
            task: index,
            last: plan.len() - 1,
        })?;
        let started = Instant::now();
        let (built, up_to_date) = self.counts();
        tracing::info!(index, %task, "starting");
        match task {
            Task::Shared => self.shared()?,
            Task::Target(target) => self.target(target)?,
        }
        let (built_now, up_to_date_now) = self.counts();
        Ok(TaskReport {
            index,
            task: task.clone(),
            built: built_now - built,
            up_to_date: up_to_date_now - up_to_date,
            seconds: started.elapsed().as_secs_f64(),
        })
    }

    /// Artifacts built, and found up to date, by this process so far.
    pub(crate) fn counts(&self) -> (usize, usize) {
        (
            self.built.load(Ordering::SeqCst),
            self.up_to_date.load(Ordering::SeqCst),
        )
    }

    pub(crate) fn config(&self) -> &Config {
        self.config
    }

    /// Task `task` of the plan, or every task in order.
    pub fn run(&self, task: Option<usize>) -> Result<Vec<TaskReport>> {
        match task {
            Some(i) => Ok(vec![self.run_task(i)?]),
            None => (0..self.plan().len()).map(|i| self.run_task(i)).collect(),
        }
    }

    fn genome(&self) -> PathBuf {
        self.config.bundle.genome()
    }

    fn shared(&self) -> Result<()> {
        crate::inputs::prepare(self.config, &self.layout)?;
        for set in [RegionSet::All, RegionSet::Train] {
            let stage = PeaksStage::from_matrix(ImportInputs {
                windows: self.layout.bed(set),
                labels: self.layout.labels(set),
                genome: Some(self.genome()),
            })
            .map_err(stage_error::<PeaksStage>(
                "regions",
                &self.layout.regions(set),
            ))?;
            self.stage("regions", set.name(), &stage, &self.layout.regions(set))?;
        }
        for condition in &self.config.conditions {
            if condition.per_target() {
                continue;
            }
            let name = condition.name();
            let tfs = match condition {
                Condition::Select { .. } => {
                    // Ranked with room for the targets, which are then left out: one set that
                    // holds no target serves all of them.
                    let targets = &self.config.experiment.targets;
                    let params = self.select_params(condition, None, targets.len());
                    let list = self.layout.set(&format!("{name}.ranked"));
                    let ranked = self.select(name, &params, &list)?;
                    let k = params.k() - targets.len();
                    let tfs: Vec<String> = ranked
                        .into_iter()
                        .filter(|tf| !targets.contains(tf))
                        .take(k)
                        .collect();
                    self.write_set(name, &tfs)?;
                    tfs
                }
                Condition::Tfs { tfs, .. } => tfs.clone(),
                Condition::Scratch { .. }
                | Condition::Pretrained { .. }
                | Condition::Transfer { .. } => continue,
            };
            self.pretrain(name, &tfs)?;
        }
        Ok(())
    }

    fn target(&self, target: &str) -> Result<()> {
        for set in [RegionSet::All, RegionSet::Train] {
            self.prepared("the regions artifact", &self.layout.regions(set))?;
        }
        let mut models = Vec::new();
        for condition in &self.config.conditions {
            let name = condition.name();
            let model = match condition {
                Condition::Scratch { .. } => None,
                Condition::Select { .. } if condition.per_target() => {
                    let set = format!("{target}.{name}");
                    let params = self.select_params(condition, Some(target), 0);
                    let tfs = self.select(name, &params, &self.layout.set(&set))?;
                    Some(self.pretrain(&set, &tfs)?)
                }
                Condition::Transfer {
                    settings,
                    init_from,
                    ..
                } => {
                    let mut settings = settings.clone();
                    if let Some(from) = init_from {
                        let from = self
                            .config
                            .shared_model_condition(from)
                            .expect("validated with the config");
                        settings.pretrain_init = Some(self.shared_model(from)?);
                    }
                    Some(self.transfer(target, name, &settings)?)
                }
                Condition::Pretrained { .. } | Condition::Select { .. } | Condition::Tfs { .. } => {
                    Some(self.shared_model(condition)?)
                }
            };
            models.push((condition, model));
        }

        let split = &self.config.split;
        let full = self.layout.full(target);
        let test = self.dataset(
            &format!("{target}/full"),
            &full,
            RegionSet::All,
            NegativesParams {
                tf: Some(target.to_string()),
                seed: self.config.experiment.test_seed,
                ..NegativesParams::default()
            },
            split.encode(&self.genome()),
        )?;
        let e = &self.config.experiment;
        for &size in &e.sizes {
            for &seed in &e.seeds {
                let sample = Sample { size, seed };
                let data = self.dataset(
                    &format!("{target}/{sample}"),
                    &self.layout.sample(target, sample),
                    RegionSet::Train,
                    NegativesParams {
                        tf: Some(target.to_string()),
                        max_positives: Some(size),
                        seed,
                        ..NegativesParams::default()
                    },
                    split.encode_training(&self.genome()),
                )?;
                tracing::info!(target, %sample, "fine-tuning");
                for (condition, model) in &models {
                    let init = if model.is_some() {
                        Init::Pretrained
                    } else {
                        Init::Scratch
                    };
                    let stage = FinetuneStage {
                        dataset: data.clone(),
                        pretrained: model.clone(),
                        test_dataset: Some(test.clone()),
                        params: FinetuneParams {
                            init,
                            architecture: model.is_none().then_some(e.architecture),
                            train: TrainSection {
                                epochs: e.finetune_epochs,
                                seed: Some(seed),
                                ..TrainSection::default()
                            },
                            ..FinetuneParams::default()
                        },
                        runtime: self.runtime(FINETUNE_EVAL_BATCH),
                    };
                    let name = format!("{target}/{sample}/{}", condition.name());
                    let out = self.layout.model(target, sample, condition.name());
                    self.stage("finetune", &name, &stage, &out)?;
                }
            }
        }
        Ok(())
    }

    /// Writes a TF set chosen here (not by tfbind-select, which writes its own) as a TF list.
    fn write_set(&self, name: &str, tfs: &[String]) -> Result<()> {
        let tfs: Vec<&str> = tfs.iter().map(String::as_str).collect();
        Ok(AtomicFile::write(
            self.layout.set(name),
            tfbind_dataset::tf_list_text(&tfs),
        )?)
    }

    fn runtime(&self, eval_batch_size: usize) -> Runtime {
        Runtime {
            device: self.config.experiment.device,
            eval_batch_size,
            restart: false,
        }
    }

    fn prepared(&self, what: &'static str, dir: &Path) -> Result<()> {
        if dir.join(tfbind_artifact::MANIFEST_FILE).is_file() {
            Ok(())
        } else {
            Err(Error::NotPrepared {
                what,
                path: dir.to_path_buf(),
            })
        }
    }

    /// A select condition's parameters; `extra` more TFs than it keeps.
    fn select_params(
        &self,
        condition: &Condition,
        target: Option<&str>,
        extra: usize,
    ) -> SelectParams {
        let Condition::Select {
            strategy,
            k,
            min_bound,
            seed,
            motifs,
            ..
        } = condition
        else {
            unreachable!("only select conditions are selected")
        };
        let defaults = SelectParams::default();
        SelectParams {
            strategy: *strategy,
            target: target.map(str::to_string),
            k: Some(k.unwrap_or_else(|| strategy.default_k()) + extra),
            seed: *seed,
            min_bound: scaled_min_bound(*min_bound, self.config.experiment.thin),
            motifs: motifs.clone().unwrap_or(defaults.motifs),
            ..defaults
        }
    }

    /// Chooses a TF set on the training regions' labels (test windows choose nothing) and writes
    /// it, with its scores, to `list`.
    fn select(&self, condition: &str, params: &SelectParams, list: &Path) -> Result<Vec<String>> {
        let select_error = |source: tfbind_select::Error| Error::Select {
            condition: condition.to_string(),
            usage: source.is_usage(),
            source: Box::new(source),
        };
        let selection = tfbind_select::run(&self.layout.regions(RegionSet::Train), params)
            .map_err(select_error)?;
        tfbind_select::write(list, &selection).map_err(select_error)?;
        let tfs: Vec<String> = selection.tfs().into_iter().map(str::to_string).collect();
        let strategy = params.strategy;
        let target = params.target.as_deref().unwrap_or("-");
        tracing::info!(condition, %strategy, target, tfs = tfs.join(","), "TF set");
        Ok(tfs)
    }

    /// The model of a condition with one model for every target, built by the shared steps.
    fn shared_model(&self, condition: &Condition) -> Result<PathBuf> {
        if let Condition::Pretrained { model, .. } = condition {
            return Ok(model.clone());
        }
        let model = layout::model(&self.layout.pretrain(condition.name()));
        self.prepared("the shared pre-trained model", &model)?;
        Ok(model)
    }

    /// The transfer condition's model for `target`: its TFs chosen by tfbind-transfer on the
    /// training regions (no test window takes part), the small model from tfbind-transfer's
    /// cache, which every target choosing the same set (and every Slurm task) shares.
    fn transfer(
        &self,
        target: &str,
        condition: &str,
        settings: &TransferParams,
    ) -> Result<PathBuf> {
        let error = |source: tfbind_transfer::Error| Error::Transfer {
            condition: condition.to_string(),
            usage: source.is_usage(),
            source: Box::new(source),
        };
        // The training regions hold no test window: tfbind-transfer, which leaves out the windows
        // the split puts in test, is told of none (it refuses a named test chromosome without
        // windows), while its small pre-training takes the whole split.
        let training = self.config.split.encode_training(&self.genome());
        let split = self.config.split.encode(&self.genome());
        let who = TransferTarget {
            name: target.to_string(),
            labels: None,
            datasets: Vec::new(),
        };
        let train = self.layout.regions(RegionSet::Train);
        let choice = tfbind_transfer::choose_set(&train, &who, &settings.choice(&training))
            .map_err(error)?;
        let set = format!("{target}.{condition}");
        self.write_set(&set, &choice.tfs)?;
        let json = serde_json::to_string_pretty(&choice).expect("a choice is plain JSON");
        AtomicFile::write(self.layout.choice(&set), json + "\n")?;
        let (strategy, why) = (choice.strategy, &choice.reason.why);
        let tfs = choice.tfs.join(",");
        tracing::info!(condition, target, %strategy, tfs, why, "TF set");
        let pretrain = PretrainParams {
            architecture: self.config.experiment.architecture,
            train: TrainSection::default(),
        };
        let params =
            PretrainSettings::new(settings, &NegativesParams::default(), &split, &pretrain);
        let cache = PretrainCache::new(
            self.layout.pretrained_sets(),
            self.runtime(PRETRAIN_EVAL_BATCH),
        );
        let started = Instant::now();
        let all = self.layout.regions(RegionSet::All);
        let model = cache
            .model_for(&choice.tfs, &all, &self.genome(), &params, self.progress)
            .map_err(error)?;
        // The cache runs its steps itself: their time is counted as one.
        self.record("transfer-pretrain", &set, started.elapsed().as_secs_f64())?;
        Ok(model)
    }

    /// Pre-trains on `tfs` (windows of every region, the split's test windows left to test);
    /// returns the model's directory.
    fn pretrain(&self, set: &str, tfs: &[String]) -> Result<PathBuf> {
        let dir = self.layout.pretrain(set);
        tracing::info!(set, tfs = tfs.join(","), "pre-training");
        let dataset = self.dataset(
            &format!("pretrain/{set}"),
            &dir,
            RegionSet::All,
            NegativesParams {
                tfs: Some(tfs.to_vec()),
                ..NegativesParams::default()
            },
            self.config.split.encode(&self.genome()),
        )?;
        let e = &self.config.experiment;
        let stage = PretrainStage {
            dataset,
            init: None,
            params: PretrainParams {
                architecture: e.architecture,
                train: TrainSection {
                    epochs: e.pretrain_epochs,
                    patience: e.pretrain_patience,
                    ..TrainSection::default()
                },
            },
            runtime: self.runtime(PRETRAIN_EVAL_BATCH),
        };
        let model = layout::model(&dir);
        self.stage("pretrain", set, &stage, &model)?;
        Ok(model)
    }

    /// The windows and dataset artifacts in `dir`; returns the dataset's directory.
    fn dataset(
        &self,
        name: &str,
        dir: &Path,
        regions: RegionSet,
        params: NegativesParams,
        encode: tfbind_encode::EncodeParams,
    ) -> Result<PathBuf> {
        let windows = layout::windows(dir);
        let negatives =
            NegativesStage::new(self.layout.regions(regions), self.genome(), &[], params)
                .map_err(stage_error::<NegativesStage>("negatives", &windows))?;
        self.stage("negatives", name, &negatives, &windows)?;
        let dataset = layout::dataset(dir);
        let stage = tfbind_encode::EncodeStage {
            windows,
            genome: self.genome(),
            params: encode,
        };
        self.stage("encode", name, &stage, &dataset)?;
        Ok(dataset)
    }

    /// Runs a stage into `out` and appends its wall-clock time to timings.tsv.
    pub(crate) fn stage<S: Stage>(
        &self,
        kind: &'static str,
        name: &str,
        stage: &S,
        out: &Path,
    ) -> Result<S::Summary>
    where
        S::Error: std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let outcome = tfbind_artifact::stage::run(stage, out, false, self.progress)
            .map_err(stage_error::<S>(kind, out))?;
        let seconds = started.elapsed().as_secs_f64();
        let counter = if outcome.up_to_date {
            &self.up_to_date
        } else {
            &self.built
        };
        counter.fetch_add(1, Ordering::SeqCst);
        tracing::debug!(
            stage = kind,
            name,
            up_to_date = outcome.up_to_date,
            seconds,
            "done"
        );
        self.record(kind, name, seconds)?;
        Ok(outcome.summary)
    }

    /// One line of timings.tsv. Appended rather than rewritten: array tasks write at once, and a
    /// line appended in one write is never interleaved with another's.
    fn record(&self, stage: &str, name: &str, seconds: f64) -> Result<()> {
        let path = self.layout.timings();
        let io = Error::io(&path);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(Error::io(&path))?;
        let mut line = String::new();
        if file.metadata().map_err(Error::io(&path))?.len() == 0 {
            line.push_str(crate::timings::HEADER);
        }
        line.push_str(&format!("{}\t{stage}\t{name}\t{seconds:.1}\n", self.run_id));
        file.write_all(line.as_bytes()).map_err(io)
    }
}

/// Turns a stage's error into the experiment's, keeping whether the stage calls it a usage error.
fn stage_error<S: Stage>(stage: &'static str, out: &Path) -> impl FnOnce(S::Error) -> Error
where
    S::Error: std::error::Error + Send + Sync + 'static,
{
    let out = out.to_path_buf();
    move |e| Error::Stage {
        stage,
        out,
        usage: S::is_usage(&e),
        source: Box::new(e),
    }
}
