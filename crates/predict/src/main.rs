//! tfbind-predict: per-task binding probabilities of a trained model for BED regions, whole
//! chromosomes or FASTA sequences, as a TSV, a bedGraph, bigWig tracks and calls.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_cli::{Bars, UsageError};
use tfbind_predict::{Params, Request};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_model::set_threads(cli.common.threads());
    tfbind_cli::run(|| {
        let flags = tfbind_cli::flags_table(&cli.flags);
        let params: Params = tfbind_cli::resolve(cli.config.as_deref(), "predict", flags)?;
        params.validate().map_err(UsageError)?;
        let request = Request {
            model: cli.model.clone(),
            input: cli.input(),
            out: cli.out.clone(),
            bedgraph: cli.bedgraph.clone().zip(cli.task.clone()),
            tracks: cli.tracks(),
            params,
            device: cli.device.resolve()?,
        };
        let bars = Bars::new(&cli.common);
        let summary = tfbind_predict::run(&request, &bars);
        bars.finish();
        let summary = summary.map_err(|e| match e.is_usage() {
            true => anyhow::Error::new(UsageError(e.to_string())),
            false => anyhow::Error::new(e),
        })?;
        cli.common.report(&summary, &summary);
        Ok(())
    })
}
