//! Pipeline config files: one `[section]` per stage, merged with the stage's flags in one place.
//! Every mistake in a config is a [`UsageError`] (exit status 2) naming the file, the line, the
//! section and the key, and an unknown key lists the valid ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

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
    "variants",
    "transfer",
    "slurm",
];

/// A parsed config file: its sections, and the line of each `[section] key`.
struct ConfigFile {
    path: PathBuf,
    doc: toml::Table,
    lines: HashMap<(String, String), usize>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<Self, UsageError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("cannot read config {}: {e}", path.display())))?;
        let spanned = toml::de::DeTable::parse(&text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(":{}", line_of(&text, s.start)))
                .unwrap_or_default();
            UsageError(format!(
                "{}{at}: {}",
                path.display(),
                e.message().trim().replace('\n', " ")
            ))
        })?;
        let mut lines = HashMap::new();
        for (section, value) in spanned.get_ref() {
            let section_line = line_of(&text, section.span().start);
            if !SECTIONS.contains(&section.get_ref().as_ref()) {
                let valid: Vec<String> = SECTIONS.iter().map(|s| s.to_string()).collect();
                return Err(UsageError(format!(
                    "{}:{section_line}: unknown section `{}` (valid sections: {}){}",
                    path.display(),
                    section.get_ref(),
                    SECTIONS.join(", "),
                    tfbind_names::did_you_mean(section.get_ref(), &valid)
                )));
            }
            let toml::de::DeValue::Table(table) = value.get_ref() else {
                return Err(UsageError(format!(
                    "{}:{section_line}: `{}` must be a [section]",
                    path.display(),
                    section.get_ref()
                )));
            };
            for key in table.keys() {
                lines.insert(
                    (section.get_ref().to_string(), key.get_ref().to_string()),
                    line_of(&text, key.span().start),
                );
            }
        }
        let doc = toml::from_str(&text).map_err(|e: toml::de::Error| {
            UsageError(format!("{}: {}", path.display(), e.message()))
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            doc,
            lines,
        })
    }

    fn section(&self, name: &str) -> toml::Table {
        match self.doc.get(name) {
            Some(toml::Value::Table(t)) => t.clone(),
            _ => toml::Table::new(),
        }
    }

    /// `FILE:LINE: [section] key `k``, where the key was read.
    fn locate(&self, section: &str, key: &str) -> String {
        match self.lines.get(&(section.to_string(), key.to_string())) {
            Some(line) => format!("{}:{line}: [{section}] key `{key}`", self.path.display()),
            None => format!("{}: [{section}] key `{key}`", self.path.display()),
        }
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The flags a user gave, as config keys: a stage's flag struct derives `Serialize` with its
/// fields named as its config keys, and leaves out the flags not given
/// (`#[serde(skip_serializing_if = "Option::is_none")]`).
pub fn flags_table<F: Serialize>(flags: &F) -> toml::Table {
    toml::Table::try_from(flags).expect("flag values are plain TOML values")
}

/// A stage's settings: the defaults of `T`, then the `[section]` of the config file, then the
/// flags given (keys of `flags`). `T` should be `#[serde(default, deny_unknown_fields)]`.
pub fn resolve<T: DeserializeOwned + Serialize + Default>(
    config: Option<&Path>,
    section: &str,
    flags: toml::Table,
) -> Result<T, UsageError> {
    let file = config.map(ConfigFile::read).transpose()?;
    let mut table = file
        .as_ref()
        .map(|f| f.section(section))
        .unwrap_or_default();
    let from_flags: Vec<String> = flags.keys().cloned().collect();
    table.extend(flags);
    let whole = T::deserialize(toml::Value::Table(table.clone()));
    let Err(error) = whole else {
        return Ok(whole.expect("checked"));
    };
    // Which key is wrong: the first one that fails on its own (every other key defaulted).
    let culprit = table.iter().find(|(key, value)| {
        let mut one = toml::Table::new();
        one.insert((*key).clone(), (*value).clone());
        T::deserialize(toml::Value::Table(one)).is_err()
    });
    let message = error.message().to_string();
    let valid = valid_keys::<T>();
    let message = match unknown_field(&message) {
        Some(key) if !valid.is_empty() => format!(
            "unknown key `{key}` (valid keys: {}){}",
            valid.join(", "),
            tfbind_names::did_you_mean(key, &valid)
        ),
        _ => message,
    };
    Err(UsageError(match (culprit, &file) {
        (Some((key, _)), _) if from_flags.contains(key) => {
            format!("--{}: {message}", key.replace('_', "-"))
        }
        (Some((key, _)), Some(file)) => format!("{}: {message}", file.locate(section, key)),
        (_, Some(file)) => format!("{}: in [{section}]: {message}", file.path.display()),
        (_, None) => message,
    }))
}

/// The key serde names in "unknown field `k`, expected ...".
fn unknown_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// The keys a settings type accepts, read off its `Deserialize` implementation, or for a type
/// with a `#[serde(flatten)]` part (which serde deserializes as a map, naming no fields) off its
/// defaults as serialized (an unset `Option` is a key too).
pub fn valid_keys<T: DeserializeOwned + Serialize + Default>() -> Vec<String> {
    let mut keys = Vec::new();
    let _ = T::deserialize(FieldNames(&mut keys));
    if !keys.is_empty() {
        return keys.into_iter().map(String::from).collect();
    }
    match serde_json::to_value(T::default()) {
        Ok(serde_json::Value::Object(fields)) => fields.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A deserializer that only records the field names a struct asks for.
struct FieldNames<'a>(&'a mut Vec<&'static str>);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("field names only"))
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Self::Error> {
        self.0.extend(fields);
        Err(serde::de::Error::custom("field names only"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq, serde::Deserialize, Serialize)]
    #[serde(default, deny_unknown_fields)]
    struct Stage {
        epochs: u32,
        lr: f64,
    }

    #[derive(Serialize, Default)]
    struct Flags {
        #[serde(skip_serializing_if = "Option::is_none")]
        epochs: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        lr: Option<f64>,
    }

    fn write(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    fn no_flags() -> toml::Table {
        flags_table(&Flags::default())
    }

    #[test]
    fn reads_its_section_and_flags_go_over_it() {
        let f = write("[pretrain]\nepochs = 3\n[finetune]\nlr = 0.1\n");
        let s: Stage = resolve(Some(f.path()), "pretrain", no_flags()).unwrap();
        assert_eq!(s, Stage { epochs: 3, lr: 0.0 });
        let s: Stage = resolve(Some(f.path()), "predict", no_flags()).unwrap();
        assert_eq!(s, Stage::default());
        let flags = flags_table(&Flags {
            epochs: Some(7),
            lr: None,
        });
        let s: Stage = resolve(Some(f.path()), "pretrain", flags).unwrap();
        assert_eq!(s, Stage { epochs: 7, lr: 0.0 });
        let s: Stage = resolve(None, "pretrain", no_flags()).unwrap();
        assert_eq!(s, Stage::default());
    }

    #[test]
    fn an_unknown_key_names_file_line_section_key_and_the_valid_keys() {
        let f = write("[pretrain]\nlr = 0.1\nepoch = 3\n");
        let e = resolve::<Stage>(Some(f.path()), "pretrain", no_flags()).unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "{}:3: [pretrain] key `epoch`: unknown key `epoch` (valid keys: epochs, lr); did you \
                 mean epochs?",
                f.path().display()
            )
        );
    }

    #[test]
    fn a_wrong_type_names_file_line_and_key() {
        let f = write("[pretrain]\n\nepochs = \"three\"\nlr = 1\n");
        let e = resolve::<Stage>(Some(f.path()), "pretrain", no_flags()).unwrap_err();
        assert!(
            e.0.starts_with(&format!(
                "{}:3: [pretrain] key `epochs`: ",
                f.path().display()
            )),
            "{}",
            e.0
        );
        assert!(e.0.contains("invalid type"), "{}", e.0);
    }

    #[test]
    fn unknown_sections_and_malformed_files_name_the_file_and_line() {
        let f = write("[pretrain]\nepochs = 3\n\n[pretrian]\nepochs = 3\n");
        let e = resolve::<Stage>(Some(f.path()), "pretrain", no_flags()).unwrap_err();
        assert!(
            e.0.starts_with(&format!(
                "{}:4: unknown section `pretrian`",
                f.path().display()
            )) && e.0.ends_with("did you mean pretrain?"),
            "{}",
            e.0
        );
        let f = write("[pretrain]\nepochs = 3\nlr = \n");
        let e = resolve::<Stage>(Some(f.path()), "pretrain", no_flags()).unwrap_err();
        assert!(
            e.0.starts_with(&format!("{}:3: ", f.path().display())),
            "{}",
            e.0
        );
        let e = resolve::<Stage>(Some(Path::new("/no/such.toml")), "pretrain", no_flags());
        assert!(e.unwrap_err().0.contains("/no/such.toml"));
    }

    #[test]
    fn valid_keys_are_read_off_the_type() {
        assert_eq!(valid_keys::<Stage>(), ["epochs", "lr"]);
    }

    /// A section whose keys are partly another type's, as the training keys of [pretrain].
    #[derive(Debug, Default, serde::Deserialize, Serialize)]
    #[serde(default, deny_unknown_fields)]
    struct Flattened {
        init: Option<String>,
        #[serde(flatten)]
        stage: Training,
    }

    #[derive(Debug, Default, serde::Deserialize, Serialize)]
    #[serde(default)]
    struct Training {
        epochs: Option<u32>,
    }

    #[test]
    fn an_unknown_key_of_a_flattened_section_lists_every_valid_key() {
        assert_eq!(valid_keys::<Flattened>(), ["epochs", "init"]);
        let f = write("[finetune]\nepochz = 3\n");
        let e = resolve::<Flattened>(Some(f.path()), "finetune", no_flags()).unwrap_err();
        assert_eq!(
            e.0,
            format!(
                "{}:2: [finetune] key `epochz`: unknown key `epochz` (valid keys: epochs, init); did \
                 you mean epochs?",
                f.path().display()
            )
        );
    }
}
