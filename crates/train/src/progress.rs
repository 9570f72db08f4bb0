//! Training progress for the stage binaries: a bar per epoch with the running loss, and a line
//! per finished epoch. The binaries make the bar (`tfbind_cli::bar`, hidden under --quiet/--json
//! and off a terminal, where tracing's "epoch done" lines say the same).

use indicatif::ProgressBar;

use crate::fit::Progress;

/// An observer for [`fit`](crate::fit) and [`train_and_write`](crate::train_and_write) that
/// draws on `bar`.
pub fn bar_observer(bar: &ProgressBar) -> impl FnMut(Progress) + '_ {
    let mut running = (0.0f64, 0usize);
    move |p| match p {
        Progress::Resumed { epochs_done } => {
            bar.println(format!("resuming after epoch {epochs_done}"));
        }
        Progress::EpochStarted {
            epoch,
            epochs,
            examples,
        } => {
            running = (0.0, 0);
            bar.reset();
            bar.set_length(examples as u64);
            bar.set_message(format!("epoch {epoch}/{epochs}"));
        }
        Progress::Batch {
            examples_done,
            loss,
        } => {
            running = (running.0 + loss, running.1 + 1);
            bar.set_position(examples_done as u64);
            bar.set_prefix(format!("loss {:.4}", running.0 / running.1 as f64));
        }
        Progress::Validating { .. } => bar.set_message("validating"),
        Progress::EpochFinished { log, improved } => bar.println(format!(
            "epoch {:>3}  train loss {:.5}  valid loss {:.5}{}  {:.0} windows/s  {:.1} s",
            log.epoch,
            log.train_loss,
            log.valid_loss,
            if improved { " *" } else { "  " },
            log.train_windows_per_s,
            log.seconds
        )),
    }
}
