//! tfbind-interpret: a model artifact and a dataset artifact → a `motifs` artifact.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_cli::UsageError;
use tfbind_interpret::{InterpretParams, InterpretStage};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfbind_cli::run_stage(&cli.stage, || {
        let params: InterpretParams = cli.stage.resolve("interpret", &cli.flags)?;
        tfbind_model::set_threads(cli.stage.common.threads());
        Ok(InterpretStage {
            model: cli.model.clone(),
            dataset: cli.dataset.clone(),
            database: params.database().map_err(UsageError)?,
            compare_to: cli.compare_to.clone(),
            windows_bed: cli.windows_bed.clone(),
            device: cli.device.resolve()?,
            params,
        })
    })
}
