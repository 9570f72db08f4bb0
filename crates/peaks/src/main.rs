//! tfbind-peaks: per-TF peak files → a `regions` artifact (windows × TFs labels 1/0/NA).

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_peaks::{BuildParams, ImportInputs, PeaksStage};

use cli::{BuildArgs, Cli, Command, ImportArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (Command::Build(BuildArgs { stage, .. }) | Command::Import(ImportArgs { stage, .. })) =
        &cli.command;
    tfbind_cli::run_stage(stage, || match &cli.command {
        Command::Build(a) => Ok(PeaksStage::from_peaks(stage.resolve("peaks", &a.flags)?)?),
        Command::Import(a) => {
            let section: BuildParams = stage.resolve("peaks", &a.flags)?;
            Ok(PeaksStage::from_matrix(ImportInputs {
                windows: a.windows.clone(),
                labels: a.labels.clone(),
                genome: section.genome,
            })?)
        }
    })
}
