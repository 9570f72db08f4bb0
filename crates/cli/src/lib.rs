//! What every tfbind binary shares: common flags, logging, exit codes, configuration sections and
//! progress bars. Binaries stay thin: parse arguments, call a library, report through this crate.

mod choice;
mod config;
mod progress;
mod stage;

pub use choice::{choice, variants};
pub use config::{flags_table, resolve, valid_keys, SECTIONS};
pub use progress::{bar, spinner, Bars};
pub use stage::{run_stage, StageArgs};
/// Binaries take their shared utilities from this crate; the atomic-file helper itself lives with
/// the artifacts, whose files it also writes.
pub use tfbind_artifact::AtomicFile;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

/// Flags shared by every stage binary.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// More log output on stderr (-v debug, -vv trace); RUST_LOG overrides it.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Only warnings and errors on stderr, and no progress bars.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print a machine-readable JSON summary on stdout instead of the human one.
    #[arg(long, global = true)]
    pub json: bool,
    /// Worker threads, at least 1 [default: $SLURM_CPUS_PER_TASK, else all cores].
    #[arg(long, value_name = "N", global = true, value_parser = at_least_one)]
    pub threads: Option<usize>,
}

impl CommonArgs {
    /// The thread count to use: the flag, else what Slurm allotted, else every core.
    pub fn threads(&self) -> usize {
        self.threads
            .or_else(|| {
                std::env::var("SLURM_CPUS_PER_TASK")
                    .ok()
                    .and_then(|v| v.parse().ok())
            })
            .filter(|&n| n > 0)
            .unwrap_or_else(|| {
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(1)
            })
    }

    /// Whether progress bars should be drawn.
    pub fn show_progress(&self) -> bool {
        !self.quiet && !self.json
    }

    /// Sets up logging to stderr, the rayon thread pool and the allocator. Call once, first
    /// thing in `main`.
    pub fn init(&self) {
        keep_freed_memory();
        let default = match (self.quiet, self.verbose) {
            (true, _) => "warn",
            (false, 0) => "info",
            (false, 1) => "debug",
            (false, _) => "trace",
        };
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_target(false)
            // Colour codes would litter Make and Slurm logs.
            .with_ansi(std::io::stderr().is_terminal())
            .try_init();
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(self.threads())
            .build_global();
    }

    /// Prints the stage's summary: JSON with `--json`, else the human text. A reader that
    /// closed stdout early (`| head`) ends the output, not the run.
    pub fn report<T: Serialize>(&self, summary: &T, human: impl std::fmt::Display) {
        let text = if self.json {
            match serde_json::to_string_pretty(summary) {
                Ok(text) => text,
                Err(e) => {
                    tracing::error!("cannot serialize the summary: {e}");
                    return;
                }
            }
        } else {
            human.to_string().trim_end().to_string()
        };
        if !text.is_empty() {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    tracing::warn!("cannot write the summary to stdout: {e}");
                }
            }
        }
    }
}

/// `--threads 0` would silently mean every core (and override Slurm's allotment): refused.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// The error and its causes joined by `: `, leaving out a cause that its parent's message already
/// quotes (typed errors often print their source and also expose it as `source()`).
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
    }
    line
}

/// An error in how the binary was called (exit code 2), as opposed to bad data (exit code 1).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs a binary's body and turns its outcome into the exit code: 0 success, 2 [`UsageError`],
/// 1 anything else. The error and its causes are printed as one line on stderr.
pub fn run(body: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match body() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.downcast_ref::<UsageError>().is_some() {
                2
            } else {
                1
            };
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(code)
        }
    }
}

/// Keeps freed memory in the process instead of returning it to the kernel.
///
/// Training and inference allocate and free the same multi-megabyte activations every batch.
/// glibc serves large blocks with fresh mappings (unmapped again on free) and trims the heap top
/// on free, so every batch page-faults its activations in again. Measured here on an idle
/// machine, inference ran 1.2x (batch 100) to 2x (batch 1,000) faster with both off, for a
/// slightly higher peak (batch-1,000 inference 468 → 528 MB, training 311 → 315 MB): freed
/// blocks are reused by the process instead of handed back before it ends.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters (under glibc's own lock).
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{path}: {source}")]
    struct Quoting {
        path: String,
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn one_line_drops_causes_already_quoted() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        let e = anyhow::Error::new(Quoting {
            path: "peaks.bed".into(),
            source: io,
        })
        .context("cannot read peaks");
        assert_eq!(one_line(&e), "cannot read peaks: peaks.bed: No such file");
    }
}
