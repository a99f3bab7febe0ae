//! quill-server's integration tests, as one test binary: each suite is a module, so a change
//! anywhere in the stack relinks one executable rather than one per suite. Tests share the
//! process, so none of them changes process-wide state (environment variables, the global
//! tracing subscriber, signals to itself); a test that needs a process of its own starts the
//! `quill` binary.
//!
//! Run one suite with its module name as a filter, e.g.
//! `cargo test -p quill-server --test full_stack browser::`.

mod support;

mod api_conventions;
mod api_posts;
mod api_users;
mod architecture;
mod browser;
mod openapi;
mod pages;
mod postgres_replicas;
mod query_budget;
mod token_lifecycle;
