//! Account self-service: public profiles, profile changes, password changes, deletion, and
//! the periodic clean-up of what the service stores.

use crate::auth::{AuthError, AuthService, Caller, SessionStart, UserAction};
use crate::client::Client;
use crate::events::AuthAction;
use crate::ports::AccessToken;
use crate::ports::Verification;
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{Password, PrivateUser, PublicUser, UserChanges, UserId};

/// Checked changes to one's own profile; `None` leaves a field unchanged. See
/// [`AuthService::update_profile`].
pub type ProfileUpdate = UserChanges;

/// What one [`AuthService::maintain`] pass forgot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Maintenance {
    /// Revocations of tokens that have expired since (they are refused anyway).
    pub expired_revocations: u64,
    /// Sessions past their absolute expiry, with their refresh tokens.
    pub expired_sessions: u64,
    /// Rate-limit buckets that are full again (they behave as absent ones).
    pub idle_buckets: u64,
    /// Password-reset tokens that expired unused.
    pub expired_resets: u64,
    /// Stored pictures no account refers to any more (left by a failure half-way).
    pub orphan_pictures: u64,
}

impl AuthService {
    /// Changes the caller's password after checking the current one (one verification),
    /// revokes every token issued before and ends every other session (the caller's own goes
    /// on), consumes any reset link the account was sent,
    /// queues a "your password was changed" notice, and returns a fresh token for the new
    /// password.
    ///
    /// Charged, before any hashing, to the client's password-check rate and to the account's
    /// own password-change rate (which strangers' login guesses never touch), and takes one of
    /// the client's hashing places.
    ///
    /// # Errors
    /// [`AuthError::WrongCurrentPassword`]; [`AuthError::AccountGone`] when the account was
    /// deleted meanwhile; [`AuthError::Throttled`], [`AuthError::Busy`],
    /// [`AuthError::Unavailable`].
    pub async fn change_password(
        &self,
        client: Client,
        caller: &Caller,
        current: &Password,
        new: &Password,
    ) -> Result<AccessToken, AuthError> {
        let id = Some(caller.id());
        let key = self.client_key(client);
        self.admit(
            client,
            id,
            &ThrottleKey::client(ThrottleScope::LoginPerClient, key),
            self.policy.login_per_client,
        )
        .await?;
        self.admit(
            client,
            id,
            &ThrottleKey::account(ThrottleScope::PasswordChangePerAccount, caller.id()),
            self.policy.password_changes_per_account,
        )
        .await?;
        let _place = self.hashing_place(client, key, id)?;
        let outcome = self.replace_password(client, caller, current, new).await;
        self.record_result(AuthAction::PasswordChange, &outcome, id, client);
        outcome
    }

    async fn replace_password(
        &self,
        client: Client,
        caller: &Caller,
        current: &Password,
        new: &Password,
    ) -> Result<AccessToken, AuthError> {
        let id = caller.id();
        let users = &self.ports.users;
        // The stored hash is read afresh: the caller's proof of identity carries none.
        let user = users.by_id(id).await?.ok_or(AuthError::AccountGone)?;
        match self
            .verified(client, Some(id), current, &user.password_hash)
            .await?
        {
            Verification::Match | Verification::MatchNeedsRehash => {}
            Verification::Mismatch => return Err(AuthError::WrongCurrentPassword),
        }
        let hash = self.hashed(client, Some(id), new).await?;
        let notice = self.ports.letters.password_changed(&user);
        let now = self.ports.clock.now();
        if !self
            .ports
            .recovery
            .change_password(id, hash, caller.session_id(), notice, now)
            .await?
        {
            return Err(AuthError::AccountGone);
        }
        let user = users.by_id(id).await?.ok_or(AuthError::AccountGone)?;
        // The caller's own session goes on (its refresh token too) with a token of the new
        // generation; a token of the original, which names none, gets a session of its own.
        match caller.session_id() {
            Some(session) => Ok(self.ports.tokens.issue(&user, session, now)?),
            None => Ok(self
                .start_session(&user, SessionStart::default())
                .await?
                .access_token),
        }
    }

    /// Anyone's public profile.
    ///
    /// # Errors
    /// [`AuthError::UserNotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, UserId};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// let profile = h.auth.public_profile(h.user("alice").id).await?;
    /// assert_eq!(profile.username, "alice");
    /// assert_eq!(profile.image_file, None);
    /// assert!(matches!(
    ///     h.auth.public_profile(UserId(99)).await,
    ///     Err(AuthError::UserNotFound)
    /// ));
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn public_profile(&self, id: UserId) -> Result<PublicUser, AuthError> {
        let user = self
            .ports
            .users
            .by_id(id)
            .await?
            .ok_or(AuthError::UserNotFound)?;
        Ok(PublicUser::from(&user))
    }

    /// Changes the caller's own profile. A user may change the letter case of their own
    /// name; any other clash with another account is refused. A change of the email (the
    /// login name) queues a notice to the old address, so an owner whose session was taken
    /// over learns of it.
    ///
    /// # Errors
    /// [`AuthError::NotAllowed`] when `target` is not the caller (whether or not it exists),
    /// [`AuthError::UserNotFound`], [`AuthError::UsernameTaken`], [`AuthError::EmailTaken`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, ProfileUpdate, UserAction, Username};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .user("bob", "bob@example.com", "password123")
    ///     .build();
    /// let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    /// # futures_executor::block_on(async {
    /// let recased = ProfileUpdate {
    ///     username: Some(Username::parse("Alice")?),
    ///     ..ProfileUpdate::default()
    /// };
    /// let updated = h.auth.update_profile(&alice, alice.id(), recased.clone()).await?;
    /// assert_eq!(updated.public.username, "Alice");
    ///
    /// let meddling = h.auth.update_profile(&bob, alice.id(), recased).await;
    /// assert!(matches!(meddling, Err(AuthError::NotAllowed(UserAction::Update))));
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn update_profile(
        &self,
        caller: &Caller,
        target: UserId,
        changes: ProfileUpdate,
    ) -> Result<PrivateUser, AuthError> {
        if caller.id() != target {
            return Err(AuthError::NotAllowed(UserAction::Update));
        }
        let users = &self.ports.users;
        if let Some(username) = &changes.username
            && let Some(owner) = users.id_by_username(username.as_str()).await?
            && owner != target
        {
            return Err(AuthError::UsernameTaken);
        }
        if let Some(email) = &changes.email
            && let Some(owner) = users.by_email(email.as_str()).await?
            && owner.id != target
        {
            return Err(AuthError::EmailTaken);
        }
        // The notice is written with the change, by the store, so neither can be lost alone.
        let notice = match &changes.email {
            Some(email) => users
                .by_id(target)
                .await?
                .filter(|before| before.email != email.as_str())
                .map(|before| self.ports.letters.email_changed(&before, email.as_str())),
            None => None,
        };
        let user = users
            .update(target, changes, notice, self.ports.clock.now())
            .await?
            .ok_or(AuthError::UserNotFound)?;
        Ok(PrivateUser::from(&user))
    }

    /// Deletes the caller's own account and everything the store keeps with it.
    ///
    /// # Errors
    /// [`AuthError::NotAllowed`] when `target` is not the caller, [`AuthError::UserNotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{AuthError, Client, UserAction};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "password123")
    ///     .user("bob", "bob@example.com", "password123")
    ///     .build();
    /// let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    /// # futures_executor::block_on(async {
    /// assert!(matches!(
    ///     h.auth.delete_account(Client::UNKNOWN, &bob, alice.id()).await,
    ///     Err(AuthError::NotAllowed(UserAction::Delete))
    /// ));
    /// h.auth.delete_account(Client::UNKNOWN, &alice, alice.id()).await?;
    /// assert!(h.auth.public_profile(alice.id()).await.is_err());
    /// # Ok::<(), AuthError>(())
    /// # }).unwrap();
    /// ```
    pub async fn delete_account(
        &self,
        client: Client,
        caller: &Caller,
        target: UserId,
    ) -> Result<(), AuthError> {
        let outcome = if caller.id() == target {
            // Read afresh: the picture may have changed since the caller authenticated.
            let picture = match self.ports.users.by_id(target).await {
                Ok(user) => user.and_then(|u| u.image_file),
                Err(_) => None,
            };
            match self.ports.users.delete(target).await {
                Ok(true) => {
                    self.forget_picture(picture.as_deref()).await;
                    Ok(())
                }
                Ok(false) => Err(AuthError::UserNotFound),
                Err(e) => Err(e.into()),
            }
        } else {
            Err(AuthError::NotAllowed(UserAction::Delete))
        };
        self.record_result(
            AuthAction::AccountDeletion,
            &outcome,
            Some(caller.id()),
            client,
        );
        outcome
    }

    /// One clean-up pass: forgets revocations of tokens that have expired by now and rate-limit
    /// buckets that are full again, so the stores hold only what still matters. Run it
    /// periodically (`quill_infra::AuthStack` does, every minute, while its maintenance handle
    /// lives).
    ///
    /// # Errors
    /// [`AuthError::Unexpected`] only.
    pub async fn maintain(&self) -> Result<Maintenance, AuthError> {
        let now = self.ports.clock.now();
        Ok(Maintenance {
            expired_revocations: self.ports.users.purge_revoked_tokens(now).await?,
            expired_sessions: self.ports.sessions.purge_expired(now).await?,
            idle_buckets: self.ports.throttle.prune(now).await?,
            expired_resets: self.ports.recovery.purge_expired_resets(now).await?,
            orphan_pictures: self.sweep_orphan_pictures(now).await?,
        })
    }
}
