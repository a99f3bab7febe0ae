//! JSON request bodies: the object itself (anything else is the contract's 422), read into a
//! typed request struct whose fields are [`Text`], and [`FieldChecks`], which turns those
//! fields into domain values while collecting every problem, so one 422 lists them all in
//! field order, as FastAPI does.

use axum::extract::{FromRequest, Request};
use quill_domain::FieldError;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use super::body::{content_type, read_body};
use crate::error::{ApiError, ErrorItem, LocPart};

fn not_an_object() -> ApiError {
    ApiError::Validation(vec![ErrorItem {
        kind: "model_attributes_type".to_owned(),
        loc: vec![LocPart::Name("body".to_owned())],
        msg: "Input should be a valid dictionary or object to extract fields from".to_owned(),
    }])
}

/// Whether the body is declared as JSON (`application/json` or any `application/*+json`).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let kind = content_type(headers);
    kind == "application/json" || (kind.starts_with("application/") && kind.ends_with("+json"))
}

/// Byte offset of serde_json's (1-based line, 1-based column) in `input`.
fn offset_of(input: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = input
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    (line_start + column.saturating_sub(1)).min(input.len())
}

/// The body as a JSON object. Anything else (no JSON media type, malformed JSON, a JSON
/// array) is a 422; an oversized body is a 413.
async fn read_object(request: Request) -> Result<Map<String, Value>, ApiError> {
    let is_json = is_json(request.headers());
    let bytes = read_body(request).await?;
    object_of(is_json, &bytes)
}

/// `bytes` as a JSON object, when they were sent as JSON.
fn object_of(is_json: bool, bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if !is_json {
        return Err(not_an_object());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(not_an_object()),
        Err(e) => Err(ApiError::Validation(vec![ErrorItem {
            kind: "json_invalid".to_owned(),
            loc: vec![
                LocPart::Name("body".to_owned()),
                LocPart::Index(offset_of(bytes, e.line(), e.column())),
            ],
            msg: "JSON decode error".to_owned(),
        }])),
    }
}

/// A JSON object body read into the request struct `T`. `T`'s fields are [`Text`] and it
/// is `#[serde(default)]`, so every object reads, unknown fields ignored; what the values
/// mean is checked when `T` is turned into domain values.
#[derive(Debug)]
pub(crate) struct JsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let object = read_object(request).await?;
        serde_json::from_value(Value::Object(object))
            .map(Self)
            .map_err(|_| not_an_object())
    }
}

/// A JSON object body that may be left out altogether (a `DELETE` that may carry one): no
/// body at all reads as `T::default()`, every field absent; a body that is sent is read as
/// [`JsonBody`] reads it, refusals included.
#[derive(Debug)]
pub(crate) struct OptionalJsonBody<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ApiError> {
        let is_json = is_json(request.headers());
        let bytes = read_body(request).await?;
        if bytes.is_empty() {
            return Ok(Self(T::default()));
        }
        let object = object_of(is_json, &bytes)?;
        serde_json::from_value(Value::Object(object))
            .map(Self)
            .map_err(|_| not_an_object())
    }
}

/// One text field of a JSON body as it arrived. Reading it never fails, so that a wrong
/// value in one field cannot hide the problems of the others.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) enum Text {
    /// Not sent, or `null`.
    #[default]
    Absent,
    /// A string.
    Given(String),
    /// Some other JSON value.
    Other,
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match Value::deserialize(deserializer)? {
            Value::Null => Self::Absent,
            Value::String(text) => Self::Given(text),
            _ => Self::Other,
        })
    }
}

/// Turns the [`Text`] fields of one body into domain values, recording every refusal under
/// the field's name in the body.
#[derive(Debug, Default)]
pub(crate) struct FieldChecks {
    problems: Vec<ErrorItem>,
}

impl FieldChecks {
    /// A field that must be sent; `None` when it was refused (and the refusal recorded).
    pub(crate) fn required<T>(
        &mut self,
        name: &'static str,
        field: Text,
        parse: impl FnOnce(String) -> Result<T, FieldError>,
    ) -> Option<T> {
        if field == Text::Absent {
            self.problems
                .push(ErrorItem::new("missing", "body", name, "Field required"));
            return None;
        }
        self.optional(name, field, parse)
    }

    /// A field that may be left out: `None` when it was (absent and `null` alike mean "leave
    /// unchanged"), or when it was refused (and the refusal recorded).
    pub(crate) fn optional<T>(
        &mut self,
        name: &'static str,
        field: Text,
        parse: impl FnOnce(String) -> Result<T, FieldError>,
    ) -> Option<T> {
        match field {
            Text::Absent => None,
            Text::Given(raw) => parse(raw)
                .map_err(|refused| {
                    self.problems
                        .push(ErrorItem::refused("body", name, &refused.kind));
                })
                .ok(),
            Text::Other => {
                self.problems.push(ErrorItem::new(
                    "string_type",
                    "body",
                    name,
                    "Input should be a valid string",
                ));
                None
            }
        }
    }

    /// `value` when nothing was refused, else the 422 listing every refusal.
    pub(crate) fn finish<T>(self, value: T) -> Result<T, ApiError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(ApiError::Validation(self.problems))
        }
    }

    /// The 422 for a body whose required fields did not all read; they recorded why.
    pub(crate) fn refused(self) -> ApiError {
        ApiError::Validation(self.problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quill_domain::Username;

    #[test]
    fn json_error_offsets_count_bytes_across_lines() {
        assert_eq!(offset_of(b"{\n  x", 2, 3), 4);
    }

    #[test]
    fn every_refused_field_is_listed_under_its_name_in_field_order() {
        let mut checks = FieldChecks::default();
        assert!(
            checks
                .required("username", Text::Other, Username::parse)
                .is_none()
        );
        assert!(
            checks
                .required("nickname", Text::Absent, Username::parse)
                .is_none()
        );
        assert!(
            checks
                .optional("new_name", Text::Given(String::new()), Username::parse)
                .is_none()
        );
        assert!(
            checks
                .optional("other", Text::Absent, Username::parse)
                .is_none()
        );
        let ApiError::Validation(items) = checks.refused() else {
            panic!("a refusal is a 422");
        };
        let seen: Vec<(&str, String)> = items
            .iter()
            .map(|item| {
                (
                    item.kind.as_str(),
                    serde_json::to_string(&item.loc).unwrap(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("string_type", r#"["body","username"]"#.to_owned()),
                ("missing", r#"["body","nickname"]"#.to_owned()),
                ("string_too_short", r#"["body","new_name"]"#.to_owned()),
            ]
        );
    }

    #[test]
    fn null_reads_as_absent_and_other_values_as_not_text() {
        let read = |json: &str| serde_json::from_str::<Text>(json).unwrap();
        assert_eq!(read("null"), Text::Absent);
        assert_eq!(read(r#""x""#), Text::Given("x".to_owned()));
        assert_eq!(read("1"), Text::Other);
        assert_eq!(read("[]"), Text::Other);
    }
}
