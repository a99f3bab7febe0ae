//! quill-server's integration tests, as one test binary: each suite is a module, so a change
//! anywhere in the stack relinks one executable rather than one per suite. Tests share the
//! process, so none of them changes process-wide state (environment variables, the global
//! tracing subscriber, signals to itself) in it: one that signals a server starts the `quill`
//! binary, and one that needs the global subscriber runs in a child process of this binary
//! (`support::alone_in_a_process`).
//!
//! Run one suite with its module name as a filter, e.g.
//! `cargo test -p quill-server --test full_stack browser::`.

mod support;

mod api_conventions;
mod api_posts;
mod api_users;
mod architecture;
mod browser;
mod caching;
mod common_passwords;
mod connection_limits;
mod metrics;
mod openapi;
mod operability;
mod pages;
mod pictures;
mod postgres_replicas;
mod query_budget;
mod recent_auth;
mod recovery;
mod remote_verification;
mod sessions;
mod settings_names;
mod signing_keys;
mod token_lifecycle;
mod verification;
