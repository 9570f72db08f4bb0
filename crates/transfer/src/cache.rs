//! Small pre-trained models kept by TF set, so that targets whose choices repeat share one
//! pre-training, also when Slurm array tasks ask for the same set at the same time.
//!
//! An entry is the directory `<cache>/<key>`, `key` the first 16 hex digits of the sha256 of
//! `key.toml` (kept in the entry): the sorted TF set, the regions artifact's content checksum,
//! every recorded parameter of the multi-task windows, the subsample, the dataset and the
//! pre-training, the manifest checksum of the model it starts from (if any), and this tool's
//! version. Inside, one artifact per step (`windows/`,
//! `sample/`, `dataset/`, `model/`), each built by the stage runner: a rerun reuses what is up to
//! date, a killed pre-training resumes from its checkpoint, and nothing half-written is ever
//! taken for done. One process at a time works in an entry: an exclusive `flock` on
//! `<entry>/lock`, which the kernel releases when its holder dies, so a killed build never
//! leaves the entry locked. The others wait, then find the model up to date.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tfbind_artifact::stage::{run, Progress};
use tfbind_artifact::{sha256_bytes, Artifact, AtomicFile};
use tfbind_dataset::REGIONS;
use tfbind_encode::{EncodeParams, EncodeStage};
use tfbind_negatives::NegativesStage;
use tfbind_pretrain::{PretrainParams, PretrainStage};
use tfbind_train::stage::Runtime;

use crate::subsample::SubsampleStage;
use crate::{Error, Result, TransferParams};

/// The file of an entry that says what it was built for.
pub const KEY_FILE: &str = "key.toml";

/// How the small model of a set is made; all of it but nothing else is in the cache key.
#[derive(Debug, Clone, PartialEq)]
pub struct PretrainSettings {
    /// `[negatives]`: its multi-task keys (`max_n_fraction`, `seed`); the task is the set.
    pub negatives: tfbind_negatives::Params,
    /// At most this many windows (0: all), see [`TransferParams::pretrain_windows`].
    pub max_windows: usize,
    /// `[encode]`, the genome aside: the same split as the target's dataset, so the target's
    /// test windows are test windows of pre-training too.
    pub encode: EncodeParams,
    /// `[pretrain]` with the epochs, patience and strands of `[transfer]`.
    pub pretrain: PretrainParams,
    /// The model whose weights the pre-training starts from ([`TransferParams::pretrain_init`]).
    pub init: Option<PathBuf>,
}

impl PretrainSettings {
    /// The small pre-training from the pipeline's sections.
    pub fn new(
        transfer: &TransferParams,
        negatives: &tfbind_negatives::Params,
        encode: &EncodeParams,
        pretrain: &PretrainParams,
    ) -> Self {
        let negatives = tfbind_negatives::Params {
            tf: None,
            tfs: None,
            fewest_na: None,
            max_positives: None,
            ..negatives.clone()
        };
        let mut pretrain = pretrain.clone();
        pretrain.train.epochs = Some(transfer.pretrain_epochs);
        pretrain.train.patience = transfer.pretrain_patience;
        pretrain.train.rc_augment = Some(transfer.pretrain_rc_augment);
        Self {
            negatives,
            max_windows: transfer.pretrain_windows,
            encode: EncodeParams {
                genome: None,
                ..encode.clone()
            },
            pretrain,
            init: transfer.pretrain_init.clone(),
        }
    }
}

/// The cache directory of small pre-trained models.
#[derive(Debug, Clone)]
pub struct PretrainCache {
    pub dir: PathBuf,
    /// How pre-training runs (device, evaluation batch): not part of the key.
    pub runtime: Runtime,
}

#[derive(Serialize)]
struct Key<'a> {
    version: &'a str,
    tfs: &'a [String],
    regions_content_sha256: &'a str,
    negatives: toml::Table,
    max_windows: usize,
    encode: toml::Table,
    pretrain: toml::Table,
    /// The manifest checksum of the model started from: the same weights wherever it lies.
    /// Absent from the keys of models started from random weights, which stay as they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    init_manifest_sha256: Option<String>,
}

impl PretrainCache {
    pub fn new(dir: impl Into<PathBuf>, runtime: Runtime) -> Self {
        Self {
            dir: dir.into(),
            runtime,
        }
    }

    /// The entry directory of a set and the text of its key.
    pub fn entry(
        &self,
        set: &[String],
        regions: &Path,
        params: &PretrainSettings,
    ) -> Result<(PathBuf, String)> {
        let mut tfs = set.to_vec();
        tfs.sort();
        tfs.dedup();
        if tfs.is_empty() {
            return Err(Error::Usage("the pre-training set is empty".into()));
        }
        let regions = Artifact::open_unverified(regions)?;
        regions.expect_kind(REGIONS)?;
        let (pretrain, _) = params
            .pretrain
            .resolve()
            .map_err(|source| Error::Pretrain {
                step: "pre-training settings",
                source,
            })?;
        let key = Key {
            version: env!("CARGO_PKG_VERSION"),
            tfs: &tfs,
            regions_content_sha256: regions.content_sha256(),
            negatives: tfbind_artifact::to_table(&params.negatives)?,
            max_windows: params.max_windows,
            encode: params.encode.recorded().map_err(|source| Error::Encode {
                step: "pre-training settings",
                source,
            })?,
            pretrain: tfbind_artifact::to_table(&pretrain)?,
            init_manifest_sha256: match &params.init {
                Some(init) => {
                    let model = Artifact::open_unverified(init)?;
                    model.expect_kind(tfbind_model::artifact::KIND)?;
                    Some(model.manifest_sha256().to_string())
                }
                None => None,
            },
        };
        let text = toml::to_string(&key).expect("the key is plain TOML");
        let hash = sha256_bytes(text.as_bytes());
        Ok((self.dir.join(&hash[..16]), text))
    }

    /// The small model pre-trained on `set` (in any order): built in the cache on first use,
    /// else the one already there. Waits while another process builds the same entry.
    pub fn model_for(
        &self,
        set: &[String],
        regions: &Path,
        genome: &Path,
        params: &PretrainSettings,
        progress: &dyn Progress,
    ) -> Result<PathBuf> {
        let (entry, key) = self.entry(set, regions, params)?;
        std::fs::create_dir_all(&entry).map_err(|source| Error::Lock {
            path: entry.clone(),
            source,
        })?;
        let _lock = Lock::exclusive(&entry.join("lock"), progress)?;
        let mut tfs = set.to_vec();
        tfs.sort();
        tfs.dedup();
        if !entry.join(KEY_FILE).is_file() {
            AtomicFile::write(entry.join(KEY_FILE), &key)?;
        }
        let windows = entry.join("windows");
        let negatives = tfbind_negatives::Params {
            tfs: Some(tfs),
            ..params.negatives.clone()
        };
        let stage =
            NegativesStage::new(regions.to_path_buf(), genome.to_path_buf(), &[], negatives)
                .map_err(negatives_error)?;
        run(&stage, &windows, false, progress).map_err(negatives_error)?;
        let windows = if params.max_windows > 0 {
            let sample = entry.join("sample");
            let stage = SubsampleStage {
                windows,
                max_windows: params.max_windows,
                seed: params.negatives.seed,
            };
            run(&stage, &sample, false, progress)?;
            sample
        } else {
            windows
        };
        let dataset = entry.join("dataset");
        let stage = EncodeStage {
            windows,
            genome: genome.to_path_buf(),
            params: params.encode.clone(),
        };
        run(&stage, &dataset, false, progress).map_err(|source| Error::Encode {
            step: "pre-training dataset",
            source,
        })?;
        let model = entry.join("model");
        let stage = PretrainStage {
            dataset,
            init: params.init.clone(),
            params: params.pretrain.clone(),
            runtime: self.runtime,
        };
        run(&stage, &model, false, progress).map_err(|source| Error::Pretrain {
            step: "pre-training",
            source,
        })?;
        Ok(model)
    }
}

fn negatives_error(source: tfbind_negatives::Error) -> Error {
    Error::Negatives {
        step: "pre-training windows",
        source,
    }
}

/// An exclusive `flock`, held while the file stays open: dropping it closes the file, which
/// releases the lock.
struct Lock {
    _file: File,
}

impl Lock {
    fn exclusive(path: &Path, progress: &dyn Progress) -> Result<Self> {
        let error = |source| Error::Lock {
            path: path.to_path_buf(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(error)?;
        if !try_flock(&file, libc::LOCK_EX | libc::LOCK_NB).map_err(error)? {
            tracing::info!(entry = %path.display(), "another process is building this pre-training set: waiting for it");
            progress.start("waiting for the set's pre-training", 0);
            try_flock(&file, libc::LOCK_EX).map_err(error)?;
        }
        Ok(Self { _file: file })
    }
}

/// `flock`, retried when a signal interrupts it; false when it would block.
fn try_flock(file: &File, operation: i32) -> std::io::Result<bool> {
    loop {
        // SAFETY: flock takes a descriptor this File owns for the whole call.
        if unsafe { libc::flock(file.as_raw_fd(), operation) } == 0 {
            return Ok(true);
        }
        let e = std::io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(e),
        }
    }
}
