//! What makes two names look alike, after Unicode Technical Standard #39: the confusable
//! skeleton two names share when a reader could take one for the other, and the mixing of
//! the Latin, Greek and Cyrillic alphabets (a Cyrillic `а` in a Latin name), whose letters
//! are drawn alike. Also the same rules as classes of characters, so an API schema can state
//! them exactly.

use std::sync::OnceLock;

use unicode_normalization::UnicodeNormalization as _;
use unicode_script::{Script, UnicodeScript as _};

/// The alphabets whose letters are drawn alike, and so may not be mixed in one name.
const ALPHABETS: [Script; 3] = [Script::Latin, Script::Greek, Script::Cyrillic];

/// The skeleton of a case-folded name (the [`Username::key_of`](super::Username::key_of)
/// form), so the names that differ only in letter case and the names that merely look
/// alike share one. Taken twice around a lower-casing, because some prototypes are capitals
/// (`0` is drawn as `O`); and a dot above a soft-dotted `i` or `j` is dropped, since it
/// takes the place of the letter's own dot (`ALİCE` folds to an `i` with a dot above, which
/// reads as `alice`).
pub(super) fn skeleton(key: &str) -> String {
    let once: String = unicode_security::skeleton(key)
        .collect::<String>()
        .to_lowercase();
    let twice: String = unicode_security::skeleton(&once).collect();
    let mut folded = String::with_capacity(twice.len());
    for c in twice.chars() {
        if c == '\u{307}' && folded.ends_with(['i', 'j']) {
            continue;
        }
        folded.push(c);
    }
    folded
}

/// Whether `name` holds letters of more than one of the Latin, Greek and Cyrillic alphabets.
/// Other scripts may stand beside any of them (`Yamada やまだ`); a lookalike written with
/// them is the skeleton's to catch.
pub(super) fn mixes_alphabets(name: &str) -> bool {
    let mut seen = [false; 3];
    for c in name.chars() {
        if let Some(i) = ALPHABETS.iter().position(|&script| c.script() == script) {
            seen[i] = true;
        }
    }
    seen.iter().filter(|&&s| s).count() > 1
}

/// The username rules of this module as classes of characters as typed (before NFKC), each
/// as inclusive ranges of code points: what a schema's pattern needs to say exactly what
/// [`Username::parse`](super::Username::parse) accepts.
#[derive(Debug)]
pub struct NameCharacterClasses {
    /// Characters whose NFKC form begins with white space: none may start a name.
    pub begins_with_space: Vec<(char, char)>,
    /// Characters whose NFKC form ends with white space: none may end a name.
    pub ends_with_space: Vec<(char, char)>,
    /// For the Latin, Greek and Cyrillic alphabets in turn, the characters whose NFKC form
    /// holds a letter of it: a name may use the characters of one of these at most.
    pub alphabets: [Vec<(char, char)>; 3],
}

/// The classes (computed once: it reads every code point).
///
/// ```
/// let classes = quill_domain::user::name_character_classes();
/// let holds = |ranges: &[(char, char)], c: char| ranges.iter().any(|&(a, b)| a <= c && c <= b);
/// assert!(holds(&classes.begins_with_space, ' '));
/// assert!(holds(&classes.begins_with_space, '\u{a8}')); // ¨ is a space and a diaeresis
/// assert!(holds(&classes.alphabets[0], 'a') && holds(&classes.alphabets[2], 'а'));
/// assert!(holds(&classes.alphabets[0], '\u{1d400}')); // mathematical bold A
/// ```
#[must_use]
pub fn name_character_classes() -> &'static NameCharacterClasses {
    static CLASSES: OnceLock<NameCharacterClasses> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let mut classes = NameCharacterClasses {
            begins_with_space: Vec::new(),
            ends_with_space: Vec::new(),
            alphabets: Default::default(),
        };
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let mut buffer = [0; 4];
            let typed: &str = c.encode_utf8(&mut buffer);
            let normalized: String = typed.nfkc().collect();
            if normalized.starts_with(char::is_whitespace) {
                extend(&mut classes.begins_with_space, c);
            }
            if normalized.ends_with(char::is_whitespace) {
                extend(&mut classes.ends_with_space, c);
            }
            for (i, &script) in ALPHABETS.iter().enumerate() {
                if normalized.chars().any(|n| n.script() == script) {
                    extend(&mut classes.alphabets[i], c);
                }
            }
        }
        classes
    })
}

/// Adds `c` to ascending `ranges`, joining it to the last range when adjacent.
fn extend(ranges: &mut Vec<(char, char)>, c: char) {
    match ranges.last_mut() {
        Some((_, to)) if u32::from(*to) + 1 == u32::from(c) => *to = c,
        _ => ranges.push((c, c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_alphabet_beside_any_other_script_is_not_a_mix() {
        for name in [
            "alice",
            "Jean-Luc 2nd",
            "Алиса",
            "Αλίκη",
            "山田太郎",
            "Yamada やまだ",
            "Kim 김",
            "Алиса 李",
        ] {
            assert!(!mixes_alphabets(name), "{name}");
        }
    }

    #[test]
    fn latin_with_cyrillic_or_greek_letters_is_a_mix() {
        for name in ["аlice", "alicе", "pαypal", "Алиса Smith", "Αλίκη Алиса"] {
            assert!(mixes_alphabets(name), "{name}");
        }
    }

    #[test]
    fn lookalikes_share_a_skeleton_and_different_names_do_not() {
        let alice = skeleton("alice");
        assert_eq!(skeleton("аliсе"), alice, "Cyrillic а and с");
        assert_eq!(
            skeleton("ali\u{307}ce"),
            alice,
            "a dotted i, as ALİCE folds"
        );
        assert_eq!(skeleton("alıce"), alice, "a dotless i");
        assert_eq!(skeleton("b0b"), skeleton("bob"));
        assert_eq!(skeleton("rnary"), skeleton("mary"));
        assert_ne!(skeleton("alice"), skeleton("alicia"));
        assert_ne!(skeleton("élise"), skeleton("elise"), "accents still count");
    }
}
