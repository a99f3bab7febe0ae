//! Predictable passwords: the shipped list of the most common ones and the account's own
//! names, refused for a new password ([`PasswordBlocklist`]). It lives with [`Password`] in the
//! ground because registration, a password change and a reset all apply it, and recovery may
//! not import the account capability. The list is data compiled into the binary
//! (`data/common-passwords.txt`; its source, version and licence are in `data/README.md`) and
//! is searched where it lies: no copy, no work at start, no network.

use std::cmp::Ordering;

use super::Password;
use crate::validation::{FieldError, FieldErrorKind};

/// The 100,000 most common passwords, lower-cased, deduplicated and sorted by bytes, one a
/// line (each line, the last too, ends with `\n`).
static COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Whether a new password is screened for predictability: refused when it is one of the most
/// common passwords (compared without regard to case, and also with its trailing digits and
/// symbols taken off, so `Password1!` counts as `password`), or when it contains the account's
/// username or the local part of its email address. A login is never screened: a password
/// chosen before the rule must still sign in.
///
/// Names shorter than [`PasswordBlocklist::MIN_NAME_CHARS`] characters are not looked for:
/// a one- or two-letter name turns up inside most long passphrases by chance, and refusing
/// those would punish the short name, not the password.
///
/// ```
/// use quill_domain::{FieldErrorKind, Password, PasswordBlocklist};
///
/// let check = |password: &str| {
///     PasswordBlocklist::On.check(&Password::parse(password)?, "alice", "alice@example.com")
/// };
/// assert_eq!(check("Password1!").unwrap_err().kind, FieldErrorKind::TooCommon);
/// assert!(check("password123").is_err());
/// assert!(check("ALICE-in-the-harbour").is_err());
/// assert!(check("correct horse battery staple quill").is_ok());
///
/// let off = PasswordBlocklist::Off;
/// assert!(off.check(&Password::parse("password123")?, "alice", "alice@example.com").is_ok());
/// # Ok::<(), quill_domain::FieldError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordBlocklist {
    /// New passwords are screened (the default).
    #[default]
    On,
    /// Any password of an allowed length is accepted.
    Off,
}

impl PasswordBlocklist {
    /// The shortest username or email local part (in characters) looked for inside a
    /// password.
    pub const MIN_NAME_CHARS: usize = 4;

    /// Checks `password`, chosen for the account named `username` with the address `email`.
    /// Costs a few lookups in the list: microseconds, no hashing, no store.
    ///
    /// # Errors
    /// A [`FieldError`] for `password` of kind [`FieldErrorKind::TooCommon`] when the
    /// password is predictable and the screen is on.
    pub fn check(self, password: &Password, username: &str, email: &str) -> Result<(), FieldError> {
        match self {
            Self::Off => Ok(()),
            Self::On => {
                let lower = password.expose().to_lowercase();
                let local_part = email.rsplit_once('@').map_or(email, |(local, _)| local);
                if is_common_lowercase(&lower)
                    || contains_name(&lower, username)
                    || contains_name(&lower, local_part)
                {
                    Err(FieldError::new("password", FieldErrorKind::TooCommon))
                } else {
                    Ok(())
                }
            }
        }
    }
}

/// Whether `password` is one of the shipped common passwords, compared without regard to case,
/// as it is or with its trailing symbols, or its trailing digits and symbols, taken off (the
/// habit that turns `password` into `Password1!`), as long as at least four characters are
/// left.
///
/// ```
/// use quill_domain::is_common_password;
///
/// assert!(is_common_password("Password1!"));
/// assert!(is_common_password("QWERTY123"));
/// assert!(!is_common_password("quiet-harbour-lamp"));
/// ```
#[must_use]
pub fn is_common_password(password: &str) -> bool {
    is_common_lowercase(&password.to_lowercase())
}

/// The fewest characters a password stripped of its trailing digits and symbols must keep to
/// be looked up: below that, almost anything would reduce to some listed stub.
const MIN_BASE_CHARS: usize = 4;

fn is_common_lowercase(lower: &str) -> bool {
    if listed(lower) {
        return true;
    }
    let without_symbols = lower.trim_end_matches(|c: char| !c.is_alphanumeric());
    let without_digits = lower.trim_end_matches(|c: char| !c.is_alphabetic());
    [without_symbols, without_digits].into_iter().any(|base| {
        base.len() < lower.len() && base.chars().count() >= MIN_BASE_CHARS && listed(base)
    })
}

fn contains_name(lower_password: &str, name: &str) -> bool {
    let name = name.to_lowercase();
    name.chars().count() >= PasswordBlocklist::MIN_NAME_CHARS && lower_password.contains(&name)
}

/// How many passwords the shipped list holds.
#[must_use]
pub fn common_password_count() -> usize {
    COMMON.lines().count()
}

/// Binary search over the sorted lines of [`COMMON`] as they lie: each step finds the line
/// around the middle byte of what is left, so no index of lines is ever built.
fn listed(candidate: &str) -> bool {
    let list = COMMON.as_bytes();
    let needle = candidate.as_bytes();
    // `lo` is always the start of a line, and `hi` the end of the text or the start of a line.
    let (mut lo, mut hi) = (0, list.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = list[lo..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |i| lo + i + 1);
        let end = list[start..hi]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(hi, |i| start + i);
        match list[start..end].cmp(needle) {
            Ordering::Equal => return true,
            Ordering::Less => lo = end + 1,
            Ordering::Greater => hi = start,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(password: &str, username: &str, email: &str) -> bool {
        PasswordBlocklist::On
            .check(&Password::parse(password).unwrap(), username, email)
            .is_err()
    }

    #[test]
    fn the_shipped_list_is_sorted_deduplicated_lower_cased_and_whole() {
        let lines: Vec<&str> = COMMON.lines().collect();
        assert!(COMMON.ends_with('\n'));
        assert!(lines.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            lines
                .iter()
                .all(|l| !l.is_empty() && l.to_lowercase() == *l)
        );
        // 100,000 passwords, of which 96,518 differ in more than letter case.
        assert_eq!(common_password_count(), 96_518);
    }

    #[test]
    fn every_listed_password_is_found_and_near_misses_are_not() {
        for line in COMMON.lines() {
            assert!(listed(line), "{line} is listed");
        }
        // Before the first line, between lines, after the last, and an empty one.
        for miss in [
            " ",
            "a",
            "quiet-harbour-lamp",
            "zzzzzzzzzzzzzzzzzzzz",
            "\u{10ffff}",
            "",
        ] {
            assert!(!listed(miss), "{miss} is not listed");
        }
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for password in [
            "password123",
            "PASSWORD123",
            "Password1!",
            "iloveyou",
            "Qwerty123!!",
        ] {
            assert!(
                refused(password, "someone", "someone@example.com"),
                "{password}"
            );
        }
    }

    #[test]
    fn trailing_digits_and_symbols_do_not_hide_a_common_word() {
        assert!(is_common_password("dragon2024!!"));
        assert!(is_common_password("1234567890!"));
        // Stripped to fewer than four letters, nothing is looked up.
        assert!(!is_common_password("xq-58201934"));
    }

    #[test]
    fn uncommon_passphrases_are_accepted() {
        for password in [
            "correct horse battery staple quill",
            "quiet-harbour-lamp",
            "X7k$pQ9!m2vR",
        ] {
            assert!(
                !refused(password, "someone", "someone@example.com"),
                "{password}"
            );
        }
    }

    #[test]
    fn a_password_containing_the_username_or_the_email_local_part_is_refused() {
        assert!(refused(
            "MargaretQuill-lamp",
            "margaretquill",
            "m@example.com"
        ));
        assert!(refused(
            "lamp-harbour-zephyrine",
            "someone",
            "Zephyrine@example.com"
        ));
        // The domain of the address is no secret worth keeping out.
        assert!(!refused(
            "lamp-harbour-example",
            "someone",
            "zephyrine@example.com"
        ));
    }

    #[test]
    fn names_shorter_than_four_characters_are_not_looked_for() {
        assert!(!refused("quiet-harbour-lamp", "our", "am@example.com"));
        assert!(refused("quiet-harbour-lamp", "harb", "someone@example.com"));
    }

    #[test]
    fn the_screen_turned_off_accepts_any_password() {
        let password = Password::parse("password123").unwrap();
        assert!(
            PasswordBlocklist::Off
                .check(&password, "password", "password@example.com")
                .is_ok()
        );
    }
}
