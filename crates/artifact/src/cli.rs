//! The command line of tfbind-artifact.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tfbind_artifact::{kinds, Artifact, Kind, MANIFEST_FILE};

/// Inspect and verify tfbind artifacts (directories with a manifest.toml).
#[derive(Parser)]
#[command(name = "tfbind-artifact", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    /// Print only errors.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print JSON on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Worker threads for checksums [default: all cores].
    #[arg(long, value_name = "N", global = true)]
    pub(crate) threads: Option<usize>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Check each artifact as the stages that read it do: a known kind of a schema version this
    /// tfbind reads, safe file entries, every listed file with its recorded size and sha256, and
    /// no file the manifest does not list.
    Verify {
        /// Artifact directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Also require this kind.
        #[arg(long, value_parser = known_kind)]
        kind: Option<Kind>,
    },
    /// Print an artifact's manifest.
    Show {
        /// Artifact directory.
        dir: PathBuf,
    },
}

fn known_kind(name: &str) -> Result<Kind, String> {
    Kind::known(name).ok_or_else(|| {
        let known: Vec<_> = kinds::KNOWN.iter().map(|k| k.name).collect();
        format!("unknown kind (known: {})", known.join(", "))
    })
}

/// Prints a line on stdout. A reader that stopped reading (`| head`) is not an error of ours:
/// printing just stops.
fn say(line: std::fmt::Arguments) {
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = writeln!(stdout, "{line}") {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {e}");
            std::process::exit(1);
        }
    }
}

impl Cli {
    pub(crate) fn verify(&self, dirs: &[PathBuf], kind: Option<Kind>) -> ExitCode {
        let mut failed = 0;
        let mut report = Vec::new();
        for dir in dirs {
            let opened = match kind {
                Some(kind) => Artifact::open(dir, kind),
                None => Artifact::open_known(dir),
            };
            match opened {
                Ok(a) => {
                    let m = a.manifest();
                    if !self.quiet && !self.json {
                        say(format_args!(
                            "ok\t{}\t{} v{}\t{} files",
                            dir.display(),
                            m.kind,
                            m.schema_version,
                            m.files.len()
                        ));
                    }
                    report.push(serde_json::json!({
                        "dir": dir, "ok": true, "kind": m.kind,
                        "schema_version": m.schema_version, "files": m.files.len(),
                    }));
                }
                Err(e) => {
                    failed += 1;
                    eprintln!("error: {e}");
                    report.push(serde_json::json!({
                        "dir": dir, "ok": false, "error": e.to_string(),
                    }));
                }
            }
        }
        if self.json {
            say(format_args!("{:#}", serde_json::Value::Array(report)));
        }
        if failed > 0 {
            eprintln!(
                "error: {failed} of {} artifacts failed verification",
                dirs.len()
            );
            return ExitCode::FAILURE;
        }
        ExitCode::SUCCESS
    }

    pub(crate) fn show(&self, dir: &Path) -> ExitCode {
        let shown = Artifact::open_unverified(dir).and_then(|a| {
            if self.json {
                Ok(format!("{:#}", serde_json::json!(a.manifest())))
            } else {
                let path = dir.join(MANIFEST_FILE);
                std::fs::read_to_string(&path)
                    .map_err(|source| tfbind_artifact::Error::Io { path, source })
            }
        });
        match shown {
            Ok(text) => {
                say(format_args!("{}", text.trim_end()));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }
}
