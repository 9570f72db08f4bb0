//! Inspects and verifies tfbind artifacts.

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(threads) = cli.threads.filter(|&n| n > 0) {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
    match &cli.command {
        Command::Verify { dirs, kind } => cli.verify(dirs, *kind),
        Command::Show { dir } => cli.show(dir),
    }
}
