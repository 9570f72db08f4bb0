//! tfbind-select: write the TF list to pre-train on for a target TF.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_cli::UsageError;
use tfbind_select::SelectParams;

use cli::{Cli, Report};

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| {
        let flags = tfbind_cli::flags_table(&cli.flags);
        let mut params: SelectParams = tfbind_cli::resolve(cli.config.as_deref(), "select", flags)?;
        params.exclude_target &= !cli.include_target;
        let scores = tfbind_select::scores_path(&cli.out);
        let mut inputs = tfbind_select::inputs(&cli.regions, &params);
        inputs.extend(cli.config.as_deref());
        tfbind_artifact::stage::check_out_files(&[&cli.out, &scores], &inputs)?;
        let selection = tfbind_select::run(&cli.regions, &params).map_err(|e| {
            if e.is_usage() {
                anyhow::Error::new(UsageError(e.to_string()))
            } else {
                anyhow::Error::new(e)
            }
        })?;
        tfbind_select::write(&cli.out, &selection)?;
        let human = format!(
            "{selection}wrote {} and {}",
            cli.out.display(),
            scores.display()
        );
        let report = Report {
            out: &cli.out,
            scores: &scores,
            selection: &selection,
        };
        cli.common.report(&report, human);
        Ok(())
    })
}
