//! The in-memory store's sessions, refresh tokens and token standings, and which account
//! shows which picture.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{InMemoryStore, StoreState, StoredSession};
use crate::user::{User, UserId};
use crate::{
    HeldRefresh, NewSession, PictureOwners, PictureSwap, RefreshDigest, SessionId, SessionInfo,
    SessionStore, StoreError, TokenStanding, TokenStandings,
};

#[async_trait]
impl TokenStandings for InMemoryStore {
    async fn revoke_token(
        &self,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.state()
            .revoked_tokens
            .insert(token_id.to_owned(), expires_at);
        Ok(())
    }

    async fn by_id_with_token_standing(
        &self,
        id: UserId,
        session: Option<&SessionId>,
        token_id: &str,
    ) -> Result<Option<(User, TokenStanding)>, StoreError> {
        let state = self.state();
        let Some(user) = state.users.get(&id) else {
            return Ok(None);
        };
        let session_ends = session
            .and_then(|sid| state.sessions.get(sid.as_str()))
            .filter(|stored| stored.user == id)
            .map(|stored| stored.expires_at);
        let standing = TokenStanding {
            session_ends,
            revoked: state.revoked_tokens.contains_key(token_id),
        };
        Ok(Some((user.clone(), standing)))
    }

    async fn purge_revoked_tokens(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.revoked_tokens.len();
        state
            .revoked_tokens
            .retain(|_, expires_at| *expires_at > now);
        Ok((before - state.revoked_tokens.len()) as u64)
    }
}

#[async_trait]
impl PictureOwners for InMemoryStore {
    async fn swap_image_file(
        &self,
        id: UserId,
        expected: Option<&str>,
        new: Option<&str>,
    ) -> Result<PictureSwap, StoreError> {
        let mut state = self.state();
        let Some(user) = state.users.get_mut(&id) else {
            return Ok(PictureSwap::Gone);
        };
        if user.image_file.as_deref() != expected {
            return Ok(PictureSwap::Changed);
        }
        user.image_file = new.map(str::to_owned);
        user.profile_revision += 1;
        Ok(PictureSwap::Swapped)
    }

    async fn image_file_in_use(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .state()
            .users
            .values()
            .any(|u| u.image_file.as_deref() == Some(name)))
    }
}

impl InMemoryStore {
    /// Stores a session directly, as [`SessionStore::start`] would.
    ///
    /// # Panics
    /// If its account is not stored: a harness set-up mistake.
    pub(in crate::testing) fn plant_session(&self, session: NewSession) {
        let user = session.user;
        self.state()
            .start_session(session)
            .unwrap_or_else(|e| panic!("harness: planting a session of {user}: {e}"));
    }
}

impl StoreState {
    fn start_session(&mut self, session: NewSession) -> Result<(), StoreError> {
        if !self.users.contains_key(&session.user) {
            return Err(StoreError::AccountGone);
        }
        if let Some(refresh) = session.refresh {
            self.refresh_tokens
                .insert(refresh.0, (session.id.clone(), None));
        }
        self.sessions.insert(
            session.id.as_str().to_owned(),
            StoredSession {
                user: session.user,
                info: SessionInfo {
                    id: session.id,
                    created_at: session.started_at,
                    last_used_at: session.started_at,
                    user_agent: session.user_agent,
                },
                expires_at: session.expires_at,
                authenticated_at: session.authenticated_at,
            },
        );
        Ok(())
    }

    /// Ends `user`'s sessions but `keep`, with their refresh tokens; returns how many.
    pub(super) fn end_sessions(&mut self, user: UserId, keep: Option<&SessionId>) -> u64 {
        let before = self.sessions.len();
        self.sessions
            .retain(|id, s| s.user != user || keep.is_some_and(|k| k.as_str() == id));
        self.drop_orphan_refresh_tokens();
        (before - self.sessions.len()) as u64
    }

    /// What the database's cascade does: refresh tokens go with their session.
    fn drop_orphan_refresh_tokens(&mut self) {
        let sessions = &self.sessions;
        self.refresh_tokens
            .retain(|_, (session, _)| sessions.contains_key(session.as_str()));
    }
}

#[async_trait]
impl SessionStore for InMemoryStore {
    async fn start(&self, session: NewSession) -> Result<(), StoreError> {
        self.state().start_session(session)
    }

    async fn sessions_of(
        &self,
        user: UserId,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionInfo>, StoreError> {
        let mut live: Vec<SessionInfo> = self
            .state()
            .sessions
            .values()
            .filter(|s| s.user == user && s.expires_at > now)
            .map(|s| s.info.clone())
            .collect();
        live.sort_by(|a, b| {
            (b.last_used_at, b.created_at, b.id.as_str()).cmp(&(
                a.last_used_at,
                a.created_at,
                a.id.as_str(),
            ))
        });
        Ok(live)
    }

    async fn end(&self, user: UserId, id: &SessionId) -> Result<bool, StoreError> {
        let mut state = self.state();
        if state
            .sessions
            .get(id.as_str())
            .is_none_or(|s| s.user != user)
        {
            return Ok(false);
        }
        state.sessions.remove(id.as_str());
        state.drop_orphan_refresh_tokens();
        Ok(true)
    }

    async fn end_all_and_revoke_tokens(&self, user: UserId) -> Result<bool, StoreError> {
        let mut state = self.state();
        let Some(account) = state.users.get_mut(&user) else {
            return Ok(false);
        };
        account.token_generation += 1;
        state.end_sessions(user, None);
        Ok(true)
    }

    async fn refresh_holder(
        &self,
        token: &RefreshDigest,
    ) -> Result<Option<HeldRefresh>, StoreError> {
        let state = self.state();
        let Some((session, retired_at)) = state.refresh_tokens.get(&token.0) else {
            return Ok(None);
        };
        Ok(state.sessions.get(session.as_str()).map(|s| HeldRefresh {
            session: session.clone(),
            user: s.user,
            session_expires_at: s.expires_at,
            authenticated_at: s.authenticated_at,
            retired_at: *retired_at,
        }))
    }

    async fn rotate(
        &self,
        presented: &RefreshDigest,
        successor: &RefreshDigest,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut state = self.state();
        let session = match state.refresh_tokens.get_mut(&presented.0) {
            Some((session, retired_at @ None)) => {
                *retired_at = Some(now);
                session.clone()
            }
            _ => return Ok(false),
        };
        state
            .refresh_tokens
            .insert(successor.0, (session.clone(), None));
        if let Some(stored) = state.sessions.get_mut(session.as_str()) {
            stored.info.last_used_at = now;
        }
        Ok(true)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut state = self.state();
        let before = state.sessions.len();
        state.sessions.retain(|_, s| s.expires_at > now);
        state.drop_orphan_refresh_tokens();
        Ok((before - state.sessions.len()) as u64)
    }
}
