//! tfbind-finetune: a pre-trained `model` artifact + a single-task `dataset` artifact → a new
//! `model` artifact for the target TF (or the same network trained from scratch).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_finetune::{FinetuneParams, FinetuneStage};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfbind_cli::run_stage(&cli.stage, || {
        tfbind_model::set_threads(cli.stage.common.threads());
        let params: FinetuneParams = cli.stage.resolve("finetune", &cli.flags)?;
        Ok(FinetuneStage {
            dataset: cli.dataset.clone(),
            pretrained: cli.pretrained.clone(),
            test_dataset: cli.test_dataset.clone(),
            params,
            runtime: cli.run.runtime(),
        })
    })
}
