//! Who a verified token speaks for: [`Caller`] and [`Session`], and the service's token
//! checks and revocations.

use crate::auth::{AuthError, AuthService};
use crate::client::Client;
use crate::events::{AuthAction, TokenRefusal};
use crate::ports::TokenClaims;
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
}

impl Caller {
    /// Only the domain vouches for a caller.
    pub(crate) fn vouch_for(user: &User) -> Self {
        Self {
            account: PrivateUser::from(user),
        }
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
        let claims = match self.ports.tokens.verify(token, self.ports.clock.now()) {
            Ok(claims) => claims,
            Err(rejected) => return Err(self.token_refused(rejected.into())),
        };
        let Some((user, revoked)) = self
            .ports
            .users
            .by_id_with_token_status(claims.user, &claims.token_id)
            .await?
        else {
            return Err(self.token_refused(TokenRefusal::AccountGone));
        };
        if revoked {
            return Err(self.token_refused(TokenRefusal::Revoked));
        }
        if claims.generation != user.token_generation {
            return Err(self.token_refused(TokenRefusal::Superseded));
        }
        Ok(Session {
            caller: Caller::vouch_for(&user),
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
            | TokenRefusal::Superseded => AuthError::InvalidToken,
        }
    }

    /// Revokes the token of this session; it is refused from now on, and remembered only
    /// until it would have expired anyway.
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] only.
    pub async fn logout(&self, client: Client, session: &Session) -> Result<(), AuthError> {
        let outcome = self
            .ports
            .users
            .revoke_token(&session.claims.token_id, session.claims.expires_at)
            .await
            .map_err(AuthError::from);
        self.record_result(
            AuthAction::Logout,
            &outcome,
            Some(session.caller.id()),
            client,
        );
        outcome
    }

    /// Revokes every token the caller holds, on every device.
    ///
    /// # Errors
    /// [`AuthError::AccountGone`] when the account was deleted meanwhile.
    pub async fn logout_everywhere(
        &self,
        client: Client,
        caller: &Caller,
    ) -> Result<(), AuthError> {
        let outcome = match self.ports.users.revoke_all_tokens(caller.id()).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(AuthError::AccountGone),
            Err(e) => Err(e.into()),
        };
        self.record_result(
            AuthAction::LogoutEverywhere,
            &outcome,
            Some(caller.id()),
            client,
        );
        outcome
    }
}
