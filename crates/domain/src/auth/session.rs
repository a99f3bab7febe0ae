//! Who a verified token speaks for ([`Caller`], [`Session`]) and the life of sessions: the
//! token checks, starting a session at login ([`SessionStart`], [`Grant`]), renewing it with
//! a rotating refresh token, listing and ending sessions, and logging out.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::auth::{AuthError, AuthService};
use crate::client::Client;
use crate::events::{AuthAction, AuthEvent, AuthOutcome, TokenRefusal};
use crate::ports::{AccessToken, TokenClaims};
use crate::sessions::{HeldRefresh, NewSession, RefreshToken, SessionId, SessionInfo};
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{PrivateUser, PublicUser, User, UserId};

/// An authenticated account: the proof that a request's token was verified. Only
/// [`AuthService`] makes one (from a genuine, unexpired, unrevoked token), so a function
/// that takes a `&Caller` cannot be handed a made-up identity, and the services' ownership
/// checks take nothing else. It carries the caller's own view of their account, never the
/// password hash.
///
/// ```
/// use quill_domain::testing::Harness;
///
/// let h = Harness::builder().user("alice", "alice@example.com", "password123").build();
/// let token = h.token_for(&h.user("alice"));
/// let caller = futures_executor::block_on(h.auth.authenticate(token.as_str())).unwrap();
/// assert_eq!(caller.username(), "alice");
/// assert_eq!(caller.email(), "alice@example.com");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    account: PrivateUser,
    session: Option<SessionId>,
}

impl Caller {
    /// Only the domain vouches for a caller.
    pub(crate) fn vouch_for(user: &User, session: Option<SessionId>) -> Self {
        Self {
            account: PrivateUser::from(user),
            session,
        }
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

impl AuthService {
    /// The account a bearer token belongs to.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`] for a bad, expired or revoked token,
    /// [`AuthError::AccountGone`] when its account was deleted since.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Client};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// let token = h.token_for(&h.user("alice"));
    /// # futures_executor::block_on(async {
    /// let alice = h.auth.authenticate(token.as_str()).await?;
    /// assert!(matches!(
    ///     h.auth.authenticate("forged").await,
    ///     Err(AuthError::InvalidToken)
    /// ));
    ///
    /// h.auth.delete_account(Client::UNKNOWN, &alice, alice.id()).await?;
    /// assert!(matches!(
    ///     h.auth.authenticate(token.as_str()).await,
    ///     Err(AuthError::AccountGone)
    /// ));
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn authenticate(&self, token: &str) -> Result<Caller, AuthError> {
        Ok(self.session(token).await?.caller)
    }

    /// The account a bearer token belongs to, with what the token says (to log it out).
    ///
    /// A token is refused when it is not genuine or has expired, when it was revoked on its
    /// own (logout), or when its account has moved to a later token generation since it was
    /// issued (logout everywhere, password change). Each refusal is reported to the events
    /// port with its [`TokenRefusal`] reason.
    ///
    /// # Errors
    /// [`AuthError::InvalidToken`], or [`AuthError::AccountGone`] when its account was
    /// deleted since.
    pub async fn session(&self, token: &str) -> Result<Session, AuthError> {
        let now = self.ports.clock.now();
        let claims = match self.ports.tokens.verify(token, now) {
            Ok(claims) => claims,
            Err(rejected) => return Err(self.token_refused(rejected.into())),
        };
        let Some((user, standing)) = self
            .ports
            .users
            .by_id_with_token_standing(claims.user, claims.session.as_ref(), &claims.token_id)
            .await?
        else {
            return Err(self.token_refused(TokenRefusal::AccountGone));
        };
        if claims.generation != user.token_generation {
            return Err(self.token_refused(TokenRefusal::Superseded));
        }
        // A session's tokens end with their session; a token in none is revoked on its own.
        let refusal = match (&claims.session, standing.session_ends) {
            (Some(_), None) => Some(TokenRefusal::Revoked),
            (Some(_), Some(ends)) if ends <= now => Some(TokenRefusal::SessionExpired),
            (Some(_), Some(_)) => None,
            (None, _) => standing.revoked.then_some(TokenRefusal::Revoked),
        };
        if let Some(reason) = refusal {
            return Err(self.token_refused(reason));
        }
        Ok(Session {
            caller: Caller::vouch_for(&user, claims.session.clone()),
            claims,
        })
    }

    /// Reports a refused token to the events port, and the error the caller gets for it.
    fn token_refused(&self, reason: TokenRefusal) -> AuthError {
        self.ports.events.token_refused(reason);
        match reason {
            TokenRefusal::AccountGone => AuthError::AccountGone,
            TokenRefusal::Invalid
            | TokenRefusal::Expired
            | TokenRefusal::Revoked
            | TokenRefusal::Superseded
            | TokenRefusal::SessionExpired => AuthError::InvalidToken,
        }
    }

    /// Logs this token out: ends its session (so every token of that session is refused
    /// from now on, and its refresh token with it), or, for a token naming no session,
    /// revokes that one token until it would have expired anyway.
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] only.
    pub async fn logout(&self, client: Client, session: &Session) -> Result<(), AuthError> {
        let outcome = match &session.claims.session {
            Some(id) => self
                .ports
                .sessions
                .end(session.caller.id(), id)
                .await
                .map(drop)
                .map_err(AuthError::from),
            None => self
                .ports
                .users
                .revoke_token(&session.claims.token_id, session.claims.expires_at)
                .await
                .map_err(AuthError::from),
        };
        self.record_result(
            AuthAction::Logout,
            &outcome,
            Some(session.caller.id()),
            client,
        );
        outcome
    }

    /// Ends every session of the caller and revokes every token they hold, on every device.
    ///
    /// # Errors
    /// [`AuthError::AccountGone`] when the account was deleted meanwhile.
    pub async fn logout_everywhere(
        &self,
        client: Client,
        caller: &Caller,
    ) -> Result<(), AuthError> {
        let outcome = self.end_every_session(caller.id()).await;
        self.record_result(
            AuthAction::LogoutEverywhere,
            &outcome,
            Some(caller.id()),
            client,
        );
        outcome
    }

    async fn end_every_session(&self, id: UserId) -> Result<(), AuthError> {
        // The generation move refuses the tokens that name no session; ending the sessions
        // refuses the rest and stops their refresh tokens. One store call does both, so no
        // failure can leave half of them live.
        match self.ports.sessions.end_all_and_revoke_tokens(id).await? {
            true => Ok(()),
            false => Err(AuthError::AccountGone),
        }
    }

    /// Starts a session for `user` as `start` describes and issues its first access token
    /// (and refresh token, for an offline session).
    pub(super) async fn start_session(
        &self,
        user: &User,
        start: SessionStart,
    ) -> Result<Grant, AuthError> {
        let now = self.ports.clock.now();
        let secrets = &self.ports.session_secrets;
        let id = secrets.new_session_id();
        let refresh = start.offline.then(|| secrets.mint_refresh());
        let lifetime = if start.offline {
            self.policy.refresh_token_lifetime
        } else {
            self.ports
                .tokens
                .lifetime()
                .to_std()
                .unwrap_or(Duration::ZERO)
        };
        self.ports
            .sessions
            .start(NewSession {
                id: id.clone(),
                user: user.id,
                user_agent: start.user_agent,
                started_at: now,
                expires_at: now + clamp(lifetime),
                refresh: refresh.as_ref().map(|r| secrets.digest(r)),
            })
            .await?;
        self.grant(user, &id, refresh, now)
    }

    fn grant(
        &self,
        user: &User,
        session: &SessionId,
        refresh_token: Option<RefreshToken>,
        now: DateTime<Utc>,
    ) -> Result<Grant, AuthError> {
        let tokens = &self.ports.tokens;
        Ok(Grant {
            access_token: tokens.issue(user, session, now)?,
            refresh_token,
            expires_in: tokens.lifetime().to_std().unwrap_or(Duration::ZERO),
        })
    }

    /// Renews a session with its refresh token: a fresh access token and the token's
    /// successor, retiring the presented one (rotation).
    ///
    /// Charged to the client's refresh rate first. Tabs racing with one token all get the
    /// same successor within the policy's `refresh_grace`, so a session keeps exactly one
    /// live chain; a retired token presented after the grace means a copy is in other hands,
    /// so the whole session is ended (and audited as
    /// [`AuthAction::RefreshReplay`]). A session cannot be renewed past its absolute expiry.
    ///
    /// # Errors
    /// [`AuthError::InvalidRefreshToken`] for every refusal of the token itself;
    /// [`AuthError::Throttled`], [`AuthError::Unavailable`].
    pub async fn refresh(
        &self,
        client: Client,
        presented: &RefreshToken,
    ) -> Result<Grant, AuthError> {
        let key = self.client_key(client);
        self.admit(
            client,
            None,
            &ThrottleKey::client(ThrottleScope::RefreshPerClient, key),
            self.policy.refresh_per_client,
        )
        .await?;
        let (outcome, user) = self.renew(client, presented).await;
        self.record_result(AuthAction::Refresh, &outcome, user, client);
        outcome
    }

    async fn renew(
        &self,
        client: Client,
        presented: &RefreshToken,
    ) -> (Result<Grant, AuthError>, Option<UserId>) {
        let secrets = &self.ports.session_secrets;
        let store = &self.ports.sessions;
        let now = self.ports.clock.now();
        let digest = secrets.digest(presented);
        let held = match store.refresh_holder(&digest).await {
            Ok(Some(held)) if held.session_expires_at > now => held,
            Ok(_) => return (Err(AuthError::InvalidRefreshToken), None),
            Err(e) => return (Err(e.into()), None),
        };
        let user = Some(held.user);
        let successor = secrets.successor(presented);
        let successor_digest = secrets.digest(&successor);
        let outcome = async {
            let retired_at = match held.retired_at {
                None if store.rotate(&digest, &successor_digest, now).await? => None,
                // Another tab rotated it first: read when, and judge it as spent.
                None => store
                    .refresh_holder(&digest)
                    .await?
                    .and_then(|h| h.retired_at)
                    .or(Some(now)),
                Some(at) => Some(at),
            };
            if let Some(retired_at) = retired_at {
                self.spent_refresh(client, &held, retired_at, &successor_digest, now)
                    .await?;
            }
            let account = self
                .ports
                .users
                .by_id(held.user)
                .await?
                .ok_or(AuthError::InvalidRefreshToken)?;
            self.grant(&account, &held.session, Some(successor), now)
        }
        .await;
        (outcome, user)
    }

    /// Judges a spent refresh token: within the grace its successor is handed out again, as
    /// long as that successor is still the live end of the chain; after it, the session ends.
    async fn spent_refresh(
        &self,
        client: Client,
        held: &HeldRefresh,
        retired_at: DateTime<Utc>,
        successor: &crate::sessions::RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let store = &self.ports.sessions;
        if now - retired_at <= clamp(self.policy.refresh_grace) {
            return match store.refresh_holder(successor).await? {
                Some(next) if next.retired_at.is_none() => Ok(()),
                _ => Err(AuthError::InvalidRefreshToken),
            };
        }
        store.end(held.user, &held.session).await?;
        self.ports.events.record(&AuthEvent {
            action: AuthAction::RefreshReplay,
            outcome: AuthOutcome::Success,
            user: Some(held.user),
            client,
            limit: None,
            attempted: None,
        });
        Err(AuthError::InvalidRefreshToken)
    }

    /// The caller's live sessions, the most recently used first, their own marked.
    ///
    /// # Errors
    /// [`AuthError::Unavailable`] or [`AuthError::Unexpected`] only.
    pub async fn sessions(&self, caller: &Caller) -> Result<Vec<OwnSession>, AuthError> {
        let now = self.ports.clock.now();
        let listed = self.ports.sessions.sessions_of(caller.id(), now).await?;
        Ok(listed
            .into_iter()
            .map(|info| OwnSession {
                current: caller.session_id() == Some(&info.id),
                info,
            })
            .collect())
    }

    /// Ends one of the caller's sessions (any of theirs, this one included): its access
    /// tokens are refused from now on and its refresh token stops working.
    ///
    /// # Errors
    /// [`AuthError::SessionNotFound`] for an id that is not one of the caller's sessions
    /// (another account's is never touched).
    pub async fn end_session(
        &self,
        client: Client,
        caller: &Caller,
        id: &SessionId,
    ) -> Result<(), AuthError> {
        let outcome = match self.ports.sessions.end(caller.id(), id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AuthError::SessionNotFound),
            Err(e) => Err(e.into()),
        };
        self.record_result(AuthAction::SessionEnd, &outcome, Some(caller.id()), client);
        outcome
    }
}

/// A [`std::time::Duration`] as a `chrono` one, saturating: policy durations are far below
/// the bound, and a saturated expiry is as good as none.
fn clamp(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
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
