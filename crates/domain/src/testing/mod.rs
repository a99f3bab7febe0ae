//! In-memory fakes of every port and a [`Harness`] that wires them into the services, so
//! rules, and code built on [`Auth`](crate::Auth), can be tested in microseconds with no database,
//! no runtime and no real crypto. Enabled by the `test-util` feature, for this crate's tests
//! and for downstream crates:
//!
//! ```toml
//! [dev-dependencies]
//! quill-domain = { version = "0.1", features = ["test-util"] }
//! ```
//!
//! | port | fake | what it does instead |
//! | --- | --- | --- |
//! | [`UserRepository`], [`PostRepository`], [`SessionStore`] | [`InMemoryStore`] | maps behind a mutex, with the database's uniqueness, cascade and id rules |
//! | [`PasswordHasher`] | [`FakeHasher`] | readable `fake:v2:<password>` "hashes", counted |
//! | [`TokenCodec`] | [`FakeTokenCodec`] | unsigned `fake:<id>:<expiry>` tokens that still expire |
//! | [`Clock`] | [`FixedClock`] | stands still until advanced |
//! | [`Throttle`] | [`InMemoryThrottle`] (the real one) | its buckets follow the harness clock |
//! | [`AuthEvents`] | [`RecordedEvents`] | keeps every audit event for assertions |
//! | [`RecoveryStore`] | [`InMemoryStore`] | reset tokens beside the accounts, mail into its outbox |
//! | [`MailOutbox`] | [`InMemoryOutbox`] | queued mail with the real claiming rule |
//! | [`Mailer`] | [`RecordingMailer`] | keeps what it was given; can be down or refuse |
//! | [`ResetRequestQueue`] | [`QueuedResetRequests`] | keeps requests until the test hands them on |
//! | [`ResetSecrets`] | [`FakeResetSecrets`] | readable `reset-N` tokens |
//! | [`SessionSecrets`] | [`FakeSessionSecrets`] | readable `session-N` ids, `refresh-N` tokens |
//! | [`PictureStore`] | [`InMemoryPictureStore`] | pictures in a map; saves fail on demand |
//! | [`PictureProcessor`] | [`FakePictureProcessor`] | `image:<x>` becomes `jpeg:<x>`, anything else is no image |
//! | [`VerificationStore`] | [`InMemoryStore`] | verification tokens and verified emails beside the accounts, mail into its outbox |
//! | [`VerificationSecrets`] | [`FakeVerificationSecrets`] | readable `verify-N` tokens |
//!
//! [`Harness::builder`] sets up accounts with known passwords, the clock and the token
//! lifetime in one expression; the fakes stay reachable as fields for assertions:
//!
//! ```
//! use chrono::{Duration, TimeZone as _, Utc};
//! use quill_domain::testing::Harness;
//! use quill_domain::{Client, Password, TokenError};
//! # futures_executor::block_on(async {
//! let h = Harness::builder()
//!     .user("alice", "alice@example.com", "quiet-harbour-lamp")
//!     .clock_at(Utc.with_ymd_and_hms(2030, 1, 1, 12, 0, 0).unwrap())
//!     .token_lifetime(Duration::minutes(5))
//!     .build();
//!
//! let token = h
//!     .auth
//!     .login
//!     .with_password(Client::UNKNOWN, "ALICE@example.com", &Password::attempt("quiet-harbour-lamp"))
//!     .await?;
//! assert_eq!(h.auth.sessions.authenticate(token.as_str()).await?.id(), h.user("alice").id);
//! assert_eq!(h.hasher.verifications(), 1);
//!
//! h.clock.advance(Duration::minutes(5));
//! assert!(matches!(
//!     h.auth.sessions.authenticate(token.as_str()).await,
//!     Err(TokenError::InvalidToken)
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! [`UserRepository`]: crate::UserRepository
//! [`PostRepository`]: crate::PostRepository
//! [`PasswordHasher`]: crate::PasswordHasher
//! [`TokenCodec`]: crate::TokenCodec
//! [`Clock`]: crate::Clock
//! [`Throttle`]: crate::Throttle
//! [`InMemoryThrottle`]: crate::InMemoryThrottle
//! [`AuthEvents`]: crate::AuthEvents
//! [`RecoveryStore`]: crate::RecoveryStore
//! [`MailOutbox`]: crate::MailOutbox
//! [`Mailer`]: crate::Mailer
//! [`ResetRequestQueue`]: crate::ResetRequestQueue
//! [`ResetSecrets`]: crate::ResetSecrets
//! [`PictureStore`]: crate::PictureStore
//! [`SessionStore`]: crate::SessionStore
//! [`SessionSecrets`]: crate::SessionSecrets
//! [`PictureProcessor`]: crate::PictureProcessor
//! [`VerificationStore`]: crate::VerificationStore
//! [`VerificationSecrets`]: crate::VerificationSecrets

mod clock;
mod events;
mod gated;
mod harness;
mod hasher;
mod mail;
mod pictures;
mod sessions;
mod store;
mod tokens;
mod verification;

pub use clock::FixedClock;
pub use events::RecordedEvents;
pub use gated::{Gated, GatedHasher};
pub use harness::{Harness, HarnessBuilder};
pub use hasher::FakeHasher;
pub use mail::{FakeResetSecrets, InMemoryOutbox, QueuedResetRequests, RecordingMailer};
pub use pictures::{FakePictureProcessor, InMemoryPictureStore};
pub use sessions::FakeSessionSecrets;
pub use store::InMemoryStore;
pub use tokens::FakeTokenCodec;
pub use verification::FakeVerificationSecrets;
