//! tfbind-transfer: the default path for a new TF — label it, choose its relevant
//! pre-training TFs, pre-train (or reuse) a small model on them, fine-tune and evaluate.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_cli::{Bars, UsageError};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let common = &cli.common;
    common.init();
    tfbind_cli::run(|| {
        tfbind_model::set_threads(common.threads());
        let request = cli.request()?;
        let bars = Bars::new(common);
        let report = tfbind_transfer::transfer(&request, &bars);
        bars.finish();
        let report = report.map_err(|e| {
            if e.is_usage() {
                anyhow::Error::new(UsageError(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
        common.report(&report, &report);
        Ok(())
    })
}
