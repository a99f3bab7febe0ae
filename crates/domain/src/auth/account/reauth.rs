//! Confirming a sensitive change: the caller's authentication is recent enough, or the
//! current password they sent with the request is right (one verification, charged like any
//! password check). The email change and deleting the account go through it.

use super::{AccountService, ProfileError};
use crate::auth::hashing::Verification;
use crate::auth::session::{Caller, Recency};
use crate::client::Client;
use crate::events::AuthAction;
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::Password;

impl AccountService {
    /// Lets a sensitive change by `caller` through: at once when their authentication is
    /// recent (the policy's `reauth_max_age`), whatever `current_password` says; otherwise
    /// only with their current password, which is then checked (an unneeded one costs no
    /// hashing).
    ///
    /// The check is charged, before any hashing, to the client's password-check rate and to
    /// the account's own password-change rate, as a password change is, and takes one of the
    /// client's hashing places; it is audited as [`AuthAction::Reauthentication`].
    pub(super) async fn confirm_recent(
        &self,
        client: Client,
        caller: &Caller,
        current_password: Option<&Password>,
    ) -> Result<(), ProfileError> {
        if Recency::new(self.policy.reauth_max_age).admits(caller, self.guard.now()) {
            return Ok(());
        }
        let Some(password) = current_password else {
            return Err(ProfileError::RecentAuthenticationRequired);
        };
        let id = Some(caller.id());
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                id,
                &ThrottleKey::client(ThrottleScope::LoginPerClient, key),
                self.policy.login_per_client,
            )
            .await?;
        self.guard
            .admit(
                client,
                id,
                &ThrottleKey::account(ThrottleScope::PasswordChangePerAccount, caller.id()),
                self.policy.password_changes_per_account,
            )
            .await?;
        let _place = self.gate.place(client, id)?;
        let outcome = self.check_password(client, caller, password).await;
        self.guard
            .record_result(AuthAction::Reauthentication, &outcome, id, client);
        outcome
    }

    async fn check_password(
        &self,
        client: Client,
        caller: &Caller,
        password: &Password,
    ) -> Result<(), ProfileError> {
        let id = caller.id();
        // The stored hash is read afresh: the caller's proof of identity carries none.
        let user = self
            .users
            .by_id(id)
            .await?
            .ok_or(ProfileError::UserNotFound)?;
        match self
            .gate
            .verify(client, Some(id), password, &user.password_hash)
            .await?
        {
            Verification::Match | Verification::MatchNeedsRehash => Ok(()),
            Verification::Mismatch => Err(ProfileError::WrongCurrentPassword),
        }
    }
}
