//! How one setting's text becomes a value, for the `deserialize_with` of a section's fields:
//! the environment provider guesses a type from what a value looks like (`45` a number,
//! `true` a flag), so every reader here takes any of them as text first, then parses it with
//! the rule the setting states. A refusal is the reason alone; the setting's name is added
//! where the section is extracted ([`extract`](super::extract)), from the field it failed in.
//!
//! Public for the sections of other layers (quill's server, an embedding application) read
//! from the same sources.

use std::fmt::Display;
use std::path::PathBuf;
use std::str::FromStr;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// What the provider handed over, whatever type it guessed.
#[derive(Deserialize)]
#[serde(untagged)]
enum Loose {
    Text(String),
    Signed(i64),
    Unsigned(u64),
    Float(f64),
    Flag(bool),
}

impl From<Loose> for String {
    fn from(value: Loose) -> Self {
        match value {
            Loose::Text(s) => s,
            Loose::Signed(n) => n.to_string(),
            Loose::Unsigned(n) => n.to_string(),
            Loose::Float(n) => n.to_string(),
            Loose::Flag(b) => b.to_string(),
        }
    }
}

/// The value as text, as written.
///
/// # Errors
/// When the value is a list or a table rather than one value.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Loose::deserialize(d).map(String::from)
}

/// The value as text; empty or blank counts as not set.
///
/// # Errors
/// As [`text`].
pub fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(text(d)?).filter(|value| !value.trim().is_empty()))
}

/// The value as text, set even when empty (for a setting whose rule refuses an empty value
/// rather than ignoring it).
///
/// # Errors
/// As [`text`].
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(d).map(Some)
}

/// A path, set even when empty.
///
/// # Errors
/// As [`text`].
pub fn optional_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    Ok(present(d)?.map(PathBuf::from))
}

/// A path, as written.
///
/// # Errors
/// As [`text`].
pub fn path<'de, D: Deserializer<'de>>(d: D) -> Result<PathBuf, D::Error> {
    text(d).map(PathBuf::from)
}

/// A whole number above zero.
///
/// # Errors
/// Anything else, quoting the value.
pub fn positive<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + PartialOrd + Default,
{
    let text = text(d)?;
    match text.trim().parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err(D::Error::custom(format!(
            "must be a positive whole number, got {text:?}"
        ))),
    }
}

/// [`positive`], for a setting whose absence means "the policy's own default".
///
/// # Errors
/// As [`positive`].
pub fn optional_positive<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr + PartialOrd + Default,
{
    positive(d).map(Some)
}

/// A positive whole number of seconds.
///
/// # Errors
/// As [`positive`].
pub fn seconds<'de, D: Deserializer<'de>>(d: D) -> Result<std::time::Duration, D::Error> {
    positive(d).map(std::time::Duration::from_secs)
}

/// A value parsed by its type's `FromStr`, the refusal saying what was expected.
///
/// # Errors
/// When the text does not parse: `must be {expected}, got "..."`.
pub fn parsed<'de, D, T>(d: D, expected: &str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
{
    let text = text(d)?;
    text.trim()
        .parse()
        .map_err(|_| D::Error::custom(format!("must be {expected}, got {text:?}")))
}

/// A comma-separated list, blanks and empty entries dropped.
///
/// # Errors
/// As [`text`].
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(split(&text(d)?).map(str::to_owned).collect())
}

/// The entries of a comma-separated list, trimmed, empty ones dropped.
pub fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
}

/// One of a few words, each naming a value; `choices` says what is accepted in the refusal.
///
/// # Errors
/// Any other word.
pub fn one_of<'de, D, T: Copy>(
    d: D,
    words: &[(&str, T)],
    choices: impl Display,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let text = text(d)?;
    let word = text.trim();
    words
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, value)| *value)
        .ok_or_else(|| D::Error::custom(format!("must be {choices}, got {word:?}")))
}
