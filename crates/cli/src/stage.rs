//! The command-line side of the stage contract ([`tfbind_artifact::stage`]): the flags every
//! artifact-writing stage takes, and the one function its `main` calls.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tfbind_artifact::stage::Stage;

use crate::{Bars, CommonArgs, UsageError};

/// The flags of every stage that writes an artifact.
#[derive(Debug, Clone, Args)]
pub struct StageArgs {
    /// Where to write the artifact: a directory, built beside it and renamed into place. Only an
    /// empty directory or a tfbind artifact of the same kind is ever replaced, never one of the
    /// run's inputs.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Pipeline config file: the stage's [section] sets the options marked [config: …] (the
    /// flag's name with underscores); flags override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Rebuild even if the artifact at --out is up to date (made by this version from the same
    /// inputs and parameters); also lets an artifact of another kind at --out be replaced.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

impl StageArgs {
    /// The stage's settings: defaults, then the config's `[section]`, then the flags given.
    pub fn resolve<T: DeserializeOwned + Serialize + Default>(
        &self,
        section: &str,
        flags: &impl Serialize,
    ) -> Result<T, UsageError> {
        crate::resolve(self.config.as_deref(), section, crate::flags_table(flags))
    }
}

/// A stage binary's whole run: logging and threads from the common flags, the stage made by
/// `make` (which resolves its settings), the stage run through the contract's runner with a
/// progress bar, and its summary printed (JSON with `--json`). Exit status 0, 1 for bad data or
/// a failure, 2 for a usage error (a bad flag or config key, or what the stage calls one, from
/// `make` too).
pub fn run_stage<S>(args: &StageArgs, make: impl FnOnce() -> anyhow::Result<S>) -> ExitCode
where
    S: Stage,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    args.common.init();
    crate::run(|| {
        let stage = make().map_err(|e| match e.downcast_ref::<S::Error>() {
            Some(error) if S::is_usage(error) => UsageError(e.to_string()).into(),
            _ => e,
        })?;
        let bars = Bars::new(&args.common);
        let outcome = tfbind_artifact::stage::run(&stage, &args.out, args.force, &bars);
        bars.finish();
        let outcome = outcome
            .map_err(|e| {
                if S::is_usage(&e) {
                    anyhow::Error::new(UsageError(e.to_string()))
                } else {
                    anyhow::Error::new(e)
                }
            })
            .with_context(|| format!("cannot build {}", args.out.display()))?;
        let out = outcome.out.display();
        let human = if outcome.up_to_date {
            tracing::info!(%out, "up to date: same inputs and parameters");
            format!(
                "{out} is up to date; nothing to do (--force rebuilds it)\n{}",
                outcome.summary
            )
        } else {
            format!("wrote {out}\n{}", outcome.summary)
        };
        args.common.report(&outcome, human);
        Ok(())
    })
}
