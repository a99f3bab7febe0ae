//! A signed-in password change: the current password checked (one verification), the new
//! one hashed, every other session ended and the owner told, in one store change.

use super::{AccountService, PasswordChangeError};
use crate::auth::hashing::Verification;
use crate::auth::session::{AccessToken, Caller, SessionStart};
use crate::client::Client;
use crate::events::AuthAction;
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::Password;

impl AccountService {
    /// Changes the caller's password after checking the current one (one verification),
    /// revokes every token issued before and ends every other session (the caller's own goes
    /// on), consumes any reset link the account was sent,
    /// queues a "your password was changed" notice, and returns a fresh token for the new
    /// password.
    ///
    /// A predictable new password (the policy's
    /// [`PasswordBlocklist`](crate::PasswordBlocklist), with the caller's name and address) is
    /// refused first, like any invalid field: no rate charged, no hash spent. Then charged,
    /// before any hashing, to the client's password-check rate and to the account's own
    /// password-change rate (which strangers' login guesses never touch), and takes one of the
    /// client's hashing places.
    ///
    /// # Errors
    /// [`PasswordChangeError::PasswordTooCommon`];
    /// [`PasswordChangeError::WrongCurrentPassword`]; [`PasswordChangeError::AccountGone`] when the account was
    /// deleted meanwhile; [`PasswordChangeError::Held`],
    /// [`PasswordChangeError::Unavailable`].
    pub async fn change_password(
        &self,
        client: Client,
        caller: &Caller,
        current: &Password,
        new: &Password,
    ) -> Result<AccessToken, PasswordChangeError> {
        self.policy
            .password_blocklist
            .check(new, caller.username(), caller.email())
            .map_err(|_| PasswordChangeError::PasswordTooCommon)?;
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
        let outcome = self.replace_password(client, caller, current, new).await;
        self.guard
            .record_result(AuthAction::PasswordChange, &outcome, id, client);
        outcome
    }

    async fn replace_password(
        &self,
        client: Client,
        caller: &Caller,
        current: &Password,
        new: &Password,
    ) -> Result<AccessToken, PasswordChangeError> {
        let id = caller.id();
        let users = &self.users;
        // The stored hash is read afresh: the caller's proof of identity carries none.
        let user = users
            .by_id(id)
            .await?
            .ok_or(PasswordChangeError::AccountGone)?;
        match self
            .gate
            .verify(client, Some(id), current, &user.password_hash)
            .await?
        {
            Verification::Match | Verification::MatchNeedsRehash => {}
            Verification::Mismatch => return Err(PasswordChangeError::WrongCurrentPassword),
        }
        let hash = self.gate.hash(client, Some(id), new).await?;
        let notice = self.letters.password_changed(&user);
        let now = self.guard.now();
        if !self
            .recovery
            .change_password(id, hash, caller.session_id(), notice, now)
            .await?
        {
            return Err(PasswordChangeError::AccountGone);
        }
        let user = users
            .by_id(id)
            .await?
            .ok_or(PasswordChangeError::AccountGone)?;
        // The caller's own session goes on (its refresh token too) with a token of the new
        // generation; a token of the original, which names none, gets a session of its own.
        // Either token says the account proved itself now: the current password just did.
        // The session keeps its login's time, so a refresh later claims no more than that.
        match caller.session_id() {
            Some(session) => Ok(self.sessions.access_token(&user, session, now, now)?),
            None => Ok(self
                .sessions
                .start_session(&user, SessionStart::default())
                .await?
                .access_token),
        }
    }
}
