use indicatif::{ProgressBar, ProgressStyle};

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
