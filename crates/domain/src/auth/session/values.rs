//! The values of a session: [`Caller`] and [`Session`], who a verified token speaks for; and
//! [`SessionStart`], [`Grant`] and [`OwnSession`], how a session starts, what a login hands
//! the client, and how the session list shows one.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::store::{RefreshToken, SessionId, SessionInfo};
use super::token::{AccessToken, TokenClaims};
use crate::user::{PrivateUser, PublicUser, User, UserId};

/// An authenticated account: the proof that a request's token was verified. Only
/// the [`SessionService`](crate::SessionService) makes one (from a genuine, unexpired, unrevoked token), so a function
/// that takes a `&Caller` cannot be handed a made-up identity, and the services' ownership
/// checks take nothing else. It carries the caller's own view of their account, never the
/// password hash.
///
/// ```
/// use quill_domain::testing::Harness;
///
/// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
/// let token = h.token_for(&h.user("alice"));
/// let caller = futures_executor::block_on(h.auth.sessions.authenticate(token.as_str())).unwrap();
/// assert_eq!(caller.username(), "alice");
/// assert_eq!(caller.email(), "alice@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    account: PrivateUser,
    session: Option<SessionId>,
    authenticated_at: Option<DateTime<Utc>>,
}

impl Caller {
    /// Only the domain vouches for a caller.
    pub(crate) fn vouch_for(
        user: &User,
        session: Option<SessionId>,
        authenticated_at: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            account: PrivateUser::from(user),
            session,
            authenticated_at,
        }
    }

    /// When the caller's account last proved itself in this session (a password login), as
    /// their token says (`auth_time`); `None` for a token that does not say, which never
    /// counts as recent. See [`Recency`](crate::Recency).
    #[must_use]
    pub fn authenticated_at(&self) -> Option<DateTime<Utc>> {
        self.authenticated_at
    }

    /// The session the caller's token belongs to; `None` for a token the original issued,
    /// which names none.
    #[must_use]
    pub fn session_id(&self) -> Option<&SessionId> {
        self.session.as_ref()
    }

    /// The caller's account id.
    #[must_use]
    pub fn id(&self) -> UserId {
        self.account.public.id
    }

    /// The caller's display name.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.account.public.username
    }

    /// The caller's canonical email address.
    #[must_use]
    pub fn email(&self) -> &str {
        &self.account.email
    }

    /// What anyone may see of the caller.
    #[must_use]
    pub fn public(&self) -> &PublicUser {
        &self.account.public
    }

    /// The caller's own view of their account.
    #[must_use]
    pub fn account(&self) -> &PrivateUser {
        &self.account
    }
}

/// An authenticated request: the caller and what their token says (to revoke that very
/// token).
#[derive(Debug, Clone)]
pub struct Session {
    /// The caller.
    pub caller: Caller,
    /// Their token's claims.
    pub claims: TokenClaims,
}

/// How a login's session starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionStart {
    /// The client's `User-Agent`, shown in the session list.
    pub user_agent: Option<String>,
    /// Whether the session is renewable with a refresh token (`scope=offline_access`).
    pub offline: bool,
}

impl SessionStart {
    /// The longest `User-Agent` kept, in characters: enough for any real browser's, and a
    /// bound on what a client can make the store keep.
    pub const MAX_USER_AGENT_CHARS: usize = 256;

    /// A session start with this `User-Agent` (trimmed, cut to
    /// [`SessionStart::MAX_USER_AGENT_CHARS`], dropped when blank).
    ///
    /// ```
    /// use quill_domain::SessionStart;
    ///
    /// let start = SessionStart::new(Some("  curl/8.0  "), false);
    /// assert_eq!(start.user_agent.as_deref(), Some("curl/8.0"));
    /// assert_eq!(SessionStart::new(Some("   "), true).user_agent, None);
    /// let long = "x".repeat(1000);
    /// let kept = SessionStart::new(Some(&long), false).user_agent.unwrap();
    /// assert_eq!(kept.chars().count(), SessionStart::MAX_USER_AGENT_CHARS);
    /// ```
    #[must_use]
    pub fn new(user_agent: Option<&str>, offline: bool) -> Self {
        let user_agent = user_agent
            .map(str::trim)
            .filter(|ua| !ua.is_empty())
            .map(|ua| ua.chars().take(Self::MAX_USER_AGENT_CHARS).collect());
        Self {
            user_agent,
            offline,
        }
    }
}

/// What a login or a refresh hands the client.
#[derive(Debug, Clone)]
pub struct Grant {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, for an offline session.
    pub refresh_token: Option<RefreshToken>,
    /// How long the access token is valid.
    pub expires_in: Duration,
}

/// One of the caller's sessions, as the session list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnSession {
    /// The session.
    pub info: SessionInfo,
    /// Whether it is the session of the token that asked.
    pub current: bool,
}
