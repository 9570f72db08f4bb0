use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::de::DeserializeOwned;

use crate::UsageError;

/// The sections a pipeline TOML file may hold, one per stage (plus the Slurm resources). A file
/// with any other top-level key is refused, so a typo is not silently ignored.
pub const SECTIONS: &[&str] = &[
    "pipeline",
    "peaks",
    "negatives",
    "encode",
    "pretrain",
    "finetune",
    "predict",
    "select",
    "interpret",
    "tomtom",
    "slurm",
];

/// Reads one stage's `[section]` of a pipeline config file; without a file, or without that
/// section, the stage's defaults. The stage's type should use `#[serde(default, deny_unknown_fields)]`
/// so that unknown keys are errors naming the key and the file.
pub fn load_section<T: DeserializeOwned + Default>(
    path: Option<&Path>,
    section: &str,
) -> anyhow::Result<T> {
    let Some(path) = path else {
        return Ok(T::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))?;
    let mut doc: toml::Table = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {}",
            path.display(),
            e.to_string().trim().replace('\n', " ")
        )
    })?;
    if let Some(unknown) = doc.keys().find(|k| !SECTIONS.contains(&k.as_str())) {
        bail!(
            "{}: unknown section or key `{unknown}` (expected sections: {})",
            path.display(),
            SECTIONS.join(", ")
        );
    }
    match doc.remove(section) {
        None => Ok(T::default()),
        Some(toml::Value::Table(table)) => table.try_into().map_err(|e: toml::de::Error| {
            anyhow::anyhow!("{}: in [{section}]: {}", path.display(), e.message())
        }),
        Some(_) => bail!("{}: `{section}` must be a [section]", path.display()),
    }
}

/// [`load_section`] for a stage whose bad keys and values, like its bad flags, are usage errors
/// (exit status 2); a file that cannot be read or parsed is still an error of its own.
pub fn load_params<T: DeserializeOwned>(path: Option<&Path>, section: &str) -> anyhow::Result<T> {
    let table: toml::Table = load_section(path, section)?;
    Ok(params(path, section, table)?)
}

/// [`load_params`] for a section that also names an input file under `key`, returned apart: the
/// file is no parameter (the manifest records the file itself).
pub fn load_params_and_path<T: DeserializeOwned>(
    path: Option<&Path>,
    section: &str,
    key: &str,
) -> anyhow::Result<(Option<PathBuf>, T)> {
    let mut table: toml::Table = load_section(path, section)?;
    let input = match table.remove(key) {
        None => None,
        Some(toml::Value::String(s)) => Some(PathBuf::from(s)),
        Some(_) => {
            return Err(UsageError(format!(
                "{}: in [{section}]: `{key}` must be a path string",
                display(path)
            ))
            .into())
        }
    };
    Ok((input, params(path, section, table)?))
}

fn params<T: DeserializeOwned>(
    path: Option<&Path>,
    section: &str,
    table: toml::Table,
) -> Result<T, UsageError> {
    T::deserialize(toml::Value::Table(table)).map_err(|e| {
        UsageError(format!(
            "{}: in [{section}]: {}",
            display(path),
            e.message()
        ))
    })
}

fn display(path: Option<&Path>) -> std::path::Display<'_> {
    path.unwrap_or(Path::new("")).display()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Stage {
        epochs: u32,
        lr: f64,
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn reads_its_section_and_defaults_the_rest() {
        let f = write("[pretrain]\nepochs = 3\n[finetune]\nlr = 0.1\n");
        let s: Stage = load_section(Some(f.path()), "pretrain").unwrap();
        assert_eq!(s, Stage { epochs: 3, lr: 0.0 });
        let s: Stage = load_section(Some(f.path()), "predict").unwrap();
        assert_eq!(s, Stage::default());
        let s: Stage = load_section(None, "pretrain").unwrap();
        assert_eq!(s, Stage::default());
    }

    #[test]
    fn unknown_keys_name_the_key_and_file() {
        let f = write("[pretrain]\nepoch = 3\n");
        let e = load_section::<Stage>(Some(f.path()), "pretrain").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("epoch") && msg.contains(&f.path().display().to_string()),
            "{msg}"
        );

        let f = write("[pretrian]\nepochs = 3\n");
        let msg = load_section::<Stage>(Some(f.path()), "pretrain")
            .unwrap_err()
            .to_string();
        assert!(msg.contains("pretrian"), "{msg}");
    }

    #[test]
    fn bad_keys_of_params_are_usage_errors() {
        let f = write("[pretrain]\nepoch = 3\n");
        let e = load_params::<Stage>(Some(f.path()), "pretrain").unwrap_err();
        let usage = e.downcast_ref::<UsageError>().expect("a usage error");
        assert!(
            usage.0.starts_with(&format!(
                "{}: in [pretrain]: unknown field `epoch`",
                f.path().display()
            )),
            "{e}"
        );
        let s: Stage = load_params(None, "pretrain").unwrap();
        assert_eq!(s, Stage::default());
    }

    #[test]
    fn a_path_key_is_taken_out_of_the_params() {
        let f = write("[encode]\ngenome = \"g.fa\"\nepochs = 2\n");
        let (genome, s): (_, Stage) =
            load_params_and_path(Some(f.path()), "encode", "genome").unwrap();
        assert_eq!(genome.as_deref(), Some(Path::new("g.fa")));
        assert_eq!(s.epochs, 2);
        let f = write("[encode]\ngenome = 3\n");
        let e = load_params_and_path::<Stage>(Some(f.path()), "encode", "genome").unwrap_err();
        assert!(e.downcast_ref::<UsageError>().is_some(), "{e}");
        assert!(
            e.to_string()
                .ends_with("in [encode]: `genome` must be a path string"),
            "{e}"
        );
    }

    #[test]
    fn malformed_toml_names_the_file() {
        let f = write("[pretrain\n");
        let msg = load_section::<Stage>(Some(f.path()), "pretrain")
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&f.path().display().to_string()), "{msg}");
    }
}
