//! tfbind-tomtom: compare query motifs with a motif database, as MEME's Tomtom does.

mod cli;

use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use tfbind_cli::UsageError;
use tfbind_motifs::Comparison;

use cli::{Cli, Summary};

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        if cli.common.json && cli.output.is_none() {
            let message =
                "--json prints a summary on standard output; give the table a file with -o";
            return Err(UsageError(message.into()).into());
        }
        if let Some(path) = &cli.output {
            tfbind_artifact::stage::check_out_files(&[path], &[&cli.query, &cli.target])?;
        }
        let start = Instant::now();
        let c = Comparison::of_files(&cli.query, &cli.target, &cli.options())?;
        cli::write_table(&c, cli.output.as_deref())?;
        let summary = Summary {
            counts: c.counts(),
            output: cli.output.clone(),
            seconds: start.elapsed().as_secs_f64(),
        };
        let human = format!("{} in {:.2} s", summary.counts, summary.seconds);
        match cli.output {
            Some(_) => cli.common.report(&summary, human),
            // With the table on standard output, the summary goes to the log (stderr) instead.
            None => tracing::info!("{human}"),
        }
        Ok(())
    })
}
