//! Registration: the checks that answer before any hashing (a predictable password, the rate,
//! then whether the name or the address is taken), the claims that keep concurrent
//! registrations of one name or address on this server from each hashing, and the account's
//! creation.

use super::claims::{ClaimKey, HeldClaims};
use super::{AccountService, RegisterError, Registration};
use crate::client::Client;
use crate::events::AuthAction;
use crate::throttle::{ThrottleKey, ThrottleScope};
use crate::user::{Email, NewUser, PrivateUser, User, Username};

impl AccountService {
    /// Creates an account, for `client`.
    ///
    /// A predictable password (the policy's [`PasswordBlocklist`](crate::PasswordBlocklist)) is
    /// refused first, like any invalid field: it costs microseconds and touches no store, so
    /// it is neither charged to the rate nor recorded. The registration rate of the client is
    /// charged next. The username and the email are looked up then, before any hashing place
    /// is taken, since the answer is public anyway:
    /// a taken name or address costs no hash and no place. The username is checked before
    /// the email, so a request duplicating both reports the username.
    ///
    /// While one registration of a name or an address is in flight on this server, another
    /// of the same waits for it (holding no hashing place) and then answers from what it
    /// left: taken if it won. So concurrent duplicates hash once; registrations of other
    /// names never wait. Across servers the store's own constraints decide races, with the
    /// same outcomes.
    ///
    /// Unless verification is off, the new account is then mailed its first verification
    /// link (best effort: the account exists whatever comes of it).
    ///
    /// # Errors
    /// [`RegisterError::PasswordTooCommon`], [`RegisterError::UsernameTaken`],
    /// [`RegisterError::EmailTaken`], [`RegisterError::Held`], [`RegisterError::Unavailable`],
    /// or [`RegisterError::Unexpected`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, RegisterError, Email, Password, Registration, Username};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let again = Registration {
    ///     username: Username::parse("ALICE")?,
    ///     email: Email::parse("other@example.com")?,
    ///     password: Password::parse("amber-kettle-drift")?,
    /// };
    /// let outcome = futures_executor::block_on(h.auth.accounts.register(Client::UNKNOWN, again));
    /// assert!(matches!(outcome, Err(RegisterError::UsernameTaken)));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn register(
        &self,
        client: Client,
        registration: Registration,
    ) -> Result<PrivateUser, RegisterError> {
        self.policy
            .password_blocklist
            .check(
                &registration.password,
                registration.username.as_str(),
                registration.email.as_str(),
            )
            .map_err(|_| RegisterError::PasswordTooCommon)?;
        let key = self.guard.client_key(client);
        self.guard
            .admit(
                client,
                None,
                &ThrottleKey::client(ThrottleScope::RegisterPerClient, key),
                self.policy.register_per_client,
            )
            .await?;
        let outcome = self.create_account(client, registration).await;
        let user = outcome.as_ref().ok().map(|u| u.id);
        self.guard
            .record_result(AuthAction::Register, &outcome, user, client);
        let created = outcome?;
        if let Some(verification) = &self.verification {
            verification.mail_first_link(client, &created).await;
        }
        Ok(PrivateUser::from(&created))
    }

    async fn create_account(
        &self,
        client: Client,
        registration: Registration,
    ) -> Result<User, RegisterError> {
        let Registration {
            username,
            email,
            password,
        } = registration;
        let _claims = self.claim_unused(&username, &email).await?;
        let _place = self.gate.place(client, None)?;
        let password_hash = self.gate.hash(client, None, &password).await?;
        let user = self
            .users
            .create(NewUser {
                username,
                email,
                password_hash,
            })
            .await?;
        Ok(user)
    }

    /// Claims the name and the address for this registration once neither is taken in the
    /// store nor being registered by another request here; a request holding one is waited
    /// for, and the store asked again after it ends.
    async fn claim_unused(
        &self,
        username: &Username,
        email: &Email,
    ) -> Result<HeldClaims, RegisterError> {
        let users = &self.users;
        let keys = vec![
            // Names with one key share one skeleton, so the skeleton covers both rules.
            ClaimKey::Username(username.skeleton()),
            ClaimKey::Email(email.as_str().to_owned()),
        ];
        loop {
            if users.id_by_username(username.as_str()).await?.is_some() {
                return Err(RegisterError::UsernameTaken);
            }
            if users.by_email(email.as_str()).await?.is_some() {
                return Err(RegisterError::EmailTaken);
            }
            match self.registrations.claim(keys.clone()) {
                Ok(claims) => return Ok(claims),
                Err(ended) => ended.await,
            }
        }
    }
}
