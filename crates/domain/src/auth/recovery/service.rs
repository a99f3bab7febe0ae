//! Account recovery: asking for a reset link (answered at once, the same for every email,
//! with the work done afterwards by a background job) and setting a new password with the
//! link's token (once, before it expires, ending every earlier session).

use super::{RecoveryService, ResetError, ResetIssue, ResetMailPace, ResetRequest};
use crate::auth::error::{Held, Stopped};
use crate::client::Client;
use crate::events::{AttemptedAccount, AuthAction, AuthEvent, AuthOutcome};
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{Email, Password, UserId};

impl RecoveryService {
    /// Asks for a password-reset link for `email`, on behalf of `client`.
    ///
    /// Charged to the client's and to the email's reset-request limits (the same for an email
    /// no account has), then queued for [`handle_reset_request`](Self::handle_reset_request):
    /// the caller gets its answer before anything about the account is looked at, so the
    /// answer, and its timing, is the same whether or not the account exists.
    ///
    /// # Errors
    /// [`ResetError::Held`]: throttled, or busy when the queue of requests is full;
    /// [`ResetError::Unavailable`] when the throttle's store cannot answer.
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, Email};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
    /// # futures_executor::block_on(async {
    /// h.auth.recovery.request_password_reset(Client::UNKNOWN, &Email::parse("alice@example.com")?).await?;
    /// h.auth.recovery.request_password_reset(Client::UNKNOWN, &Email::parse("nobody@example.com")?).await?;
    /// // Nothing has been looked up yet; the background job does that.
    /// assert!(h.outbox.queued().is_empty());
    /// h.handle_reset_requests().await;
    /// let mails = h.outbox.queued();
    /// assert_eq!(mails.len(), 1);
    /// assert_eq!(mails[0].to, "alice@example.com");
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn request_password_reset(
        &self,
        client: Client,
        email: &Email,
    ) -> Result<(), ResetError> {
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                None,
                &ThrottleKey::client(ThrottleScope::ResetRequestsPerClient, key),
                self.policy.reset_requests_per_client,
            )
            .await?;
        // Over the email's limit a request is dropped with the same answer: a refusal here
        // would tell strangers something, and would refuse the owner while someone else
        // keeps asking. The pace below bounds what reaches the inbox anyway.
        match self
            .guard
            .admit(
                client,
                None,
                &ThrottleKey::account_email(ThrottleScope::ResetRequestsPerEmail, email.as_str()),
                self.policy.reset_requests_per_email,
            )
            .await
        {
            Err(Stopped::Held(Held::Throttled { .. })) => return Ok(()),
            admitted => admitted?,
        }
        let queued = self.reset_requests.push(ResetRequest {
            email: email.as_str().to_owned(),
            client,
        });
        if queued {
            Ok(())
        } else {
            self.guard
                .refused(AuthAction::ResetRequestsBusy, None, client, None);
            Err(ResetError::Held(Held::Busy))
        }
    }

    /// The background half of a reset request: when an account has the email, gives it a
    /// fresh token (its earlier one stops working) and queues the mail with the link, in one
    /// transaction, unless the [`ResetMailPace`] says the link already mailed answers it or
    /// the account's mails for the day are spent; otherwise does nothing. Either way the
    /// request is recorded in the audit trail (a paced one as refused). Run by the job that
    /// drains the [`ResetRequestQueue`](crate::ResetRequestQueue).
    ///
    /// # Errors
    /// [`ResetError::Unavailable`] or [`ResetError::Unexpected`] when the store fails (no token
    /// was issued).
    pub async fn handle_reset_request(&self, request: ResetRequest) -> Result<(), ResetError> {
        let outcome = self.issue_reset(&request).await;
        let (result, user) = match &outcome {
            Ok(Some((user, ResetIssue::Issued))) => (AuthOutcome::Success, Some(*user)),
            Ok(Some((user, _))) => (AuthOutcome::Refused, Some(*user)),
            Ok(None) | Err(_) => (AuthOutcome::Failure, None),
        };
        self.guard.events().record(&AuthEvent {
            action: AuthAction::PasswordResetRequest,
            outcome: result,
            user,
            client: request.client,
            limit: None,
            attempted: user
                .is_none()
                .then(|| AttemptedAccount::new(request.email.clone())),
        });
        outcome.map(|_| ())
    }

    async fn issue_reset(
        &self,
        request: &ResetRequest,
    ) -> Result<Option<(UserId, ResetIssue)>, ResetError> {
        let Some(user) = self.users.by_email(&request.email).await? else {
            return Ok(None);
        };
        let (token, digest) = self.reset_secrets.mint()?;
        let lifetime = self.policy.reset_token_lifetime;
        let mail = self.letters.password_reset(&user, token.as_str(), lifetime);
        let now = self.guard.now();
        let expires_at = now + duration(lifetime);
        let pace = ResetMailPace {
            now,
            resend_after: duration(self.policy.reset_resend_after),
            mails_per_day: self.policy.reset_mails_per_day,
        };
        let issued = self
            .recovery
            .issue_reset(user.id, digest, expires_at, mail, pace)
            .await?;
        Ok(match issued {
            ResetIssue::NoAccount => None,
            issued => Some((user.id, issued)),
        })
    }

    /// Sets a new password with a reset link's token, for `client`.
    ///
    /// Charged to the client's password-check limit and takes one of its hashing places, like
    /// a login. The token works once and only until it expires; using it consumes every reset
    /// token of the account, ends every session issued before (the token generation moves),
    /// and queues a "your password was changed" notice. It never logs in: the user signs in
    /// with the new password afterwards.
    ///
    /// The new password is screened by the policy's
    /// [`PasswordBlocklist`](crate::PasswordBlocklist) once the token has named its account
    /// (whose name and address count), before any hashing; a refused one leaves the token
    /// working.
    ///
    /// # Errors
    /// [`ResetError::InvalidResetToken`] for an unknown, spent or expired token (one answer
    /// for all three); [`ResetError::PasswordTooCommon`]; [`ResetError::Held`],
    /// [`ResetError::Unavailable`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, ResetError, Email, Password};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
    /// # futures_executor::block_on(async {
    /// h.auth.recovery.request_password_reset(Client::UNKNOWN, &Email::parse("alice@example.com")?).await?;
    /// h.handle_reset_requests().await;
    /// let token = h.reset_token_mailed_to("alice@example.com").expect("a reset mail");
    ///
    /// let new = Password::parse("quiet-harbour-lamp")?;
    /// h.auth.recovery.reset_password(Client::UNKNOWN, &token, &new).await?;
    /// let again = h.auth.recovery.reset_password(Client::UNKNOWN, &token, &new).await;
    /// assert!(matches!(again, Err(ResetError::InvalidResetToken)));
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn reset_password(
        &self,
        client: Client,
        token: &str,
        new: &Password,
    ) -> Result<(), ResetError> {
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                None,
                &ThrottleKey::client(ThrottleScope::LoginPerClient, key),
                self.policy.login_per_client,
            )
            .await?;
        let _place = self.gate.place(client, None)?;
        let outcome = self.apply_reset(client, token, new).await;
        let user = outcome.as_ref().ok().copied();
        self.guard
            .record_result(AuthAction::PasswordReset, &outcome, user, client);
        outcome.map(|_| ())
    }

    async fn apply_reset(
        &self,
        client: Client,
        token: &str,
        new: &Password,
    ) -> Result<UserId, ResetError> {
        let recovery = &self.recovery;
        let digest = self.reset_secrets.digest(token);
        // Checked before hashing, so a wrong token costs no hash; the consuming write below
        // decides races between holders of one token.
        let holder = recovery
            .reset_holder(digest, self.guard.now())
            .await?
            .ok_or(ResetError::InvalidResetToken)?;
        self.policy
            .password_blocklist
            .check(new, &holder.username, &holder.email)
            .map_err(|_| ResetError::PasswordTooCommon)?;
        let hash = self.gate.hash(client, Some(holder.id), new).await?;
        let notice = self.letters.password_changed(&holder);
        recovery
            .complete_reset(digest, self.guard.now(), hash, notice)
            .await?
            .ok_or(ResetError::InvalidResetToken)
    }
}

/// A policy's duration as the clock's; one too long for it is as good as for ever.
fn duration(span: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(span).unwrap_or(chrono::Duration::MAX)
}
