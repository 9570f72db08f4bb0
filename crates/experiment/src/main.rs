//! tfbind-experiment: the transfer-learning experiment from a TOML config (run, plan, summarise).

mod cli;
mod process;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;
use tfbind_cli::{Bars, UsageError};
use tfbind_experiment::{Config, Error, Experiment};

use cli::{Cli, Command, InterpretArgs, RunArgs};

fn main() -> ExitCode {
    process::passive_openmp();
    let cli = Cli::parse();
    process::quiet_stages(cli.common.verbose);
    tfbind_cli::run(|| {
        let (Command::Run(RunArgs { paths: p, .. })
        | Command::Plan(p)
        | Command::Summarise(p)
        | Command::Interpret(InterpretArgs { paths: p, .. })) = &cli.command;
        let mut config = Config::read(&p.config).map_err(typed)?;
        config.override_paths(p.bundle.as_deref(), p.work.as_deref(), p.out.as_deref());
        let mut common = cli.common.clone();
        common.threads = common.threads.or(config.experiment.threads);
        common.init();
        tfbind_model::set_threads(common.threads());
        let (work, out) = (config.work().map_err(typed)?, config.out().map_err(typed)?);
        let invocation = std::env::args()
            .skip(1)
            .fold("tfbind-experiment".into(), |s: String, a| s + " " + &a);
        let bars = Bars::new(&common);
        let experiment = Experiment::new(&config, work, &bars);
        let summarise = || {
            tfbind_experiment::summarise(&config, experiment.layout(), &out, &invocation)
                .map_err(typed)
        };
        let (json, text) = match &cli.command {
            Command::Plan(_) => {
                let (path, tasks) = (
                    experiment.write_plan().map_err(typed)?,
                    experiment.plan().len(),
                );
                (
                    json!({ "plan": path, "tasks": tasks }),
                    path.display().to_string(),
                )
            }
            Command::Run(RunArgs { task, .. }) => {
                let reports = experiment.run(*task);
                bars.finish();
                let reports = reports.map_err(typed)?;
                // One task is a part of a Slurm array, summarised once the whole array is done.
                let summary = task.is_none().then(summarise).transpose()?;
                let lines = reports.iter().map(ToString::to_string);
                let text = lines
                    .chain(summary.iter().map(ToString::to_string))
                    .collect::<Vec<_>>();
                (
                    json!({ "tasks": reports, "summary": summary }),
                    text.join("\n"),
                )
            }
            Command::Interpret(args) => {
                let summary =
                    tfbind_experiment::interpret(&experiment, &args.options(), &out, &invocation);
                bars.finish();
                let summary = summary.map_err(typed)?;
                (serde_json::to_value(&summary)?, summary.to_string())
            }
            Command::Summarise(_) => {
                let summary = summarise()?;
                (serde_json::to_value(&summary)?, summary.to_string())
            }
        };
        common.report(&json, text);
        Ok(())
    })
}

/// The library's error, a usage error (exit status 2) where it says so.
fn typed(e: Error) -> anyhow::Error {
    if e.is_usage() {
        UsageError(e.to_string()).into()
    } else {
        e.into()
    }
}
