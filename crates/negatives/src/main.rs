//! tfbind-negatives: the labelled windows of a dataset from a regions artifact.

mod cli;

use std::process::ExitCode;

use clap::Parser;
use tfbind_negatives::{NegativesStage, Params};

use cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tfbind_cli::run_stage(&cli.stage, || {
        let mut params: Params = cli.stage.resolve("negatives", &cli.flags)?;
        let listed = cli.tf_list.as_deref().map(tfbind_dataset::read_tf_list);
        let f = &cli.flags;
        if listed.is_some() || f.tf.is_some() || f.tfs.is_some() || f.fewest_na.is_some() {
            params.tf.clone_from(&f.tf);
            params.tfs = listed.transpose()?.or_else(|| f.tfs.clone());
            params.fewest_na = f.fewest_na;
        }
        let stage = NegativesStage::new(
            cli.regions.clone(),
            cli.genome.clone(),
            &cli.exclude,
            params,
        );
        Ok(stage?)
    })
}
