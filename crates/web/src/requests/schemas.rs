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
            "Unique regardless of letter case, of Unicode compatibility forms and of \
             lookalikes (Unicode TS #39 confusables); stored in NFKC form. Not blank, without \
             control or invisible (format) characters, without white space at either end \
             (in NFKC form), and with letters of at most one of the Latin, Greek and Cyrillic \
             alphabets.",
        ))
        .pattern(Some(username_pattern()))
        .examples(["alice"])
}

/// The domain's username rules that are about characters, as one pattern: no invisible
/// character anywhere, none whose NFKC form begins (ends) with white space first (last), and
/// the characters of at most one alphabet, which is one alternative per alphabet allowed.
fn username_pattern() -> String {
    let classes = quill_domain::user::name_character_classes();
    let invisible = quill_domain::user::invisible_character_ranges();
    let alternatives: Vec<String> = (0..classes.alphabets.len())
        .map(|allowed| {
            let mut refused: Vec<&[(char, char)]> = vec![&invisible];
            refused.extend(
                (0..classes.alphabets.len())
                    .filter(|&other| other != allowed)
                    .map(|other| classes.alphabets[other].as_slice()),
            );
            let inner = character_class(&refused);
            let with = |edges: &[&[(char, char)]]| {
                let mut all = refused.clone();
                all.extend_from_slice(edges);
                character_class(&all)
            };
            let first = with(&[&classes.begins_with_space]);
            let last = with(&[&classes.ends_with_space]);
            let only = with(&[&classes.begins_with_space, &classes.ends_with_space]);
            format!("[^{first}][^{inner}]*[^{last}]|[^{only}]")
        })
        .collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// The inside of a bracketed character class holding every range given, written so that
/// ECMA-262, Rust's and Python's regular expressions read it alike: code points of the Basic
/// Multilingual Plane escaped as `\uXXXX`, the few beyond it written as themselves.
fn character_class(ranges: &[&[(char, char)]]) -> String {
    let escape = |c: char| {
        if u32::from(c) <= 0xFFFF {
            format!("\\u{:04X}", u32::from(c))
        } else {
            c.to_string()
        }
    };
    ranges
        .iter()
        .flat_map(|ranges| ranges.iter())
        .map(|&(from, to)| {
            if from == to {
                escape(from)
            } else {
                format!("{}-{}", escape(from), escape(to))
            }
        })
        .collect()
}

fn email_text() -> ObjectBuilder {
    text(1, Some(Email::MAX_CHARS))
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .description(Some(
            "Stored lower-cased; unique. One mail can be sent to: no address literal \
             (`[127.0.0.1]`) or numeric top-level label, no quoted or escaped local part.",
        ))
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

/// A password being chosen: the domain's length rule, and (said, since no schema can check
/// it) the screen of predictable passwords.
pub(super) fn new_password() -> Object {
    secret(Password::MIN_CHARS)
        .description(Some(
            "Refused with 422 `password_too_common` when it is one of the most common \
             passwords or contains the account's username or email local part (unless the \
             server runs with `PASSWORD_BLOCKLIST=off`).",
        ))
        .examples(["quiet-harbour-lamp"])
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

/// The password in use now, sent to confirm a sensitive change when the login is not recent.
pub(super) fn confirming_password() -> Object {
    unchanged_when_null(secret(1))
        .description(Some(
            "The password in use now. Needed to change the email or to delete the account \
             when the caller's login (not a refresh) is older than `REAUTH_MAX_AGE_MINUTES`; \
             otherwise not checked. A wrong one is 400 `Current password is incorrect`.",
        ))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_username_pattern_accepts_exactly_the_names_the_domain_accepts() {
        let pattern = regex::Regex::new(&username_pattern()).unwrap();
        // Plain letters of each alphabet, letters whose NFKC form is a letter (mathematical
        // bold A, circled a), spaces and characters whose NFKC form begins with one (the
        // spacing diaeresis), a kana, a digit, an invisible character.
        let pieces = [
            "a",
            "а",
            "α",
            "z",
            " ",
            "\u{a0}",
            "\u{a8}",
            "\u{1d400}",
            "\u{24d0}",
            "や",
            "1",
            "\u{200b}",
            "\u{3000}",
            "-",
        ];
        let mut names: Vec<String> = Vec::new();
        for a in pieces {
            names.push(a.to_owned());
            for b in pieces {
                names.push(format!("{a}{b}"));
                for c in pieces {
                    names.push(format!("{a}{b}{c}"));
                }
            }
        }
        for name in names {
            assert_eq!(
                pattern.is_match(&name),
                Username::parse(name.as_str()).is_ok(),
                "{name:?}"
            );
        }
    }
}
