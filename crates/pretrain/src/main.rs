//! tfbind-pretrain: train a multi-task model on a `dataset` artifact and write a `model` artifact.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_pretrain::{PretrainParams, PretrainStage};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfbind_cli::run_stage(&cli.stage, || {
        tfbind_model::set_threads(cli.stage.common.threads());
        let params: PretrainParams = cli.stage.resolve("pretrain", &cli.flags)?;
        Ok(PretrainStage {
            dataset: cli.dataset.clone(),
            init: cli.init_from.clone(),
            params,
            runtime: cli.run.runtime(),
        })
    })
}
