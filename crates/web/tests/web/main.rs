//! The web crate's integration suite, one test binary: the real router over the domain's
//! fakes, one module per subject.

mod common_passwords;
mod rate_limits;
