//! Per-epoch checkpoints, so that a killed run resumes where it stopped and ends with the same
//! weights as an uninterrupted one.
//!
//! A run's checkpoints live beside its output directory, in `.<out>.checkpoints/`:
//!
//! | file | content |
//! |---|---|
//! | `run.toml` | what the run is (parameters and inputs); checkpoints of another run are discarded |
//! | `epoch-NNNN/state.toml` | [`TrainState`]: epochs done, Adam's step count, the epoch log, the best epoch so far |
//! | `epoch-NNNN/model.safetensors` | every model tensor after epoch NNNN (batch norm statistics included) |
//! | `epoch-NNNN/optimizer.safetensors` | Adam's moments, `exp_avg.<param>` and `exp_avg_sq.<param>` |
//! | `epoch-NNNN/best.safetensors` | the weights of the best epoch so far |
//! | `epoch-NNNN/manifest.toml` | every file above with its size and sha256 (a `checkpoint` artifact) |
//!
//! The random state needs no file: every random stream of epoch e is derived from (seed, e), so
//! the next epoch's number is all of it. An epoch directory is a `checkpoint` artifact: written
//! under a temporary name, its files synced, and renamed, so a kill at any moment leaves either
//! the previous checkpoint or the new one, complete, and a failed write (a full disk) leaves
//! neither a partial directory nor a temporary one; older ones are removed after the rename.
//! A checkpoint is verified against its checksums before training resumes from it: a corrupt or
//! truncated one is refused, with the advice to `--restart`, rather than trained on.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tfbind_artifact::{kinds::CHECKPOINT, Artifact, ArtifactBuilder, AtomicFile};
use tfbind_model::{read_weights, write_weights, Weights};

use crate::error::{Result, TrainError};

const RUN_FILE: &str = "run.toml";
const STATE_FILE: &str = "state.toml";
const MODEL_FILE: &str = "model.safetensors";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";
const BEST_FILE: &str = "best.safetensors";
const EPOCH_PREFIX: &str = "epoch-";

/// One epoch of training, as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EpochLog {
    /// 1-based.
    pub epoch: usize,
    /// Mean loss over the known labels of the training examples, as the weights changed.
    pub train_loss: f64,
    /// Mean loss over the known labels of the validation examples at the end of the epoch.
    pub valid_loss: f64,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
    /// Training examples per second (forward, backward and update).
    pub train_windows_per_s: f64,
}

/// Where training stands after a number of epochs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrainState {
    pub epochs_done: usize,
    pub adam_steps: u64,
    /// The epoch with the lowest validation loss so far (the first of equals).
    pub best_epoch: Option<usize>,
    pub log: Vec<EpochLog>,
}

impl TrainState {
    pub fn best_valid_loss(&self) -> Option<f64> {
        let best = self.best_epoch?;
        self.log
            .iter()
            .find(|e| e.epoch == best)
            .map(|e| e.valid_loss)
    }

    /// Epochs since the best one (0 right after an improvement).
    pub fn epochs_since_best(&self) -> usize {
        self.epochs_done - self.best_epoch.unwrap_or(0)
    }
}

/// A saved checkpoint, read back.
pub(crate) struct Saved {
    pub state: TrainState,
    pub model: Weights,
    pub optimizer: Weights,
    pub best: Weights,
    pub dir: PathBuf,
}

/// The checkpoint directory of one run.
#[derive(Debug)]
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    /// The checkpoint directory for the output `out`, holding checkpoints of the run described
    /// by `identity` (its parameters and inputs). Checkpoints of any other run, or all of them
    /// with `restart`, are removed first.
    pub fn open(out: &Path, identity: &toml::Table, restart: bool) -> Result<Self> {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".to_string());
        let parent = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = parent.join(format!(".{name}.checkpoints"));
        let run_path = dir.join(RUN_FILE);
        let identity_text = toml::to_string(identity).map_err(|e| TrainError::Checkpoint {
            path: run_path.clone(),
            message: e.to_string(),
        })?;
        if dir.exists() {
            let same_run =
                std::fs::read_to_string(&run_path).ok().as_deref() == Some(identity_text.as_str());
            if restart || !same_run {
                if !same_run {
                    tracing::warn!(
                        dir = %dir.display(),
                        "discarding checkpoints of a run with other parameters or inputs"
                    );
                }
                std::fs::remove_dir_all(&dir).map_err(TrainError::io(&dir))?;
            }
        }
        std::fs::create_dir_all(&dir).map_err(TrainError::io(&dir))?;
        if !run_path.exists() {
            AtomicFile::write(&run_path, identity_text)?;
        }
        let checkpoints = Self { dir };
        checkpoints.remove_temporaries();
        Ok(checkpoints)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The most recent checkpoint, if any, verified against its checksums.
    pub(crate) fn latest(&self) -> Result<Option<Saved>> {
        let Some(epoch_dir) = self.epoch_dirs()?.into_iter().max() else {
            return Ok(None);
        };
        let dir = self.dir.join(epoch_dir.1);
        let corrupt = |message: String| TrainError::CorruptCheckpoint {
            dir: dir.clone(),
            message,
        };
        Artifact::open(&dir, CHECKPOINT).map_err(|e| corrupt(e.to_string()))?;
        let state_path = dir.join(STATE_FILE);
        let text = std::fs::read_to_string(&state_path).map_err(|e| corrupt(e.to_string()))?;
        let state: TrainState =
            toml::from_str(&text).map_err(|e| corrupt(format!("{STATE_FILE}: {}", e.message())))?;
        let weights =
            |file: &str| read_weights(&dir.join(file)).map_err(|e| corrupt(e.to_string()));
        Ok(Some(Saved {
            state,
            model: weights(MODEL_FILE)?,
            optimizer: weights(OPTIMIZER_FILE)?,
            best: weights(BEST_FILE)?,
            dir: dir.clone(),
        }))
    }

    /// Writes the checkpoint after `state.epochs_done` epochs atomically, then removes older ones.
    pub(crate) fn save(
        &self,
        state: &TrainState,
        model: &Weights,
        optimizer: &Weights,
        best: &Weights,
    ) -> Result<()> {
        let name = format!("{EPOCH_PREFIX}{:04}", state.epochs_done);
        let target = self.dir.join(&name);
        let failed = |source: TrainError| TrainError::SaveCheckpoint {
            dir: target.clone(),
            source: Box::new(source),
        };
        self.write_epoch(&target, state, model, optimizer, best)
            .map_err(failed)?;
        for (_, old) in self.epoch_dirs()? {
            if old != name {
                let path = self.dir.join(old);
                std::fs::remove_dir_all(&path).map_err(TrainError::io(&path))?;
            }
        }
        Ok(())
    }

    /// One epoch directory, built as an artifact: dropped on any error, the builder removes its
    /// temporary directory.
    fn write_epoch(
        &self,
        target: &Path,
        state: &TrainState,
        model: &Weights,
        optimizer: &Weights,
        best: &Weights,
    ) -> Result<()> {
        if target.exists() {
            std::fs::remove_dir_all(target).map_err(TrainError::io(target))?;
        }
        let builder = ArtifactBuilder::new(target, CHECKPOINT, toml::Table::new(), vec![])?;
        for (file, weights) in [
            (MODEL_FILE, model),
            (OPTIMIZER_FILE, optimizer),
            (BEST_FILE, best),
        ] {
            write_weights(weights, &builder.path(file))?;
        }
        let state_text = toml::to_string(state).map_err(|e| TrainError::Checkpoint {
            path: builder.path(STATE_FILE),
            message: e.to_string(),
        })?;
        AtomicFile::write(builder.path(STATE_FILE), state_text)?;
        builder.commit()?;
        self.remove_temporaries();
        Ok(())
    }

    /// Removes the checkpoints once the run's artifact is written.
    pub fn discard(self) -> Result<()> {
        std::fs::remove_dir_all(&self.dir).map_err(TrainError::io(&self.dir))
    }

    /// Complete epoch directories as (epoch, name).
    fn epoch_dirs(&self) -> Result<Vec<(usize, String)>> {
        let entries = std::fs::read_dir(&self.dir).map_err(TrainError::io(&self.dir))?;
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(TrainError::io(&self.dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(epoch) = name
                .strip_prefix(EPOCH_PREFIX)
                .and_then(|n| n.parse::<usize>().ok())
            {
                found.push((epoch, name));
            }
        }
        Ok(found)
    }

    /// Temporary files and epoch directories left by a killed process (one that failed removed
    /// its own).
    fn remove_temporaries(&self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.contains(".tmp-") {
                let _ = std::fs::remove_dir_all(entry.path())
                    .or_else(|_| std::fs::remove_file(entry.path()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Tensor;

    fn weights(value: f32) -> Weights {
        let mut w = Weights::new();
        w.insert("a".into(), Tensor::from_slice(&[value, value]));
        w
    }

    fn identity(lr: f64) -> toml::Table {
        let mut t = toml::Table::new();
        t.insert("learning_rate".into(), toml::Value::Float(lr));
        t
    }

    #[test]
    fn keeps_only_the_latest_and_reads_it_back() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("model");
        let c = Checkpoints::open(&out, &identity(0.1), false).unwrap();
        assert!(c.latest().unwrap().is_none());
        for epoch in 1..=3 {
            let state = TrainState {
                epochs_done: epoch,
                adam_steps: 10 * epoch as u64,
                best_epoch: Some(1),
                log: vec![],
            };
            c.save(&state, &weights(epoch as f32), &weights(0.5), &weights(1.0))
                .unwrap();
        }
        let saved = c.latest().unwrap().unwrap();
        assert_eq!(saved.state.epochs_done, 3);
        assert_eq!(saved.state.adam_steps, 30);
        assert!(saved.model["a"].equal(&Tensor::from_slice(&[3.0f32, 3.0])));
        let dirs: Vec<_> = std::fs::read_dir(c.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(dirs.len(), 2, "{dirs:?}");

        // The same run finds it again; another run, or a restart, starts clean.
        let again = Checkpoints::open(&out, &identity(0.1), false).unwrap();
        assert_eq!(again.latest().unwrap().unwrap().state.epochs_done, 3);
        let other = Checkpoints::open(&out, &identity(0.2), false).unwrap();
        assert!(other.latest().unwrap().is_none());
        other
            .save(
                &TrainState::default(),
                &weights(1.0),
                &weights(1.0),
                &weights(1.0),
            )
            .unwrap();
        let restarted = Checkpoints::open(&out, &identity(0.2), true).unwrap();
        assert!(restarted.latest().unwrap().is_none());
        restarted.discard().unwrap();
        assert!(!tmp.path().join(".model.checkpoints").exists());
    }

    #[test]
    fn an_unfinished_epoch_directory_is_ignored_and_cleaned() {
        let tmp = tempfile::tempdir().unwrap();
        let c = Checkpoints::open(&tmp.path().join("m"), &identity(0.1), false).unwrap();
        let state = TrainState {
            epochs_done: 1,
            ..Default::default()
        };
        c.save(&state, &weights(1.0), &weights(1.0), &weights(1.0))
            .unwrap();
        // What a kill during the next save leaves behind.
        let stale = c.dir().join(".epoch-0002.tmp-999999999");
        std::fs::create_dir(&stale).unwrap();
        assert_eq!(c.latest().unwrap().unwrap().state.epochs_done, 1);
        // A rerun removes it first thing.
        Checkpoints::open(&tmp.path().join("m"), &identity(0.1), false).unwrap();
        assert!(!stale.exists());
        std::fs::create_dir(&stale).unwrap();
        let state = TrainState {
            epochs_done: 2,
            ..Default::default()
        };
        c.save(&state, &weights(2.0), &weights(1.0), &weights(1.0))
            .unwrap();
        assert!(!stale.exists());
    }

    /// A checkpoint after one epoch, and the path of one of its files.
    fn saved_epoch(tmp: &Path, file: &str) -> (Checkpoints, PathBuf) {
        let c = Checkpoints::open(&tmp.join("m"), &identity(0.1), false).unwrap();
        let state = TrainState {
            epochs_done: 1,
            ..Default::default()
        };
        c.save(&state, &weights(1.0), &weights(2.0), &weights(3.0))
            .unwrap();
        let path = c.dir().join("epoch-0001").join(file);
        (c, path)
    }

    fn refused(c: &Checkpoints, needle: &str) {
        let e = c.latest().err().expect("a corrupt checkpoint is refused");
        assert!(matches!(e, TrainError::CorruptCheckpoint { .. }), "{e}");
        let message = e.to_string();
        assert!(message.contains("epoch-0001"), "{message}");
        assert!(message.contains("--restart"), "{message}");
        assert!(message.contains(needle), "{message}");
    }

    #[test]
    fn a_truncated_checkpoint_is_refused_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (c, path) = saved_epoch(tmp.path(), MODEL_FILE);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        refused(&c, MODEL_FILE);
        // The advice works: a restart discards it.
        let restarted = Checkpoints::open(&tmp.path().join("m"), &identity(0.1), true).unwrap();
        assert!(restarted.latest().unwrap().is_none());
    }

    #[test]
    fn a_bit_flipped_checkpoint_is_refused_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let (c, path) = saved_epoch(tmp.path(), OPTIMIZER_FILE);
        let mut bytes = std::fs::read(&path).unwrap();
        // A bit of the last float: the file still parses, with another value.
        *bytes.last_mut().unwrap() ^= 0x01;
        std::fs::write(&path, &bytes).unwrap();
        assert!(read_weights(&path).is_ok());
        refused(&c, "sha256");

        let (c, path) = saved_epoch(&tmp.path().join("2"), STATE_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("epochs_done = 1", "epochs_done = 7")).unwrap();
        refused(&c, STATE_FILE);

        let (c, path) = saved_epoch(&tmp.path().join("3"), BEST_FILE);
        std::fs::remove_file(&path).unwrap();
        refused(&c, BEST_FILE);
    }

    #[test]
    fn losses_round_trip_exactly() {
        let state = TrainState {
            epochs_done: 1,
            adam_steps: 3,
            best_epoch: Some(1),
            log: vec![EpochLog {
                epoch: 1,
                train_loss: 0.1 + 0.2,
                valid_loss: 1.0 / 3.0,
                seconds: 1.5,
                train_windows_per_s: 2000.0,
            }],
        };
        let back: TrainState = toml::from_str(&toml::to_string(&state).unwrap()).unwrap();
        assert_eq!(back, state);
        assert_eq!(
            back.best_valid_loss().unwrap().to_bits(),
            (1.0f64 / 3.0).to_bits()
        );
    }
}
