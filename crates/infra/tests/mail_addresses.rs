//! The domain's email rule against the mailer's parser: every address the domain accepts must
//! be one lettre accepts as a recipient (as an `Address` and as the `Mailbox` the message
//! is written with), so an account can never hold an address its mail would be refused for.
//! The domain names no mail library, so only this test keeps the two from drifting apart.

use lettre::Address;
use lettre::message::Mailbox;
use quill_domain::Email;

/// Addresses built around every printable ASCII character and a few non-ASCII ones, in the
/// local part and in the domain, beside a list of ordinary and unusual whole addresses.
fn candidates() -> Vec<String> {
    let mut characters: Vec<char> = ('\u{21}'..='\u{7e}').collect();
    characters.extend(['é', 'ß', 'ü', 'я', '中', '٣', '·', '\u{a0}', '€']);
    let mut addresses: Vec<String> = [
        "alice@example.com",
        "alice.smith+blog@mail.example.co.uk",
        "o'brien@example.ie",
        "user@bücher.example",
        "a1@123.example.com",
        "x@a-b.example",
        "alice@localhost",
        "#!$%&'*+-/=?^_`{|}~@example.org",
    ]
    .map(str::to_owned)
    .to_vec();
    for c in characters {
        addresses.push(format!("a{c}b@example.com"));
        addresses.push(format!("{c}@example.com"));
        addresses.push(format!("alice@ex{c}ample.com"));
        addresses.push(format!("alice@example.c{c}m"));
    }
    addresses
}

#[test]
fn every_address_the_domain_accepts_is_one_the_mailer_can_address() {
    let mut accepted = 0;
    for candidate in candidates() {
        let Ok(email) = Email::parse(&candidate) else {
            continue;
        };
        accepted += 1;
        let address = email.as_str();
        assert!(
            address.parse::<Address>().is_ok(),
            "the domain accepts {address:?} but lettre's Address refuses it"
        );
        assert!(
            address.parse::<Mailbox>().is_ok(),
            "the domain accepts {address:?} but lettre's Mailbox refuses it"
        );
    }
    assert!(accepted > 100, "only {accepted} candidates were accepted");
}

#[test]
fn address_literals_and_quoted_local_parts_are_refused_by_the_domain() {
    for undeliverable in [
        "alice@[127.0.0.1]",
        "alice@[IPv6:::1]",
        "alice@127.0.0.1",
        "\"alice\"@example.com",
        "\"al ice\"@example.com",
        "\"al\\\"ice\"@example.com",
    ] {
        assert!(
            Email::parse(undeliverable).is_err(),
            "the domain accepts {undeliverable:?}"
        );
    }
}
