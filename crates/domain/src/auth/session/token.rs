//! The access token as a port: [`TokenCodec`] issues and checks the signed, expiring tokens a
//! session is presented by, and publishes the keys other services verify them with.

use chrono::{DateTime, Utc};

use super::store::SessionId;
use crate::error::Unexpected;
use crate::events::TokenRefusal;
use crate::secret::bearer_secret;
use crate::user::{User, UserId};

bearer_secret! {
    /// A signed, expiring access token. Its `Debug` hides it: it is a bearer credential.
    ///
    /// ```
    /// use quill_domain::AccessToken;
    ///
    /// let token = AccessToken::new("eyJhbGciOi...");
    /// assert_eq!(token.as_str(), "eyJhbGciOi...");
    /// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
    /// ```
    AccessToken
}

/// A token was refused. The two kinds are told apart only for counting (an operator sees
/// expired tokens as routine, forged ones as a signal): the session service reports both as
/// [`TokenError::InvalidToken`](super::TokenError::InvalidToken), so no caller can tell an
/// attacker which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    /// Not a token this service issued: forged, malformed, or of another algorithm.
    #[error("token rejected: not genuine")]
    Invalid,
    /// Genuine, but past its expiry.
    #[error("token rejected: expired")]
    Expired,
}

/// Where a token stands in the store, besides its signature and expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStanding {
    /// When the token's session ends; `None` when it names none, or names one that was
    /// ended (logged out, or ended from the session list).
    pub session_ends: Option<DateTime<Utc>>,
    /// Whether the token was revoked on its own: how a token naming no session logs out. It
    /// matters for such tokens only (a session's tokens end with their session), so a store
    /// need not look for a token that names a session.
    pub revoked: bool,
}

/// What a genuine, unexpired token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenClaims {
    /// The account it was issued to (`sub`).
    pub user: UserId,
    /// The session it belongs to (`sid`); `None` for a token the original issued, which
    /// names no session.
    pub session: Option<SessionId>,
    /// Its unique id (`jti`), by which this one token can be revoked.
    pub token_id: String,
    /// The account's token generation when it was issued (`gen`); logging out everywhere
    /// or changing the password moves the account to the next generation.
    pub generation: i64,
    /// When it stops being valid (`exp`).
    pub expires_at: DateTime<Utc>,
    /// When the account last proved itself in the token's session (`auth_time`, OIDC Core):
    /// its login, not the refresh that minted this token. `None` for a token without the
    /// claim (the original's, or one issued before quill carried it), which never counts as
    /// a recent authentication.
    pub authenticated_at: Option<DateTime<Utc>>,
}

/// Issuing and checking access tokens. The time is passed in (from the service's
/// [`Clock`](crate::Clock)), so expiry is testable.
///
/// ```
/// use chrono::{Duration, TimeZone as _, Utc};
/// use quill_domain::testing::{FakeTokenCodec, Harness};
/// use quill_domain::{SessionId, TokenCodec, TokenRejected};
///
/// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
/// let alice = h.user("alice");
/// let codec = FakeTokenCodec::new(Duration::minutes(30));
/// let now = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
/// let session = SessionId::new("session-1");
/// let token = codec.issue(&alice, &session, now, now)?;
/// assert_eq!(codec.verify(token.as_str(), now).map(|c| c.user), Ok(alice.id));
/// assert_eq!(
///     codec.verify(token.as_str(), now + Duration::minutes(30)),
///     Err(TokenRejected::Expired)
/// );
/// assert_eq!(codec.verify("forged", now), Err(TokenRejected::Invalid));
/// # Ok::<(), quill_domain::Unexpected>(())
/// ```
pub trait TokenCodec: Send + Sync {
    /// A fresh token for `user` (of its current token generation) in `session`, issued at
    /// `now`, expiring after [`TokenCodec::lifetime`], with an id of its own, saying that the
    /// account last proved itself at `authenticated_at` (`auth_time`).
    ///
    /// # Errors
    /// [`Unexpected`] if encoding fails.
    fn issue(
        &self,
        user: &User,
        session: &SessionId,
        authenticated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Unexpected>;

    /// How long the tokens it issues are valid.
    fn lifetime(&self) -> chrono::Duration;

    /// What a token says, if it is genuine and unexpired at `now`.
    ///
    /// # Errors
    /// [`TokenRejected::Expired`] for a genuine token past its expiry,
    /// [`TokenRejected::Invalid`] for anything else.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejected>;

    /// The public keys that verify this codec's tokens, for other services to check them
    /// without a shared secret. A codec signing with a shared secret publishes none: the
    /// secret mints tokens as well as checking them.
    fn published_keys(&self) -> Vec<PublishedKey> {
        Vec::new()
    }
}

/// A public key that verifies tokens, in the terms of a JSON Web Key (RFC 7517): what a
/// service needs to check a token offline, and nothing that could sign one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedKey {
    /// The key's id (`kid`), which a token's header names: its RFC 7638 thumbprint.
    pub key_id: String,
    /// The one algorithm this key verifies (`alg`: `EdDSA` or `ES256`).
    pub algorithm: &'static str,
    /// The key's material.
    pub material: PublicKeyMaterial,
}

/// A public key's coordinates, base64url without padding as JWKs carry them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyMaterial {
    /// An Ed25519 key (`kty: OKP`, `crv: Ed25519`).
    Ed25519 {
        /// The 32-byte public key.
        x: String,
    },
    /// A P-256 key (`kty: EC`, `crv: P-256`).
    P256 {
        /// The point's x coordinate.
        x: String,
        /// The point's y coordinate.
        y: String,
    },
}

/// A codec's refusal, as the audit trail counts it.
///
/// ```
/// use quill_domain::{TokenRefusal, TokenRejected};
///
/// assert_eq!(TokenRefusal::from(TokenRejected::Expired), TokenRefusal::Expired);
/// ```
impl From<TokenRejected> for TokenRefusal {
    fn from(rejected: TokenRejected) -> Self {
        match rejected {
            TokenRejected::Invalid => Self::Invalid,
            TokenRejected::Expired => Self::Expired,
        }
    }
}
