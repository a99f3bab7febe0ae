//! Where settings come from and how a section is taken out of them: the process environment
//! over a `.env` file over each section's defaults (or explicit pairs, for tests and for
//! applications with configuration of their own), only the names the sections read, and the
//! one line naming the setting when a value is refused.
//!
//! A section is any `serde` struct whose fields are named as the settings are, lower-cased
//! (`max_body_bytes` reads `MAX_BODY_BYTES`); [`setting_names`] reads those names off the
//! type itself, so the list of what is read is never kept by hand.

use std::collections::BTreeMap;
use std::path::Path;

use figment::Figment;
use figment::providers::{Env, Serialized};
use serde::de::{DeserializeOwned, Visitor};

use super::{ConfigError, invalid};

/// The sources: `dotenv` (if it exists) under the process environment, each reduced to
/// `names` (in any case), so an application's other variables never reach a section.
///
/// # Errors
/// [`ConfigError::DotEnv`] when the file exists but cannot be parsed.
pub fn sources(dotenv: &Path, names: &[&str]) -> Result<Figment, ConfigError> {
    let names: Vec<String> = names.iter().map(|name| name.to_uppercase()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut from_file = BTreeMap::new();
    if dotenv.exists() {
        let entries =
            dotenvy::from_path_iter(dotenv).map_err(|e| ConfigError::DotEnv(e.to_string()))?;
        for entry in entries {
            let (name, value) = entry.map_err(|e| ConfigError::DotEnv(e.to_string()))?;
            if names.contains(&name.as_str()) {
                from_file.insert(name.to_lowercase(), value);
            }
        }
    }
    Ok(Figment::new()
        .merge(Serialized::defaults(from_file))
        .merge(Env::raw().only(&names)))
}

/// Sources holding exactly these name/value pairs (names in any case), ignoring the
/// environment and any `.env` file.
pub fn pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Figment {
    let values: BTreeMap<String, String> = pairs
        .into_iter()
        .map(|(name, value)| (name.to_lowercase(), value.to_owned()))
        .collect();
    Figment::from(Serialized::defaults(values))
}

/// Takes section `T` out of the sources. A refused value becomes one
/// [`ConfigError::Invalid`] naming the setting (its field, upper-cased) and the reason.
///
/// # Errors
/// The first unusable value of the section.
pub fn extract<T: DeserializeOwned>(sources: &Figment) -> Result<T, ConfigError> {
    sources.extract().map_err(|error| {
        let setting = error
            .path
            .last()
            .and_then(|key| {
                setting_names::<T>()
                    .iter()
                    .find(|name| name.eq_ignore_ascii_case(key))
            })
            .map_or("configuration", |name| upper_case(name));
        invalid(setting, error.kind.to_string())
    })
}

/// The settings section `T` reads, as its fields are named (lower case); empty for a type
/// that is not a struct of named fields.
#[must_use]
pub fn setting_names<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields = None;
    let _ = T::deserialize(FieldNames(&mut fields));
    fields.unwrap_or_default()
}

/// A setting's name as the environment spells it. Leaked once per refusal: a refusal ends
/// start-up, and [`ConfigError::Invalid`] names its setting with a `&'static str`.
fn upper_case(name: &str) -> &'static str {
    Box::leak(name.to_uppercase().into_boxed_str())
}

/// A deserializer that reads nothing: it asks the type for the names of its fields, which a
/// derived `Deserialize` hands to `deserialize_struct`, and stops there.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> serde::Deserializer<'de> for FieldNames<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(serde::de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(serde::de::Error::custom(
            "only the field names were asked for",
        ))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Example {
        first_setting: String,
        #[serde(rename = "second_setting")]
        second: u32,
        #[serde(skip)]
        derived: bool,
    }

    #[test]
    fn the_names_a_section_reads_are_its_serde_field_names() {
        assert_eq!(
            setting_names::<Example>(),
            ["first_setting", "second_setting"]
        );
        assert!(setting_names::<String>().is_empty());
    }

    #[test]
    fn a_refused_value_names_its_setting_in_upper_case() {
        let refused = extract::<Example>(&pairs([("FIRST_SETTING", "a"), ("SECOND_SETTING", "x")]))
            .unwrap_err();
        assert!(
            refused.to_string().starts_with("SECOND_SETTING: "),
            "{refused}"
        );
    }
}
