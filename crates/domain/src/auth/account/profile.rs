//! Profiles: anyone's public profile, changes to one's own, and deleting one's own account
//! (the email change and the deletion confirmed as `reauth` says).

use super::{AccountService, ProfileError, ProfileReadError};
use crate::auth::error::UserAction;
use crate::auth::session::Caller;
use crate::client::Client;
use crate::events::AuthAction;
use crate::user::{Password, PrivateUser, PublicUser, UserChanges, UserId};

/// Checked changes to one's own profile; `None` leaves a field unchanged. See
/// [`AccountService::update_profile`].
pub type ProfileUpdate = UserChanges;

impl AccountService {
    /// Anyone's public profile.
    ///
    /// # Errors
    /// [`ProfileReadError::UserNotFound`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{ProfileReadError, UserId};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// # futures_executor::block_on(async {
    /// let profile = h.auth.accounts.public_profile(h.user("alice").id).await?;
    /// assert_eq!(profile.username, "alice");
    /// assert_eq!(profile.image_file, None);
    /// assert!(matches!(
    ///     h.auth.accounts.public_profile(UserId(99)).await,
    ///     Err(ProfileReadError::UserNotFound)
    /// ));
    /// # Ok::<(), ProfileReadError>(())
    /// # }).unwrap();
    /// ```
    pub async fn public_profile(&self, id: UserId) -> Result<PublicUser, ProfileReadError> {
        let user = self
            .users
            .by_id(id)
            .await?
            .ok_or(ProfileReadError::UserNotFound)?;
        Ok(PublicUser::from(&user))
    }

    /// Changes the caller's own profile. A user may change the letter case of their own
    /// name; any other clash with another account is refused. A change of the email (the
    /// login name) needs a recent authentication or the current password (see
    /// [`Recency`](crate::Recency)), so a stolen access token alone cannot take the account
    /// over, and queues a notice to the old address, so an owner whose session was taken over
    /// learns of it.
    ///
    /// # Errors
    /// [`ProfileError::NotAllowed`] when `target` is not the caller (whether or not it exists),
    /// [`ProfileError::UserNotFound`], [`ProfileError::RecentAuthenticationRequired`],
    /// [`ProfileError::WrongCurrentPassword`], [`ProfileError::Held`] (checking the
    /// password), [`ProfileError::UsernameTaken`], [`ProfileError::EmailTaken`].
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{Client, Email, Password, ProfileError, ProfileUpdate, UserAction, Username};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .user("bob", "bob@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    /// let accounts = &h.auth.accounts;
    /// # futures_executor::block_on(async {
    /// let recased = ProfileUpdate {
    ///     username: Some(Username::parse("Alice")?),
    ///     ..ProfileUpdate::default()
    /// };
    /// let updated = accounts
    ///     .update_profile(Client::UNKNOWN, &alice, alice.id(), recased.clone(), None)
    ///     .await?;
    /// assert_eq!(updated.public.username, "Alice");
    ///
    /// let meddling = accounts.update_profile(Client::UNKNOWN, &bob, alice.id(), recased, None).await;
    /// assert!(matches!(meddling, Err(ProfileError::NotAllowed(UserAction::Update))));
    ///
    /// // An hour after the login, a new email needs the current password.
    /// h.clock.advance(chrono::Duration::hours(1));
    /// let moved = ProfileUpdate {
    ///     email: Some(Email::parse("alice@example.org")?),
    ///     ..ProfileUpdate::default()
    /// };
    /// let bare = accounts.update_profile(Client::UNKNOWN, &alice, alice.id(), moved.clone(), None);
    /// assert!(matches!(bare.await, Err(ProfileError::RecentAuthenticationRequired)));
    /// let password = Password::attempt("quiet-harbour-lamp");
    /// accounts
    ///     .update_profile(Client::UNKNOWN, &alice, alice.id(), moved, Some(&password))
    ///     .await?;
    /// # Ok(())
    /// # })
    /// # }
    /// ```
    pub async fn update_profile(
        &self,
        client: Client,
        caller: &Caller,
        target: UserId,
        changes: ProfileUpdate,
        current_password: Option<&Password>,
    ) -> Result<PrivateUser, ProfileError> {
        if caller.id() != target {
            return Err(ProfileError::NotAllowed(UserAction::Update));
        }
        let users = &self.users;
        // Read before anything else is looked up: whether the email changes decides whether
        // the caller must prove themselves first, before learning whether an address is taken.
        let before = match &changes.email {
            Some(_) => users.by_id(target).await?,
            None => None,
        };
        let email_change = changes
            .email
            .as_ref()
            .zip(before.as_ref())
            .filter(|(email, before)| before.email != email.as_str());
        if email_change.is_some() {
            self.confirm_recent(client, caller, current_password)
                .await?;
        }
        if let Some(username) = &changes.username
            && let Some(owner) = users.id_by_username(username.as_str()).await?
            && owner != target
        {
            return Err(ProfileError::UsernameTaken);
        }
        if let Some(email) = &changes.email
            && let Some(owner) = users.by_email(email.as_str()).await?
            && owner.id != target
        {
            return Err(ProfileError::EmailTaken);
        }
        // The notice is written with the change, by the store, so neither can be lost alone.
        let notice =
            email_change.map(|(email, before)| self.letters.email_changed(before, email.as_str()));
        let user = users
            .update(target, changes, notice, self.guard.now())
            .await?
            .ok_or(ProfileError::UserNotFound)?;
        Ok(PrivateUser::from(&user))
    }

    /// Deletes the caller's own account and everything the store keeps with it. It needs a
    /// recent authentication or the current password, as an email change does.
    ///
    /// # Errors
    /// [`ProfileError::NotAllowed`] when `target` is not the caller, [`ProfileError::UserNotFound`],
    /// [`ProfileError::RecentAuthenticationRequired`], [`ProfileError::WrongCurrentPassword`],
    /// [`ProfileError::Held`] (checking the password).
    ///
    /// # Examples
    ///
    /// ```
    /// use quill_domain::testing::Harness;
    /// use quill_domain::{ProfileError, Client, UserAction};
    ///
    /// let h = Harness::builder()
    ///     .user("alice", "alice@example.com", "quiet-harbour-lamp")
    ///     .user("bob", "bob@example.com", "quiet-harbour-lamp")
    ///     .build();
    /// let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    /// # futures_executor::block_on(async {
    /// assert!(matches!(
    ///     h.auth.accounts.delete_account(Client::UNKNOWN, &bob, alice.id(), None).await,
    ///     Err(ProfileError::NotAllowed(UserAction::Delete))
    /// ));
    /// h.auth.accounts.delete_account(Client::UNKNOWN, &alice, alice.id(), None).await?;
    /// assert!(h.auth.accounts.public_profile(alice.id()).await.is_err());
    /// # Ok::<(), quill_domain::ProfileError>(())
    /// # }).unwrap();
    /// ```
    pub async fn delete_account(
        &self,
        client: Client,
        caller: &Caller,
        target: UserId,
        current_password: Option<&Password>,
    ) -> Result<(), ProfileError> {
        let outcome = if caller.id() == target {
            self.delete_own(client, caller, current_password).await
        } else {
            Err(ProfileError::NotAllowed(UserAction::Delete))
        };
        self.guard.record_result(
            AuthAction::AccountDeletion,
            &outcome,
            Some(caller.id()),
            client,
        );
        outcome
    }

    async fn delete_own(
        &self,
        client: Client,
        caller: &Caller,
        current_password: Option<&Password>,
    ) -> Result<(), ProfileError> {
        self.confirm_recent(client, caller, current_password)
            .await?;
        let target = caller.id();
        // Read afresh: the picture may have changed since the caller authenticated.
        let picture = match self.users.by_id(target).await {
            Ok(user) => user.and_then(|u| u.image_file),
            Err(_) => None,
        };
        match self.users.delete(target).await {
            Ok(true) => {
                self.pictures.forget_picture(picture.as_deref()).await;
                Ok(())
            }
            Ok(false) => Err(ProfileError::UserNotFound),
            Err(e) => Err(e.into()),
        }
    }
}
