//! The OpenAPI schema of each request field, written from the domain's own limits (lengths,
//! the characters a name may hold) so the document and the checks cannot disagree.

use quill_domain::{Email, Password, PostTitle, Username};
use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};

/// A string schema counting characters, as the domain does.
fn text(min: usize, max: Option<usize>) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(min))
        .max_length(max)
}

/// A field of a partial update: absent and `null` both leave the value unchanged.
fn unchanged_when_null(schema: ObjectBuilder) -> ObjectBuilder {
    schema.schema_type(
        [Type::String, Type::Null]
            .into_iter()
            .collect::<SchemaType>(),
    )
}

fn username_text() -> ObjectBuilder {
    text(1, Some(Username::MAX_CHARS))
        .description(Some(
            "Unique regardless of letter case and of Unicode compatibility forms; stored in \
             NFKC form. Not blank, and without control or invisible (format) characters.",
        ))
        .pattern(Some(visible_text_pattern()))
        .examples(["alice"])
}

/// Text with at least one character that is not white space and none of the domain's
/// invisible characters, written so that ECMA-262, Rust's and Python's regular expressions
/// read it alike: code points of the Basic Multilingual Plane escaped as `\uXXXX`, the few
/// beyond it written as themselves.
fn visible_text_pattern() -> String {
    let escape = |c: char| {
        if u32::from(c) <= 0xFFFF {
            format!("\\u{:04X}", u32::from(c))
        } else {
            c.to_string()
        }
    };
    let class: String = quill_domain::user::invisible_character_ranges()
        .into_iter()
        .map(|(from, to)| {
            if from == to {
                escape(from)
            } else {
                format!("{}-{}", escape(from), escape(to))
            }
        })
        .collect();
    format!("^[^{class}]*[^{class}\\s][^{class}]*$")
}

fn email_text() -> ObjectBuilder {
    text(1, Some(Email::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .description(Some("Stored lower-cased; unique."))
        .examples(["alice@example.com"])
}

fn secret(min: usize) -> ObjectBuilder {
    text(min, Some(Password::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Password)))
}

fn title_text() -> ObjectBuilder {
    text(1, Some(PostTitle::MAX_CHARS)).examples(["Hello"])
}

fn content_text() -> ObjectBuilder {
    text(1, None).examples(["My first post."])
}

pub(super) fn username() -> Object {
    username_text().build()
}

pub(super) fn email() -> Object {
    email_text().build()
}

/// A password being chosen: the domain's length rule.
pub(super) fn new_password() -> Object {
    secret(Password::MIN_CHARS)
        .examples(["password123"])
        .build()
}

/// A reset link's token: any text is looked up (and most match nothing).
pub(super) fn reset_token() -> Object {
    // No minimum: an empty token is answered as any token that matches nothing (400).
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(RESET_TOKEN_MAX_CHARS))
        .description(Some(
            "The token from the reset link (what follows `#token=`).",
        ))
        .build()
}

/// Longer than any token quill mints (43 characters), short enough that no one can make the
/// server digest megabytes.
pub(super) const RESET_TOKEN_MAX_CHARS: usize = 256;

/// A password being proved: any non-empty text is an attempt.
pub(super) fn current_password() -> Object {
    secret(1)
        .description(Some("The password in use now."))
        .build()
}

pub(super) fn title() -> Object {
    title_text().build()
}

pub(super) fn content() -> Object {
    content_text().build()
}

pub(super) fn username_or_null() -> Object {
    unchanged_when_null(username_text()).build()
}

pub(super) fn email_or_null() -> Object {
    unchanged_when_null(email_text()).build()
}

pub(super) fn title_or_null() -> Object {
    unchanged_when_null(title_text()).build()
}

pub(super) fn content_or_null() -> Object {
    unchanged_when_null(content_text()).build()
}
