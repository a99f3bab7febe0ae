//! The checked inputs that name an account and its picture: a username, a picture's file
//! name. Each `parse` applies the domain's rule and says which field it
//! refused and why.

use super::lookalike;
use crate::validation::{FieldError, FieldErrorKind, check_length};

/// A display name: 1 to 50 characters in Unicode normalisation form NFKC, not blank, with no
/// control or invisible (format) characters, no space at either end and letters of at most
/// one of the Latin, Greek and Cyrillic alphabets. Unique by its [`key`](Username::key) (letter case and compatibility forms
/// ignored) and by its [`skeleton`](Username::skeleton) (lookalikes ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// Whether a character is one that shows nothing or moves text around: controls (Cc), format
/// characters (Cf: zero-width spaces and joiners, bidi overrides and isolates, the BOM, soft
/// hyphens) and line or paragraph separators. A name or address holding one can look like
/// another that does not.
pub(super) fn is_invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    matches!(
        c.general_category(),
        GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
    )
}

/// The characters no username or email may hold (see [`Username::parse`]), as inclusive
/// ranges of code points, for describing the rule elsewhere (an API schema's pattern, say).
///
/// ```
/// let ranges = quill_domain::user::invisible_character_ranges();
/// assert!(ranges.contains(&('\u{0}', '\u{1f}')));
/// assert!(ranges.iter().any(|&(from, to)| from <= '\u{200b}' && '\u{200b}' <= to));
/// ```
#[must_use]
pub fn invisible_character_ranges() -> Vec<(char, char)> {
    let mut ranges: Vec<(char, char)> = Vec::new();
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        if !is_invisible(c) {
            continue;
        }
        match ranges.last_mut() {
            Some((_, to)) if u32::from(*to) + 1 == u32::from(c) => *to = c,
            _ => ranges.push((c, c)),
        }
    }
    ranges
}

impl Username {
    /// The most characters a username may have.
    pub const MAX_CHARS: usize = 50;

    /// Accepts a username of 1 to 50 characters, kept as written but in NFKC form (so
    /// `Ｅｌｉｓｅ` in full-width letters is stored as `Elise`).
    ///
    /// # Errors
    /// A [`FieldError`] for `username` when the length is outside that range, when it is
    /// blank, when it holds a control or invisible character, when it begins or ends with
    /// white space, or when it mixes letters of the Latin, Greek and Cyrillic alphabets (a
    /// Cyrillic `а` among Latin letters, say), which are drawn alike.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::{FieldErrorKind, Username};
    ///
    /// assert_eq!(Username::parse("Alice")?.as_str(), "Alice");
    /// let refused = Username::parse("").unwrap_err();
    /// assert_eq!(refused.field, "username");
    /// assert_eq!(refused.kind, FieldErrorKind::TooShort { min: 1 });
    /// assert!(Username::parse("ali\u{200b}ce").is_err());
    /// assert!(Username::parse("   ").is_err());
    /// assert!(Username::parse(" alice").is_err());
    /// assert_eq!(
    ///     Username::parse("alicе").unwrap_err().kind, // Cyrillic е
    ///     FieldErrorKind::MixedScripts
    /// );
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        use unicode_normalization::UnicodeNormalization as _;
        let name: String = raw.into().nfkc().collect();
        check_length("username", &name, 1, Some(Self::MAX_CHARS))?;
        if name.chars().any(is_invisible) {
            return Err(FieldError::new(
                "username",
                FieldErrorKind::InvisibleCharacter,
            ));
        }
        if name.trim().is_empty() {
            return Err(FieldError::new("username", FieldErrorKind::Blank));
        }
        if name.trim() != name {
            return Err(FieldError::new(
                "username",
                FieldErrorKind::SurroundingSpace,
            ));
        }
        if lookalike::mixes_alphabets(&name) {
            return Err(FieldError::new("username", FieldErrorKind::MixedScripts));
        }
        Ok(Self(name))
    }

    /// The key two names are compared by: NFKC of the lower-cased NFKC form, so names that
    /// differ only in letter case (in any script) or in compatibility forms are the same name.
    /// Stores keep it in a uniquely indexed column.
    ///
    /// ```
    /// use quill_domain::Username;
    ///
    /// assert_eq!(Username::key_of("Élise"), Username::key_of("élise"));
    /// assert_eq!(Username::key_of("ＡＬＩＣＥ"), Username::key_of("alice"));
    /// assert_ne!(Username::key_of("alice"), Username::key_of("alicе")); // Cyrillic е
    /// ```
    #[must_use]
    pub fn key_of(name: &str) -> String {
        use unicode_normalization::UnicodeNormalization as _;
        let normalized: String = name.nfkc().collect();
        normalized.to_lowercase().nfkc().collect()
    }

    /// This name's comparison key (see [`Username::key_of`]).
    #[must_use]
    pub fn key(&self) -> String {
        Self::key_of(&self.0)
    }

    /// What two names that look alike share: the Unicode TS #39 confusable skeleton of the
    /// name's [`key`](Username::key_of), so names differing in letter case or in letters
    /// of another script drawn the same (a Cyrillic `а` for a Latin `a`) are the same name.
    /// Stores keep it in a uniquely indexed column beside the key.
    ///
    /// ```
    /// use quill_domain::Username;
    ///
    /// assert_eq!(Username::skeleton_of("alice"), Username::skeleton_of("аlice")); // Cyrillic а
    /// assert_eq!(Username::skeleton_of("alice"), Username::skeleton_of("ALİCE"));
    /// assert_ne!(Username::skeleton_of("alice"), Username::skeleton_of("alicia"));
    /// ```
    #[must_use]
    pub fn skeleton_of(name: &str) -> String {
        lookalike::skeleton(&Self::key_of(name))
    }

    /// This name's skeleton (see [`Username::skeleton_of`]).
    #[must_use]
    pub fn skeleton(&self) -> String {
        Self::skeleton_of(&self.0)
    }

    /// The name as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as written, taken out.
    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// The file name of an uploaded profile picture: a plain name of at most 200 characters,
/// never a path, so the derived URL always stays inside the pictures folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageFile(String);

impl ImageFile {
    /// The most characters a file name may have.
    pub const MAX_CHARS: usize = 200;

    /// Accepts a plain file name.
    ///
    /// # Errors
    /// A [`FieldError`] for `image_file` when it is empty, too long, or looks like a path.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::ImageFile;
    ///
    /// assert_eq!(ImageFile::parse("me.jpg")?.as_str(), "me.jpg");
    /// assert!(ImageFile::parse("../secrets").is_err());
    /// # Ok::<(), quill_domain::FieldError>(())
    /// ```
    pub fn parse(raw: impl Into<String>) -> Result<Self, FieldError> {
        let raw = raw.into();
        check_length("image_file", &raw, 1, Some(Self::MAX_CHARS))?;
        let is_plain_name = !raw.starts_with('.')
            && !raw
                .chars()
                .any(|c| matches!(c, '/' | '\\' | '?' | '#' | '%') || c.is_control());
        if !is_plain_name {
            return Err(FieldError::new(
                "image_file",
                FieldErrorKind::NotAPlainFileName,
            ));
        }
        Ok(Self(raw))
    }

    /// The file name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_with_invisible_or_control_characters_or_nothing_visible_are_refused() {
        for bad in [
            "ali\u{200b}ce", // zero-width space
            "ali\u{200d}ce", // zero-width joiner
            "\u{202e}ecila", // right-to-left override
            "alice\u{2066}", // left-to-right isolate
            "\u{feff}alice", // byte order mark
            "al\u{00ad}ice", // soft hyphen
            "ali\nce",       // control
            "ali\u{2028}ce", // line separator
            " ",
            "\u{3000}\u{3000}", // ideographic spaces only
        ] {
            let refused = Username::parse(bad).unwrap_err();
            assert_eq!(refused.field, "username", "{bad:?}");
            assert!(
                matches!(
                    refused.kind,
                    FieldErrorKind::InvisibleCharacter | FieldErrorKind::Blank
                ),
                "{bad:?}"
            );
        }
        assert_eq!(
            Username::parse("Jean Dupont").unwrap().as_str(),
            "Jean Dupont"
        );
    }

    #[test]
    fn usernames_with_a_space_at_either_end_are_refused() {
        for bad in [
            " alice",
            "alice ",
            "\u{3000}alice",
            "alice\u{a0}",
            "\talice",
        ] {
            let refused = Username::parse(bad).unwrap_err();
            assert_eq!(refused.field, "username", "{bad:?}");
            assert!(
                matches!(
                    refused.kind,
                    FieldErrorKind::SurroundingSpace | FieldErrorKind::InvisibleCharacter
                ),
                "{bad:?}: {refused:?}"
            );
        }
        assert_eq!(
            Username::parse(" alice").unwrap_err().kind,
            FieldErrorKind::SurroundingSpace
        );
    }

    #[test]
    fn usernames_mixing_latin_with_cyrillic_or_greek_letters_are_refused() {
        for bad in ["аlice", "alicе", "pαypal"] {
            assert_eq!(
                Username::parse(bad).unwrap_err(),
                FieldError::new("username", FieldErrorKind::MixedScripts),
                "{bad}"
            );
        }
        for good in ["Алиса", "Yamada やまだ", "Jean-Luc 2nd", "Алиса 李"] {
            assert!(Username::parse(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn names_that_look_alike_share_a_skeleton() {
        let alice = Username::parse("alice").unwrap().skeleton();
        assert_eq!(Username::parse("ALİCE").unwrap().skeleton(), alice);
        assert_eq!(Username::parse("ALICE").unwrap().skeleton(), alice);
        assert_eq!(Username::skeleton_of("аlice"), alice, "a Cyrillic а");
        assert_eq!(
            Username::parse("Алиса").unwrap().skeleton(),
            Username::skeleton_of("Aлиca"),
            "a whole-script name and its lookalike"
        );
    }

    #[test]
    fn usernames_are_kept_in_nfkc_form_and_keyed_without_case() {
        assert_eq!(Username::parse("Ｅｌｉｓｅ").unwrap().as_str(), "Elise");
        assert_eq!(Username::parse("E\u{301}lise").unwrap().as_str(), "Élise");
        let key = Username::parse("Élise").unwrap().key();
        assert_eq!(Username::parse("ÉLISE").unwrap().key(), key);
        assert_eq!(Username::key_of("élise"), key);
        assert_ne!(Username::key_of("elise"), key, "accents still count");
    }

    #[test]
    fn username_must_have_between_1_and_50_characters() {
        assert!(Username::parse("").is_err());
        assert!(Username::parse("a").is_ok());
        assert!(Username::parse("x".repeat(50)).is_ok());
        assert_eq!(
            Username::parse("x".repeat(51)).unwrap_err().kind,
            FieldErrorKind::TooLong { max: 50 }
        );
    }

    #[test]
    fn image_file_must_be_a_plain_name() {
        assert!(ImageFile::parse("me.jpg").is_ok());
        assert!(ImageFile::parse("../etc/passwd").is_err());
        assert!(ImageFile::parse("a/b.jpg").is_err());
        assert!(ImageFile::parse("").is_err());
    }
}
