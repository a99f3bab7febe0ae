//! The in-memory store's reset tokens and password changes, each with its mail under the
//! same lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::InMemoryStore;
use crate::mail::Mail;
use crate::user::{PasswordHash, User, UserId};
use crate::{RecoveryStore, ResetDigest, ResetIssue, ResetMailPace, SessionId, StoreError};

#[async_trait]
impl RecoveryStore for InMemoryStore {
    async fn issue_reset(
        &self,
        user: UserId,
        digest: ResetDigest,
        expires_at: DateTime<Utc>,
        mail: Mail,
        pace: ResetMailPace,
    ) -> Result<ResetIssue, StoreError> {
        let mut state = self.state();
        if !state.users.contains_key(&user) {
            return Ok(ResetIssue::NoAccount);
        }
        let mailed = state.reset_mails.get(&user).copied();
        let Some(next) = pace.next(mailed, expires_at) else {
            return Ok(ResetIssue::Paced);
        };
        state.reset_mails.insert(user, next);
        state.resets.retain(|_, (holder, _)| *holder != user);
        state.resets.insert(digest.0, (user, expires_at));
        self.outbox.push(mail, pace.now);
        Ok(ResetIssue::Issued)
    }

    async fn reset_holder(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
    ) -> Result<Option<User>, StoreError> {
        let state = self.state();
        Ok(match state.resets.get(&digest.0) {
            Some((holder, expires_at)) if *expires_at > now => state.users.get(holder).cloned(),
            _ => None,
        })
    }

    async fn complete_reset(
        &self,
        digest: ResetDigest,
        now: DateTime<Utc>,
        hash: PasswordHash,
        notice: Mail,
    ) -> Result<Option<UserId>, StoreError> {
        let mut state = self.state();
        let holder = match state.resets.remove(&digest.0) {
            Some((holder, expires_at)) if expires_at > now => holder,
            _ => return Ok(None),
        };
        state.resets.retain(|_, (other, _)| *other != holder);
        state.links_spent(holder);
        let Some(user) = state.users.get_mut(&holder) else {
            return Ok(None);
        };
        user.password_hash = hash;
        user.token_generation += 1;
        state.end_sessions(holder, None);
        self.outbox.push(notice, now);
        Ok(Some(holder))
    }

    async fn change_password(
        &self,
        id: UserId,
        hash: PasswordHash,
        keep: Option<&SessionId>,
        notice: Mail,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(false);
        };
        user.password_hash = hash;
        user.token_generation += 1;
        state.resets.retain(|_, (holder, _)| *holder != id);
        state.links_spent(id);
        state.end_sessions(id, keep);
        self.outbox.push(notice, now);
        Ok(true)
    }

    async fn purge_expired_resets(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.resets.len();
        state.resets.retain(|_, (_, expires_at)| *expires_at > now);
        let day_over_at = now - chrono::Duration::days(1);
        state
            .reset_mails
            .retain(|_, m| m.day_started > day_over_at || m.link_expires > now);
        Ok((before - state.resets.len()) as u64)
    }
}
