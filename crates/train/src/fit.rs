//! The training loop: epochs of shuffled batches, validation, best-epoch selection, early stop,
//! and a checkpoint after every epoch.

use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::Device;
use tfbind_dataset::{Dataset, Split};
use tfbind_model::{Model, ModelSpec, Weights};

use crate::adam::Adam;
use crate::batch::{examples, masked_bce_sum, BatchBuilder, Example};
use crate::checkpoint::{Checkpoints, EpochLog, TrainState};
use crate::error::{Result, TrainError};
use crate::options::{derive_seed, torch_seed, SeedUse, TrainOptions};

/// What training reports as it goes, for progress bars and logs.
#[derive(Debug)]
pub enum FitEvent<'a> {
    /// Training continues from a checkpoint after this many epochs.
    Resumed {
        epochs_done: usize,
    },
    EpochStarted {
        epoch: usize,
        epochs: usize,
        examples: usize,
    },
    /// A batch was trained; `loss` is its mean loss over known labels.
    Batch {
        examples_done: usize,
        loss: f64,
    },
    Validating {
        examples: usize,
    },
    EpochFinished {
        log: &'a EpochLog,
        improved: bool,
    },
}

/// The result of [`fit`]; the model holds the best epoch's weights.
#[derive(Debug, Clone)]
pub struct FitOutcome {
    pub state: TrainState,
    /// Training stopped before `epochs` because of `patience`.
    pub stopped_early: bool,
    /// Training resumed from a checkpoint after this many epochs.
    pub resumed_after: Option<usize>,
}

impl FitOutcome {
    /// The kept epoch (lowest validation loss).
    pub fn best_epoch(&self) -> usize {
        self.state
            .best_epoch
            .expect("fit trains at least one epoch")
    }
}

/// A new model for `spec` with initial weights derived from `seed` (the same seed gives the same
/// weights on CPU).
pub fn init_model(spec: &ModelSpec, device: Device, seed: u64) -> Result<Model> {
    tch::manual_seed(torch_seed(derive_seed(seed, SeedUse::Init, 0)));
    Ok(Model::new(spec, device)?)
}

/// Checks that a dataset fits a model: window length and number of tasks.
pub fn check_compatible(model: &Model, data: &Dataset) -> Result<()> {
    let spec = model.spec();
    if data.seq_len != spec.window_len {
        return Err(TrainError::WindowLength {
            dataset: data.seq_len,
            model: spec.window_len,
        });
    }
    if data.labels.n_cols() != spec.n_tasks {
        return Err(TrainError::TaskCount {
            dataset: data.labels.n_cols(),
            model: spec.n_tasks,
        });
    }
    Ok(())
}

/// Trains `model` on the dataset's train split, choosing the epoch with the lowest validation
/// loss, and leaves those weights in the model. With `checkpoints`, resumes from the latest one
/// and writes one after every epoch.
///
/// The loss is binary cross-entropy with logits averaged over known labels (NA is masked out):
/// per batch for the gradient, over the whole split for the logged train and validation losses.
pub fn fit(
    model: &mut Model,
    data: &Dataset,
    options: &TrainOptions,
    checkpoints: Option<&Checkpoints>,
    eval_batch_size: usize,
    observer: &mut dyn FnMut(FitEvent),
) -> Result<FitOutcome> {
    options.validate()?;
    check_compatible(model, data)?;
    let train = examples(&data.indices(Split::Train), options.rc_augment);
    let valid = examples(&data.indices(Split::Valid), options.rc_augment);
    for (split, set) in [(Split::Train, &train), (Split::Valid, &valid)] {
        if set.is_empty() {
            return Err(TrainError::EmptySplit {
                split: split.name(),
            });
        }
    }

    let mut adam = Adam::new(model.trainable_parameters(), options.learning_rate);
    let mut state = TrainState::default();
    // The best epoch's weights: from the checkpoint, else from the first epoch (which always
    // improves on nothing).
    let mut best: Option<Weights> = None;
    let mut resumed_after = None;
    if let Some(saved) = checkpoints.map(|c| c.latest()).transpose()?.flatten() {
        model.set_weights(&saved.model, &saved.dir)?;
        adam.restore(&saved.optimizer, saved.state.adam_steps, &saved.dir)?;
        best = Some(saved.best);
        state = saved.state;
        resumed_after = Some(state.epochs_done);
        tracing::info!(
            epochs_done = state.epochs_done,
            dir = %saved.dir.display(),
            "resuming from checkpoint"
        );
        observer(FitEvent::Resumed {
            epochs_done: state.epochs_done,
        });
    }

    let device = model.device();
    let mut batches = BatchBuilder::new(data, device);
    let mut order: Vec<Example> = train.clone();
    let mut stopped_early = false;
    for epoch in state.epochs_done + 1..=options.epochs {
        if options
            .patience
            .is_some_and(|p| state.epochs_since_best() >= p)
        {
            stopped_early = true;
            break;
        }
        let started = Instant::now();
        observer(FitEvent::EpochStarted {
            epoch,
            epochs: options.epochs,
            examples: order.len(),
        });
        // Both streams depend only on (seed, epoch): see `derive_seed`.
        order.clone_from(&train);
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(derive_seed(
            options.seed,
            SeedUse::Shuffle,
            epoch as u64,
        )));
        tch::manual_seed(torch_seed(derive_seed(
            options.seed,
            SeedUse::Dropout,
            epoch as u64,
        )));

        let (mut loss_sum, mut labelled, mut done) = (0.0f64, 0usize, 0usize);
        for chunk in order.chunks(options.batch_size) {
            let batch = batches.build(chunk);
            let logits = model.forward_t(&batch.codes, true)?;
            let sum = masked_bce_sum(&logits, &batch.targets, &batch.mask);
            let loss = &sum / batch.labelled.max(1) as f64;
            adam.zero_grad();
            loss.backward();
            adam.step();
            let batch_sum = f64::try_from(&sum).map_err(TrainError::torch("reading the loss"))?;
            if !batch_sum.is_finite() {
                return Err(TrainError::Diverged {
                    epoch,
                    value: batch_sum,
                });
            }
            loss_sum += batch_sum;
            labelled += batch.labelled;
            done += chunk.len();
            observer(FitEvent::Batch {
                examples_done: done,
                loss: batch_sum / batch.labelled.max(1) as f64,
            });
        }
        let train_seconds = started.elapsed().as_secs_f64();

        observer(FitEvent::Validating {
            examples: valid.len(),
        });
        let valid_loss = mean_loss(model, &mut batches, &valid, Split::Valid, eval_batch_size)?;
        let improved = state.best_valid_loss().is_none_or(|b| valid_loss < b);
        if improved {
            state.best_epoch = Some(epoch);
            best = Some(model.snapshot());
        }
        state.epochs_done = epoch;
        state.adam_steps = adam.steps();
        state.log.push(EpochLog {
            epoch,
            train_loss: loss_sum / labelled.max(1) as f64,
            valid_loss,
            seconds: started.elapsed().as_secs_f64(),
            train_windows_per_s: order.len() as f64 / train_seconds,
        });
        let log = state.log.last().expect("just pushed");
        tracing::info!(
            epoch,
            train_loss = format!("{:.5}", log.train_loss),
            valid_loss = format!("{:.5}", log.valid_loss),
            windows_per_s = format!("{:.0}", log.train_windows_per_s),
            improved,
            "epoch done"
        );
        observer(FitEvent::EpochFinished { log, improved });
        if let Some(c) = checkpoints {
            let best = best.as_ref().expect("set when the first epoch finished");
            c.save(&state, &model.tensors(), &adam.state(), best)?;
        }
    }
    if !stopped_early {
        // A run resumed after its last epoch stopped early if patience ran out there.
        stopped_early = state.epochs_done < options.epochs;
    }
    let best = best.expect("fit trains at least one epoch or resumes after one");
    model.set_weights(&best, std::path::Path::new("the best epoch's weights"))?;
    Ok(FitOutcome {
        state,
        stopped_early,
        resumed_after,
    })
}

/// The mean masked loss of a model over one split in evaluation mode, as [`fit`] computes the
/// validation loss (`both_strands` as its `rc_augment`).
pub fn loss_on(
    model: &Model,
    data: &Dataset,
    split: Split,
    both_strands: bool,
    batch_size: usize,
) -> Result<f64> {
    check_compatible(model, data)?;
    let examples = examples(&data.indices(split), both_strands);
    mean_loss(
        model,
        &mut BatchBuilder::new(data, model.device()),
        &examples,
        split,
        batch_size,
    )
}

/// Mean masked loss over examples, in evaluation mode.
fn mean_loss(
    model: &Model,
    batches: &mut BatchBuilder,
    examples: &[Example],
    split: Split,
    batch_size: usize,
) -> Result<f64> {
    let _no_grad = tch::no_grad_guard();
    let (mut sum, mut labelled) = (0.0, 0usize);
    for chunk in examples.chunks(batch_size.max(1)) {
        let batch = batches.build(chunk);
        let logits = model.forward_t(&batch.codes, false)?;
        let s = masked_bce_sum(&logits, &batch.targets, &batch.mask);
        sum += f64::try_from(&s).map_err(TrainError::torch("reading the loss"))?;
        labelled += batch.labelled;
    }
    if labelled == 0 {
        return Err(TrainError::NoLabels {
            split: split.name(),
        });
    }
    Ok(sum / labelled as f64)
}
