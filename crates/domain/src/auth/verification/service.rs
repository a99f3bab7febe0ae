//! Email verification's rules: mailing a link (at registration, and on the owner's request,
//! rate-limited), presenting it (once, before it expires, for the email it was mailed to),
//! whether an account may sign in yet, and the owner's security overview.

use super::{
    AccountSecurity, SecurityReadError, VerificationIssue, VerificationMailError,
    VerificationService, VerifyEmailError,
};
use crate::auth::policy::EmailVerification;
use crate::auth::session::Caller;
use crate::client::Client;
use crate::error::StoreError;
use crate::events::{AuthAction, AuthOutcome};
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{User, UserId};

/// What came of an owner's request for a new verification link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRequest {
    /// A new link is queued for the account's current email; earlier links stop working.
    Mailed,
    /// The account's current email is verified already: nothing was mailed.
    AlreadyVerified,
    /// Verification is off ([`EmailVerification::Off`]): nothing was mailed.
    NotInUse,
}

/// How many times a link is issued again when the account's email changed between reading it
/// and storing the token: the store never mails an address the account no longer has.
const ISSUE_ATTEMPTS: usize = 3;

impl VerificationService {
    /// Mails a new verification link to the caller's account, on behalf of `client`.
    ///
    /// Charged to the client's and to the account's verification-request limits first. The
    /// link goes to the account's email as it is now (never an address the request names),
    /// replaces every earlier link, and is queued with its token in one transaction. An
    /// account whose email is verified already is mailed nothing, and neither is anyone while
    /// verification is off.
    ///
    /// # Errors
    /// [`VerificationMailError::Held`] over a limit; [`VerificationMailError::AccountGone`];
    /// [`VerificationMailError::Unavailable`], [`VerificationMailError::Unexpected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, LinkRequest};
    ///
    /// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
    /// # futures_executor::block_on(async {
    /// let alice = h.caller("alice");
    /// let asked = h.auth.verification.request_link(Client::UNKNOWN, &alice).await?;
    /// assert_eq!(asked, LinkRequest::Mailed);
    /// let token = h.verification_token_mailed_to("alice@example.com").expect("a link");
    /// h.auth.verification.verify_email(Client::UNKNOWN, &token).await?;
    /// let again = h.auth.verification.request_link(Client::UNKNOWN, &alice).await?;
    /// assert_eq!(again, LinkRequest::AlreadyVerified);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn request_link(
        &self,
        client: Client,
        caller: &Caller,
    ) -> Result<LinkRequest, VerificationMailError> {
        let user = Some(caller.id());
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                user,
                &ThrottleKey::client(ThrottleScope::VerificationRequestsPerClient, key),
                self.policy.verification_requests_per_client,
            )
            .await?;
        self.guard
            .admit(
                client,
                user,
                &ThrottleKey::account(ThrottleScope::VerificationRequestsPerAccount, caller.id()),
                self.policy.verification_requests_per_account,
            )
            .await?;
        let outcome = self.mail_current_email(caller.id()).await;
        let recorded = match &outcome {
            Ok(LinkRequest::Mailed) => AuthOutcome::Success,
            Ok(_) => AuthOutcome::Refused,
            Err(_) => AuthOutcome::Failure,
        };
        self.guard
            .record(AuthAction::VerificationMail, recorded, user, client);
        outcome
    }

    async fn mail_current_email(&self, id: UserId) -> Result<LinkRequest, VerificationMailError> {
        if !self.policy.email_verification.mails_links() {
            return Ok(LinkRequest::NotInUse);
        }
        for _ in 0..ISSUE_ATTEMPTS {
            let account = self
                .users
                .by_id(id)
                .await?
                .ok_or(VerificationMailError::AccountGone)?;
            if self.store.email_verified_at(id).await?.is_some() {
                return Ok(LinkRequest::AlreadyVerified);
            }
            if self.issue(&account).await? {
                return Ok(LinkRequest::Mailed);
            }
        }
        Err(VerificationMailError::Unexpected(
            crate::error::Unexpected::new("the account's email kept changing"),
        ))
    }

    /// Mails the first link to an account just created, unless verification is off. Best
    /// effort: the account exists whatever happens here, and its owner can ask for another
    /// link; a failure is recorded in the audit trail.
    pub(crate) async fn mail_first_link(&self, client: Client, account: &User) {
        if !self.policy.email_verification.mails_links() {
            return;
        }
        let outcome = match self.issue(account).await {
            Ok(true) => AuthOutcome::Success,
            Ok(false) | Err(_) => AuthOutcome::Failure,
        };
        self.guard.record(
            AuthAction::VerificationMail,
            outcome,
            Some(account.id),
            client,
        );
    }

    /// A fresh token for the account's email as read, stored with its mail; `false` when the
    /// account no longer has that email (nothing was written).
    async fn issue(&self, account: &User) -> Result<bool, VerificationMailError> {
        let (token, digest) = self.secrets.mint()?;
        let lifetime = self.policy.verification_token_lifetime;
        let mail = self
            .letters
            .email_verification(account, token.as_str(), lifetime);
        let now = self.guard.now();
        let issue = VerificationIssue {
            user: account.id,
            email: account.email.clone(),
            digest,
            expires_at: now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX),
        };
        Ok(self.store.issue_verification(issue, mail, now).await?)
    }

    /// Verifies an email with a mailed link's token, for `client`.
    ///
    /// The token works once and only until it expires, and only while its account still has
    /// the email it was mailed to. Signs no one in.
    ///
    /// # Errors
    /// [`VerifyEmailError::InvalidVerificationToken`] for an unknown, spent or expired token
    /// or a changed email (one answer for all); [`VerifyEmailError::Unavailable`].
    pub async fn verify_email(
        &self,
        client: Client,
        token: &str,
    ) -> Result<UserId, VerifyEmailError> {
        let digest = self.secrets.digest(token);
        let outcome = self
            .store
            .complete_verification(digest, self.guard.now())
            .await
            .map_err(VerifyEmailError::from)
            .and_then(|verified| verified.ok_or(VerifyEmailError::InvalidVerificationToken));
        let user = outcome.as_ref().ok().copied();
        self.guard
            .record_result(AuthAction::EmailVerification, &outcome, user, client);
        outcome
    }

    /// Whether this account, its password just found right, must not be signed in yet: only
    /// with [`EmailVerification::Required`] and an email not verified.
    pub(crate) async fn blocks_sign_in(&self, account: &User) -> Result<bool, StoreError> {
        if self.policy.email_verification != EmailVerification::Required {
            return Ok(false);
        }
        Ok(self.store.email_verified_at(account.id).await?.is_none())
    }

    /// How the caller's account is protected, for its owner.
    ///
    /// # Errors
    /// [`SecurityReadError::Unavailable`] or [`SecurityReadError::Unexpected`] when the store
    /// fails.
    pub async fn security(&self, caller: &Caller) -> Result<AccountSecurity, SecurityReadError> {
        let verified = self.store.email_verified_at(caller.id()).await?;
        Ok(AccountSecurity {
            email_verified: verified.is_some(),
            pending_email: None,
            password_set: true,
            totp: false,
            passkeys: 0,
            recovery_codes_left: None,
        })
    }
}
