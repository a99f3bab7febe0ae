//! The domain's rules, exercised over the in-memory fakes of the `test-util` feature: no
//! database, no server, no runtime. One test binary; one module per subject.

mod abuse_rules;
mod auth_rules;
mod common_passwords;
mod content_tags;
mod layout;
mod picture_rules;
mod post_rules;
mod reauth_rules;
mod recovery_rules;
mod refresh_rules;
mod registration_rules;
mod token_lifecycle;
mod verification_rules;
