//! The session capability: who a verified token speaks for and the life of sessions. The
//! token checks ([`SessionService::authenticate`]), starting a session at login, renewing it
//! with a rotating refresh token (`refresh`), listing and ending sessions, and logging out;
//! how recent an authentication a sensitive change needs (`recency`); the values (`values`), the ports (`store`: sessions and refresh tokens, `token`: the
//! signed access tokens) and what each operation answers (`error`). Every other capability
//! stands on this one (a [`Caller`] is how they know who asks); it imports none of them.

mod error;
mod recency;
mod refresh;
mod store;
mod token;
mod values;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub use error::{RefreshError, SessionError, TokenError};
pub use recency::Recency;
pub use store::{
    HeldRefresh, NewSession, RefreshDigest, RefreshToken, SessionId, SessionInfo, SessionSecrets,
    SessionStore, TokenStandings,
};
pub use token::{
    AccessToken, PublicKeyMaterial, PublishedKey, TokenClaims, TokenCodec, TokenRejected,
    TokenStanding,
};
pub use values::{Caller, Grant, OwnSession, Session, SessionStart};

use super::guard::Guard;
use super::policy::AuthPolicy;
use crate::client::Client;
use crate::error::{StoreError, Unexpected};
use crate::events::{AuthAction, TokenRefusal};
use crate::user::{User, UserId, UserRepository};

/// What a [`SessionService`] works through besides the shared guard.
#[derive(Clone)]
pub struct SessionPorts {
    /// Accounts, read when a refresh renews a session.
    pub users: Arc<dyn UserRepository>,
    /// The account with its token's standing, and single-token revocations.
    pub standings: Arc<dyn TokenStandings>,
    /// Sessions and their refresh tokens.
    pub sessions: Arc<dyn SessionStore>,
    /// Minting and digesting session ids and refresh tokens.
    pub session_secrets: Arc<dyn SessionSecrets>,
    /// Issuing and checking access tokens.
    pub tokens: Arc<dyn TokenCodec>,
}

/// Token checks and the life of sessions, with their rate limit and audit events.
///
/// Cheap to clone: shared handles to its ports.
#[derive(Clone)]
pub struct SessionService {
    users: Arc<dyn UserRepository>,
    standings: Arc<dyn TokenStandings>,
    sessions: Arc<dyn SessionStore>,
    session_secrets: Arc<dyn SessionSecrets>,
    tokens: Arc<dyn TokenCodec>,
    guard: Guard,
    policy: AuthPolicy,
}

impl SessionService {
    /// The session service over these ports.
    #[must_use]
    pub fn new(ports: SessionPorts, guard: Guard, policy: AuthPolicy) -> Self {
        let SessionPorts {
            users,
            standings,
            sessions,
            session_secrets,
            tokens,
        } = ports;
        Self {
            users,
            standings,
            sessions,
            session_secrets,
            tokens,
            guard,
            policy,
        }
    }

    /// The public keys other services verify this service's tokens with (none when tokens
    /// are signed with a shared secret).
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    ///
    /// assert!(Harness::new().auth.sessions.published_keys().is_empty());
    /// ```
    #[must_use]
    pub fn published_keys(&self) -> Vec<PublishedKey> {
        self.tokens.published_keys()
    }

    /// The account a bearer token belongs to.
    ///
    /// # Errors
    /// [`TokenError::InvalidToken`] for a bad, expired or revoked token,
    /// [`TokenError::AccountGone`] when its account was deleted since.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, TokenError};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let token = h.token_for(&h.user("alice"));
    /// # futures_executor::block_on(async {
    /// let alice = h.auth.sessions.authenticate(token.as_str()).await?;
    /// assert!(matches!(
    ///     h.auth.sessions.authenticate("forged").await,
    ///     Err(TokenError::InvalidToken)
    /// ));
    ///
    /// h.auth.accounts.delete_account(Client::UNKNOWN, &alice, alice.id(), None).await?;
    /// assert!(matches!(
    ///     h.auth.sessions.authenticate(token.as_str()).await,
    ///     Err(TokenError::AccountGone)
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn authenticate(&self, token: &str) -> Result<Caller, TokenError> {
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
    /// [`TokenError::InvalidToken`], or [`TokenError::AccountGone`] when its account was
    /// deleted since.
    pub async fn session(&self, token: &str) -> Result<Session, TokenError> {
        let now = self.guard.now();
        let claims = match self.tokens.verify(token, now) {
            Ok(claims) => claims,
            Err(rejected) => return Err(self.token_refused(rejected.into())),
        };
        let Some((user, standing)) = self
            .standings
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
            caller: Caller::vouch_for(&user, claims.session.clone(), claims.authenticated_at),
            claims,
        })
    }

    /// Reports a refused token to the events port, and the error the caller gets for it.
    fn token_refused(&self, reason: TokenRefusal) -> TokenError {
        self.guard.events().token_refused(reason);
        match reason {
            TokenRefusal::AccountGone => TokenError::AccountGone,
            TokenRefusal::Invalid
            | TokenRefusal::Expired
            | TokenRefusal::Revoked
            | TokenRefusal::Superseded
            | TokenRefusal::SessionExpired => TokenError::InvalidToken,
        }
    }

    /// Logs this token out: ends its session (so every token of that session is refused
    /// from now on, and its refresh token with it), or, for a token naming no session,
    /// revokes that one token until it would have expired anyway.
    ///
    /// # Errors
    /// [`SessionError::Unavailable`] or [`SessionError::Unexpected`] only.
    pub async fn logout(&self, client: Client, session: &Session) -> Result<(), SessionError> {
        let outcome = match &session.claims.session {
            Some(id) => self
                .sessions
                .end(session.caller.id(), id)
                .await
                .map(drop)
                .map_err(SessionError::from),
            None => self
                .standings
                .revoke_token(&session.claims.token_id, session.claims.expires_at)
                .await
                .map_err(SessionError::from),
        };
        self.guard.record_result(
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
    /// [`SessionError::AccountGone`] when the account was deleted meanwhile.
    pub async fn logout_everywhere(
        &self,
        client: Client,
        caller: &Caller,
    ) -> Result<(), SessionError> {
        let outcome = self.end_every_session(caller.id()).await;
        self.guard.record_result(
            AuthAction::LogoutEverywhere,
            &outcome,
            Some(caller.id()),
            client,
        );
        outcome
    }

    async fn end_every_session(&self, id: UserId) -> Result<(), SessionError> {
        // The generation move refuses the tokens that name no session; ending the sessions
        // refuses the rest and stops their refresh tokens. One store call does both, so no
        // failure can leave half of them live.
        match self.sessions.end_all_and_revoke_tokens(id).await? {
            true => Ok(()),
            false => Err(SessionError::AccountGone),
        }
    }

    /// Starts a session for `user`, who has just proved themselves, as `start` describes and
    /// issues its first access token (and refresh token, for an offline session).
    pub(crate) async fn start_session(
        &self,
        user: &User,
        start: SessionStart,
    ) -> Result<Grant, StoreError> {
        let now = self.guard.now();
        let secrets = &self.session_secrets;
        let id = secrets.new_session_id();
        let refresh = start.offline.then(|| secrets.mint_refresh());
        let lifetime = if start.offline {
            self.policy.refresh_token_lifetime
        } else {
            self.tokens.lifetime().to_std().unwrap_or(Duration::ZERO)
        };
        self.sessions
            .start(NewSession {
                id: id.clone(),
                user: user.id,
                user_agent: start.user_agent,
                started_at: now,
                authenticated_at: now,
                expires_at: now + clamp(lifetime),
                refresh: refresh.as_ref().map(|r| secrets.digest(r)),
            })
            .await?;
        Ok(self.grant(user, &id, refresh, now, now)?)
    }

    /// A fresh access token for `user` in `session`, of the account's current generation,
    /// saying the account proved itself at `authenticated_at`.
    pub(crate) fn access_token(
        &self,
        user: &User,
        session: &SessionId,
        authenticated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Unexpected> {
        self.tokens.issue(user, session, authenticated_at, now)
    }

    /// The tokens a client is handed for `session`, whose account proved itself at
    /// `authenticated_at`.
    pub(crate) fn grant(
        &self,
        user: &User,
        session: &SessionId,
        refresh_token: Option<RefreshToken>,
        authenticated_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Grant, Unexpected> {
        let tokens = &self.tokens;
        Ok(Grant {
            access_token: tokens.issue(user, session, authenticated_at, now)?,
            refresh_token,
            expires_in: tokens.lifetime().to_std().unwrap_or(Duration::ZERO),
        })
    }

    /// The caller's live sessions, newest activity first, the current one marked.
    ///
    /// # Errors
    /// [`SessionError::Unavailable`] or [`SessionError::Unexpected`] only.
    pub async fn list(&self, caller: &Caller) -> Result<Vec<OwnSession>, SessionError> {
        let now = self.guard.now();
        let listed = self.sessions.sessions_of(caller.id(), now).await?;
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
    /// [`SessionError::SessionNotFound`] for an id that is not one of the caller's sessions
    /// (another account's is never touched).
    pub async fn end_session(
        &self,
        client: Client,
        caller: &Caller,
        id: &SessionId,
    ) -> Result<(), SessionError> {
        let outcome = match self.sessions.end(caller.id(), id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(SessionError::SessionNotFound),
            Err(e) => Err(e.into()),
        };
        self.guard
            .record_result(AuthAction::SessionEnd, &outcome, Some(caller.id()), client);
        outcome
    }
}

/// A [`std::time::Duration`] as a `chrono` one, saturating: policy durations are far below
/// the bound, and a saturated expiry is as good as none.
pub(crate) fn clamp(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

crate::opaque_debug!(SessionService, SessionPorts);
