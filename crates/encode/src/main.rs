//! tfbind-encode: fetch and encode the windows of a `windows` artifact into a `dataset` artifact.

mod cli;
#[cfg(target_os = "linux")]
mod huge_pages;

use std::process::ExitCode;

use clap::Parser;
use tfbind_cli::UsageError;
use tfbind_encode::{EncodeParams, EncodeStage};

use cli::Cli;

#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOCATOR: huge_pages::HugePages = huge_pages::HugePages;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfbind_cli::run_stage(&cli.stage, || {
        let mut params: EncodeParams = cli.stage.resolve("encode", &cli.flags)?;
        params.drop_n &= !cli.keep_n;
        params.validate().map_err(UsageError)?;
        let genome = params.genome.clone().ok_or_else(|| {
            UsageError("no genome: give --genome FASTA or `genome` in the config's [encode]".into())
        })?;
        Ok(EncodeStage {
            windows: cli.windows.clone(),
            genome,
            params,
        })
    })
}
