//! The in-memory store's email-verification tokens and verified emails, each token with its
//! mail under the same lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::mail::Mail;
use crate::user::UserId;
use crate::{StoreError, VerificationDigest, VerificationIssue, VerificationStore};

#[async_trait]
impl VerificationStore for InMemoryStore {
    async fn issue_verification(
        &self,
        issue: VerificationIssue,
        mail: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        if state
            .users
            .get(&issue.user)
            .is_none_or(|u| u.email != issue.email)
        {
            return Ok(false);
        }
        state
            .verifications
            .retain(|_, (holder, _, _)| *holder != issue.user);
        state
            .verifications
            .insert(issue.digest.0, (issue.user, issue.email, issue.expires_at));
        self.outbox.push(mail, now);
        Ok(true)
    }

    async fn complete_verification(
        &self,
        digest: VerificationDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<UserId>, StoreError> {
        let mut state = self.state();
        // As the database's one statement: only a live token is consumed.
        if state
            .verifications
            .get(&digest.0)
            .is_none_or(|(_, _, expires_at)| *expires_at <= now)
        {
            return Ok(None);
        }
        let Some((holder, email, _)) = state.verifications.remove(&digest.0) else {
            return Ok(None);
        };
        if state.users.get(&holder).is_none_or(|u| u.email != email) {
            return Ok(None);
        }
        state.verified.insert(holder, now);
        Ok(Some(holder))
    }

    async fn email_verified_at(&self, user: UserId) -> Result<Option<DateTime<Utc>>, StoreError> {
        Ok(self.state().verified.get(&user).copied())
    }

    async fn purge_expired_verifications(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.verifications.len();
        state
            .verifications
            .retain(|_, (_, _, expires_at)| *expires_at > now);
        Ok((before - state.verifications.len()) as u64)
    }
}
