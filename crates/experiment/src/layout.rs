//! Where each step's output lives in the work directory (as scripts/experiment.sh laid it out, so
//! its work directories resume): a rerun finds every artifact where it left it.

use std::path::{Path, PathBuf};

/// The two regions artifacts: every window, and the training windows (no test window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegionSet {
    All,
    Train,
}

impl RegionSet {
    pub fn name(self) -> &'static str {
        match self {
            RegionSet::All => "all",
            RegionSet::Train => "train",
        }
    }
}

/// One fine-tuning training set of a target: its size and seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sample {
    pub size: usize,
    pub seed: u64,
}

impl std::fmt::Display for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.size, self.seed)
    }
}

/// The work directory's layout.
#[derive(Debug, Clone)]
pub struct Layout {
    pub work: PathBuf,
}

impl Layout {
    pub fn new(work: impl Into<PathBuf>) -> Self {
        Self { work: work.into() }
    }

    pub fn inputs(&self) -> PathBuf {
        self.work.join("inputs")
    }

    pub fn bed(&self, set: RegionSet) -> PathBuf {
        self.inputs().join(format!("{}.bed", set.name()))
    }

    pub fn labels(&self, set: RegionSet) -> PathBuf {
        self.inputs().join(format!("{}.labels.tsv", set.name()))
    }

    pub fn regions(&self, set: RegionSet) -> PathBuf {
        self.work.join("regions").join(set.name())
    }

    /// A pre-training TF list: `sets/<condition>.txt` shared by every target, or
    /// `sets/<target>.<condition>.txt`.
    pub fn set(&self, name: &str) -> PathBuf {
        self.work.join("sets").join(format!("{name}.txt"))
    }

    /// Why tfbind-transfer chose a set (its `SetChoice`, as JSON).
    pub fn choice(&self, name: &str) -> PathBuf {
        self.work.join("sets").join(format!("{name}.choice.json"))
    }

    /// tfbind-transfer's cache of small pre-trained models, by TF set.
    pub fn pretrained_sets(&self) -> PathBuf {
        self.work.join("pretrained-sets")
    }

    /// A pre-training's windows, dataset and model, by set name.
    pub fn pretrain(&self, name: &str) -> PathBuf {
        self.work.join("pretrain").join(name)
    }

    /// A target's test windows (the test split of its full dataset).
    pub fn full(&self, target: &str) -> PathBuf {
        self.work.join("data").join(target).join("full")
    }

    pub fn sample(&self, target: &str, sample: Sample) -> PathBuf {
        self.work.join("data").join(target).join(sample.to_string())
    }

    pub fn model(&self, target: &str, sample: Sample, condition: &str) -> PathBuf {
        self.work
            .join("models")
            .join(target)
            .join(sample.to_string())
            .join(condition)
    }

    /// tfbind-interpret's `motifs` artifact of a fine-tuned model.
    pub fn interpret(&self, target: &str, sample: Sample, condition: &str) -> PathBuf {
        self.work
            .join("interpret")
            .join(target)
            .join(sample.to_string())
            .join(condition)
    }

    /// Wall-clock seconds of every stage run, appended by every run.
    pub fn timings(&self) -> PathBuf {
        self.work.join("timings.tsv")
    }

    /// The Slurm job list written by `plan`.
    pub fn plan(&self) -> PathBuf {
        self.work.join("plan.tsv")
    }
}

/// `dir/windows`, `dir/dataset` and `dir/model`: the artifacts of one dataset and its model.
pub fn windows(dir: &Path) -> PathBuf {
    dir.join("windows")
}

pub fn dataset(dir: &Path) -> PathBuf {
    dir.join("dataset")
}

pub fn model(dir: &Path) -> PathBuf {
    dir.join("model")
}
