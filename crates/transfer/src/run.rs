//! The whole default path for one target, each step an artifact in its own directory of the run
//! directory (`labels/`, `windows/`, `dataset/`, `model/`), so that a rerun redoes only what is
//! out of date and an interrupted run resumes.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tfbind_artifact::stage::{check_out_apart, run, Outcome, Progress};
use tfbind_artifact::Artifact;
use tfbind_dataset::{read_windows, REGIONS};
use tfbind_encode::{EncodeParams, EncodeStage};
use tfbind_finetune::{FinetuneParams, FinetuneStage};
use tfbind_negatives::NegativesStage;
use tfbind_peaks::{BuildInputs, BuildParams, PeakSource, PeaksStage};
use tfbind_pretrain::PretrainParams;
use tfbind_train::stage::{fmt_metric, Runtime};

use crate::{
    choose_set, Error, ModelSummary, PretrainCache, PretrainSettings, Result, Target,
    TransferModelStage, TransferParams,
};

/// The settings of every step, each from its section of the pipeline config.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub peaks: BuildParams,
    pub negatives: tfbind_negatives::Params,
    pub encode: EncodeParams,
    pub pretrain: PretrainParams,
    pub finetune: FinetuneParams,
    pub transfer: TransferParams,
}

/// One run of the default path.
#[derive(Debug, Clone)]
pub struct Request {
    /// The target TF's name.
    pub target: String,
    /// Its peak file; `None`: the target is a column of `regions`.
    pub peaks: Option<PathBuf>,
    /// The project's `regions` artifact (read, never written).
    pub regions: PathBuf,
    pub genome: PathBuf,
    /// The run directory.
    pub out: PathBuf,
    /// Fine-tune from this pre-trained model instead of choosing a set and pre-training.
    pub from: Option<PathBuf>,
    /// Test the model on this `dataset` artifact's test windows (same TF) instead of its own
    /// dataset's: models trained on different subsets of a TF's data are compared on the same
    /// windows. They are left out of the choice too.
    pub test_dataset: Option<PathBuf>,
    /// The cache of small pre-trained models.
    pub cache: PathBuf,
    /// Rebuild the run's own artifacts (never the cache's).
    pub force: bool,
    pub settings: Settings,
    pub runtime: Runtime,
}

/// What the run did: `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub target: String,
    /// The target's own regions artifact (from its peaks).
    pub labels: Option<PathBuf>,
    pub dataset: PathBuf,
    /// The model fine-tuning started from: a cache entry's, or `--from`.
    pub pretrained: PathBuf,
    pub model: Outcome<ModelSummary>,
}

/// The default cache directory: `pretrained-sets/` beside the run directory.
pub fn default_cache(out: &Path) -> PathBuf {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty());
    parent.unwrap_or(Path::new(".")).join("pretrained-sets")
}

/// Labels the target, makes its dataset, chooses and pre-trains (or reuses) its set, and
/// fine-tunes.
pub fn transfer(request: &Request, progress: &dyn Progress) -> Result<Report> {
    let s = &request.settings;
    s.transfer.validate()?;
    s.encode.validate().map_err(Error::Usage)?;
    if request.from.is_none() && request.peaks.is_none() {
        // An existing column: a misspelt name is reported before anything is built.
        let shared = Artifact::open_unverified(&request.regions)?;
        shared.expect_kind(REGIONS)?;
        let names = std::fs::read_to_string(shared.file("tfs.txt")?)
            .map_err(|e| Error::Usage(format!("{}: {e}", request.regions.display())))?;
        let names: Vec<String> = names.lines().map(str::to_string).collect();
        tfbind_dataset::LabelMatrix::unknown(0, names).tf_column(&request.target)?;
    }
    // The run directory and the cache hold artifacts of their own: inside an input (the shared
    // regions artifact, say) they would corrupt it.
    let inputs: Vec<&Path> = [&request.regions, &request.genome]
        .into_iter()
        .chain(&request.peaks)
        .chain(&request.from)
        .chain(&request.test_dataset)
        .map(PathBuf::as_path)
        .collect();
    check_out_apart(&request.out, &inputs)?;
    if request.from.is_none() {
        // With --from the cache is not written (the model given may well be one of its own).
        check_out_apart(&request.cache, &inputs)?;
    }
    std::fs::create_dir_all(&request.out)
        .map_err(|e| Error::Usage(format!("cannot create {}: {e}", request.out.display())))?;
    let out = |name: &str| request.out.join(name);

    let labels = match &request.peaks {
        Some(peaks) => {
            label(request, peaks, &out("labels"), progress)?;
            Some(out("labels"))
        }
        None => None,
    };
    let target_regions = labels.clone().unwrap_or_else(|| request.regions.clone());

    let negatives = tfbind_negatives::Params {
        tf: Some(request.target.clone()),
        tfs: None,
        fewest_na: None,
        ..s.negatives.clone()
    };
    let negatives_error = |source| Error::Negatives {
        step: "the target's windows",
        source,
    };
    let stage = NegativesStage::new(target_regions, request.genome.clone(), &[], negatives)
        .map_err(negatives_error)?;
    run(&stage, &out("windows"), request.force, progress).map_err(negatives_error)?;
    let encode_error = |source| Error::Encode {
        step: "the target's dataset",
        source,
    };
    let stage = EncodeStage {
        windows: out("windows"),
        genome: request.genome.clone(),
        params: s.encode.clone(),
    };
    run(&stage, &out("dataset"), request.force, progress).map_err(encode_error)?;

    let (pretrained, choice) = match &request.from {
        Some(model) => (model.clone(), None),
        None => {
            let target = Target {
                name: request.target.clone(),
                labels: labels.clone(),
                datasets: std::iter::once(out("dataset"))
                    .chain(request.test_dataset.clone())
                    .collect(),
            };
            progress.start("choosing the pre-training set", 0);
            let choice = choose_set(&request.regions, &target, &s.transfer.choice(&s.encode))?;
            tracing::info!(
                strategy = %choice.strategy,
                tfs = choice.tfs.join(","),
                why = choice.reason.why,
                "pre-training set"
            );
            // tfbind-pretrain's evaluation batch (100 runs fastest on CPU); a checkpoint in the
            // cache is always the same run's (the runner checks), so it is always resumed.
            let runtime = Runtime {
                eval_batch_size: 100,
                restart: false,
                ..request.runtime
            };
            let cache = PretrainCache::new(&request.cache, runtime);
            let settings = PretrainSettings::new(&s.transfer, &s.negatives, &s.encode, &s.pretrain);
            let model = cache.model_for(
                &choice.tfs,
                &request.regions,
                &request.genome,
                &settings,
                progress,
            )?;
            (model, Some(choice))
        }
    };

    let stage = TransferModelStage {
        finetune: FinetuneStage {
            dataset: out("dataset"),
            pretrained: Some(pretrained.clone()),
            test_dataset: request.test_dataset.clone(),
            params: finetune_params(s),
            runtime: request.runtime,
        },
        choice,
    };
    let model =
        run(&stage, &out("model"), request.force, progress).map_err(|source| Error::Finetune {
            step: "fine-tuning",
            source,
        })?;
    Ok(Report {
        target: request.target.clone(),
        labels,
        dataset: out("dataset"),
        pretrained,
        model,
    })
}

/// `[finetune]`, with `[transfer]`'s patience where it sets none.
fn finetune_params(s: &Settings) -> FinetuneParams {
    let mut params = s.finetune.clone();
    params.train.patience = params.train.patience.or(s.transfer.finetune_patience);
    params
}

/// The target's labels over the regions artifact's own windows: its `windows.bed` as the
/// accessible regions, at their width, so every window is found again unchanged.
fn label(request: &Request, peaks: &Path, out: &Path, progress: &dyn Progress) -> Result<()> {
    let step = "the target's labels";
    let wrap = |source| Error::Peaks { step, source };
    let shared = Artifact::open_unverified(&request.regions)?;
    shared.expect_kind(REGIONS)?;
    let windows_bed = shared.file("windows.bed")?;
    let width = read_windows(&windows_bed)?
        .first()
        .map(|w| w.end - w.start)
        .ok_or_else(|| Error::Usage(format!("{} has no window", request.regions.display())))?;
    let params = BuildParams {
        width,
        genome: Some(request.genome.clone()),
        ..request.settings.peaks.clone()
    };
    params
        .validate()
        .map_err(|m| wrap(tfbind_peaks::Error::Usage(m)))?;
    let stage = PeaksStage::Build {
        inputs: BuildInputs {
            peaks: vec![PeakSource {
                tf: request.target.clone(),
                path: peaks.to_path_buf(),
                origin: "--peaks".into(),
            }],
            genome: request.genome.clone(),
            regions: Some(windows_bed),
            blacklist: None,
        },
        sizes: tfbind_peaks::chrom_sizes(&request.genome).map_err(wrap)?,
        params,
    };
    run(&stage, out, request.force, progress).map_err(wrap)?;
    Ok(())
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.model.up_to_date {
            "is up to date"
        } else {
            "written"
        };
        writeln!(
            f,
            "{}: model {} {state}",
            self.target,
            self.model.out.display()
        )?;
        writeln!(f, "{}", self.model.summary)?;
        write!(
            f,
            "test AUPRC {} (pre-trained model {})",
            fmt_metric(self.model.summary.finetune.test.auprc),
            self.pretrained.display()
        )
    }
}
