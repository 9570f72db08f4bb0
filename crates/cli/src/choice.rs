//! Flags whose values are the variants of a library enum, spelled as its serde spelling: one
//! spelling in flags and config files, and the library needs no clap.

use clap::builder::{PossibleValue, TypedValueParser};
use serde::de::value::{Error as DeError, StrDeserializer};
use serde::de::{DeserializeOwned, IntoDeserializer};

/// A value parser for an enum flag: `#[arg(long, value_parser = choice::<Strategy>())]`; its
/// values are listed in `--help` and in the error for an unknown one.
pub fn choice<T: DeserializeOwned + Clone + Send + Sync + 'static>() -> Choice<T> {
    Choice(std::marker::PhantomData)
}

#[derive(Clone)]
pub struct Choice<T>(std::marker::PhantomData<fn() -> T>);

/// The variant names an enum's `Deserialize` asks for.
pub fn variants<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Names(Option<&'static [&'static str]>);
    impl<'de> serde::Deserializer<'de> for &mut Names {
        type Error = DeError;
        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
            Err(serde::de::Error::custom("variant names only"))
        }
        fn deserialize_enum<V: serde::de::Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, DeError> {
            self.0 = Some(variants);
            Err(serde::de::Error::custom("variant names only"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map struct identifier
            ignored_any
        }
    }
    let mut names = Names(None);
    let _ = T::deserialize(&mut names);
    names.0.unwrap_or(&[])
}

impl<T: DeserializeOwned + Clone + Send + Sync + 'static> TypedValueParser for Choice<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        let de: StrDeserializer<DeError> = text.as_ref().into_deserializer();
        T::deserialize(de).map_err(|_| {
            let mut err = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd);
            use clap::error::{ContextKind, ContextValue};
            if let Some(arg) = arg {
                err.insert(
                    ContextKind::InvalidArg,
                    ContextValue::String(arg.to_string()),
                );
            }
            err.insert(
                ContextKind::InvalidValue,
                ContextValue::String(text.to_string()),
            );
            let valid = variants::<T>().iter().map(|v| v.to_string()).collect();
            err.insert(ContextKind::ValidValue, ContextValue::Strings(valid));
            err
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(variants::<T>().iter().map(PossibleValue::new)))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Clone, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Strategy {
        GcMatched,
        Random,
    }

    #[derive(Parser)]
    struct Cli {
        #[arg(long, value_parser = choice::<Strategy>())]
        strategy: Option<Strategy>,
    }

    #[test]
    fn flags_take_the_serde_spelling_and_list_it() {
        let cli = Cli::try_parse_from(["x", "--strategy", "gc-matched"]).unwrap();
        assert_eq!(cli.strategy, Some(Strategy::GcMatched));
        let e = Cli::try_parse_from(["x", "--strategy", "gc_matched"])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("gc_matched") && e.contains("gc-matched, random"),
            "{e}"
        );
        assert_eq!(variants::<Strategy>(), ["gc-matched", "random"]);
    }
}
