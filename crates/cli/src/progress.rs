use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tfbind_artifact::stage::Progress;

use crate::CommonArgs;

/// A progress bar over `len` items on stderr; hidden with `--quiet`/`--json` (and by indicatif when
/// stderr is not a terminal, as in Slurm and Make logs, where tracing's lines say the same).
pub fn bar(common: &CommonArgs, len: u64, message: impl Into<String>) -> ProgressBar {
    if !common.show_progress() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(
        "{msg:>12} [{bar:30}] {human_pos}/{human_len} {per_sec} eta {eta} {prefix}",
    )
    .expect("the template is valid")
    .progress_chars("=> ");
    ProgressBar::new(len)
        .with_style(style)
        .with_message(message.into())
}

/// A spinner for work of unknown length.
pub fn spinner(common: &CommonArgs, message: impl Into<String>) -> ProgressBar {
    if !common.show_progress() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_message(message.into());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A stage's progress ([`tfbind_artifact::stage::Progress`]) as one bar reused by its steps; each
/// step's time is logged too, for Slurm and Make logs where the bar is hidden.
pub struct Bars {
    bar: ProgressBar,
    current: Mutex<Option<(String, Instant)>>,
}

impl Bars {
    pub fn new(common: &CommonArgs) -> Self {
        Self {
            bar: bar(common, 0, ""),
            current: Mutex::new(None),
        }
    }

    fn end_step(&self) {
        if let Some((step, started)) = self.current.lock().expect("not poisoned").take() {
            tracing::info!(
                step,
                seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
                "done"
            );
        }
    }

    /// Ends the last step and clears the bar.
    pub fn finish(&self) {
        self.end_step();
        self.bar.finish_and_clear();
    }
}

impl Progress for Bars {
    fn start(&self, step: &str, total: u64) {
        self.end_step();
        *self.current.lock().expect("not poisoned") = Some((step.to_string(), Instant::now()));
        self.bar.set_message(step.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}
