//! The training loop on a small real dataset: it learns, keeps the best epoch, stops on patience,
//! and is reproducible from its seed.

mod common;

use tfbind_dataset::Split;
use tfbind_model::{Architecture, Device, ModelSpec};
use tfbind_train::{evaluate, fit, init_model, loss_on, FitEvent, TrainOptions};

fn options(epochs: usize, patience: Option<usize>) -> TrainOptions {
    TrainOptions {
        epochs,
        patience,
        rc_augment: true,
        ..TrainOptions::pretraining()
    }
}

#[test]
fn keeps_the_best_epoch_stops_on_patience_and_repeats_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::example_dataset(&dir.path().join("data"), &["MAX", "JUND", "NRF1"], 25);
    tfbind_model::set_threads(2);
    let spec = ModelSpec::new(Architecture::ConvNetShallow, 200, 3).unwrap();

    let mut model = init_model(&spec, Device::Cpu, 3).unwrap();
    let mut batches = 0;
    let mut finished = Vec::new();
    let outcome = fit(
        &mut model,
        &data,
        &options(4, None),
        None,
        1000,
        &mut |p| match p {
            FitEvent::Batch { .. } => batches += 1,
            FitEvent::EpochFinished { log, improved } => finished.push((log.epoch, improved)),
            _ => {}
        },
    )
    .unwrap();
    let log = &outcome.state.log;
    assert_eq!(log.len(), 4);
    let train_examples = 2 * data.indices(Split::Train).len();
    assert_eq!(batches, 4 * train_examples.div_ceil(100));
    assert!(log[3].train_loss < log[0].train_loss, "{log:?}");
    // The kept epoch is the first with the lowest validation loss, and the model holds exactly
    // its weights: recomputing the validation loss gives the logged value.
    let best = log
        .iter()
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss))
        .unwrap();
    assert_eq!(outcome.best_epoch(), best.epoch);
    assert_eq!(finished[0], (1, true));
    let recomputed = loss_on(&model, &data, Split::Valid, true, 1000).unwrap();
    assert_eq!(recomputed, best.valid_loss);

    // Same seed, same weights; evaluation covers every task.
    let mut twin = init_model(&spec, Device::Cpu, 3).unwrap();
    let twin_outcome = fit(&mut twin, &data, &options(4, None), None, 1000, &mut |_| {}).unwrap();
    assert_eq!(twin_outcome.state.log, {
        let mut l = outcome.state.log.clone();
        for (a, b) in l.iter_mut().zip(&twin_outcome.state.log) {
            a.seconds = b.seconds;
            a.train_windows_per_s = b.train_windows_per_s;
        }
        l
    });
    let metrics = evaluate(&twin, &data, Split::Test, 1000).unwrap();
    assert_eq!(metrics.len(), 3);
    assert!(metrics
        .iter()
        .all(|m| m.metrics.positives > 0 && m.metrics.auroc.is_some()));

    // Patience 1 stops right after the first epoch that does not improve.
    let mut patient = init_model(&spec, Device::Cpu, 4).unwrap();
    let o = fit(
        &mut patient,
        &data,
        &TrainOptions {
            learning_rate: 0.03,
            ..options(8, Some(1))
        },
        None,
        1000,
        &mut |_| {},
    )
    .unwrap();
    let done = o.state.epochs_done;
    if o.stopped_early {
        assert_eq!(done, o.best_epoch() + 1, "{:?}", o.state.log);
    } else {
        assert_eq!(done, 8);
    }
}
