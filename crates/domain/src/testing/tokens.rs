//! [`FakeTokenCodec`]: unsigned tokens that still expire and carry ids and generations.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::SessionId;
use crate::error::Unexpected;
use crate::user::{User, UserId};
use crate::{AccessToken, TokenClaims, TokenCodec, TokenRejected};

/// A token codec without signatures: tokens read
/// `fake:<user id>:<generation>:<expiry, Unix seconds>:<session id>:<token id>:<auth time,
/// Unix seconds>`, with `-` for the session of a token naming none (as the original's do),
/// which also says nothing of when its account authenticated. They expire like real ones and
/// each has its own id, so expiry, revocation and recency rules are testable; see
/// [`TokenCodec`] for an example.
#[derive(Debug)]
pub struct FakeTokenCodec {
    lifetime: Duration,
    issued: AtomicUsize,
}

impl FakeTokenCodec {
    /// Tokens that live for `lifetime`.
    #[must_use]
    pub fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            issued: AtomicUsize::new(0),
        }
    }
}

impl FakeTokenCodec {
    /// How long the tokens it issues live.
    #[must_use]
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }
}

impl FakeTokenCodec {
    /// A token naming no session, as the original issued them (which quill still accepts);
    /// like theirs, it does not say when its account authenticated.
    #[must_use]
    pub fn sessionless(&self, user: &User, now: DateTime<Utc>) -> String {
        let expires = (now + self.lifetime).timestamp();
        let serial = self.issued.fetch_add(1, Ordering::SeqCst);
        format!(
            "fake:{}:{}:{expires}:-:t{serial}:-",
            user.id, user.token_generation
        )
    }
}

impl Default for FakeTokenCodec {
    fn default() -> Self {
        Self::new(Duration::minutes(30))
    }
}

impl TokenCodec for FakeTokenCodec {
    fn issue(
        &self,
        user: &User,
        session: &SessionId,
        authenticated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Unexpected> {
        let token = self.sessionless(user, now);
        let token = token.replacen(":-:", &format!(":{session}:"), 1);
        let token = token.strip_suffix(":-").unwrap_or(&token);
        Ok(AccessToken::new(format!(
            "{token}:{}",
            authenticated_at.timestamp()
        )))
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejected> {
        let parts: Vec<&str> = token
            .strip_prefix("fake:")
            .ok_or(TokenRejected::Invalid)?
            .split(':')
            .collect();
        let [user, generation, expires, session, token_id, auth_time] = parts.as_slice() else {
            return Err(TokenRejected::Invalid);
        };
        let number = |text: &str| text.parse::<i64>().map_err(|_| TokenRejected::Invalid);
        let instant =
            |text: &str| DateTime::from_timestamp(number(text)?, 0).ok_or(TokenRejected::Invalid);
        let expires_at = instant(expires)?;
        let authenticated_at = match *auth_time {
            "-" => None,
            seconds => Some(instant(seconds)?),
        };
        if now >= expires_at {
            return Err(TokenRejected::Expired);
        }
        Ok(TokenClaims {
            user: UserId(number(user)?),
            session: (*session != "-").then(|| SessionId::new(*session)),
            token_id: (*token_id).to_owned(),
            generation: number(generation)?,
            expires_at,
            authenticated_at,
        })
    }
}
