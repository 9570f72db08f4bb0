//! tfbind-variants: how variants change the binding that trained models predict.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};
use tfbind_variants::{MergeStage, VariantsStage};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Score(a) => tfbind_cli::run_stage(&a.stage, || {
            tfbind_model::set_threads(a.stage.common.threads());
            Ok(VariantsStage {
                models: a.models.clone(),
                genome: a.genome.clone(),
                variants: a.variants.clone(),
                params: a.stage.resolve("variants", &a.flags)?,
                device: a.device.resolve()?,
            })
        }),
        Command::Merge(a) => tfbind_cli::run_stage(&a.stage, || {
            Ok(MergeStage {
                shards: a.shards.clone(),
            })
        }),
    }
}
