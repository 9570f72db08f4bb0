//! Inspects and verifies tfbind artifacts.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Parser, Subcommand};
use tfbind_artifact::Artifact;
use tfbind_cli::CommonArgs;

/// Inspect and verify tfbind artifacts (directories with a manifest.toml).
#[derive(Parser)]
#[command(name = "tfbind-artifact", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Check that each artifact's manifest is valid and every file has its recorded size and sha256.
    Verify {
        /// Artifact directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Also require this kind (regions, windows, dataset, model, motifs, ...).
        #[arg(long)]
        kind: Option<String>,
    },
    /// Print an artifact's manifest.
    Show {
        /// Artifact directory.
        dir: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cli.common.init();
    tfbind_cli::run(|| match cli.command {
        Command::Verify { dirs, kind } => {
            let mut failed = 0;
            for dir in &dirs {
                let result = Artifact::open_unverified(dir).and_then(|a| {
                    if let Some(kind) = &kind {
                        if &a.manifest().kind != kind {
                            return Err(tfbind_artifact::Error::WrongKind {
                                dir: dir.clone(),
                                expected: kind.clone(),
                                found: a.manifest().kind.clone(),
                            });
                        }
                    }
                    a.verify().map(|()| a)
                });
                match result {
                    Ok(a) => println!(
                        "ok\t{}\t{} v{}\t{} files",
                        dir.display(),
                        a.manifest().kind,
                        a.manifest().schema_version,
                        a.manifest().files.len()
                    ),
                    Err(e) => {
                        failed += 1;
                        eprintln!("error: {e}");
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {} artifacts failed verification", dirs.len());
            }
            Ok(())
        }
        Command::Show { dir } => {
            let a = Artifact::open_unverified(&dir)?;
            let text = std::fs::read_to_string(dir.join(tfbind_artifact::MANIFEST_FILE))?;
            if cli.common.json {
                println!("{}", serde_json::to_string_pretty(a.manifest())?);
            } else {
                print!("{text}");
            }
            Ok(())
        }
    })
}
