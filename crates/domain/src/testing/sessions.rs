//! [`FakeSessionSecrets`]: readable session ids and refresh tokens, so a test can tell which
//! token of which chain it holds.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{RefreshDigest, RefreshToken, SessionId, SessionSecrets};

/// Session ids `session-N` and refresh tokens `refresh-N`, whose successors count up
/// (`refresh-N+1`, `refresh-N+2`, ...); the "digest" is the token's bytes, padded.
///
/// ```
/// use quill_domain::testing::FakeSessionSecrets;
/// use quill_domain::SessionSecrets;
///
/// let secrets = FakeSessionSecrets::default();
/// let first = secrets.mint_refresh();
/// assert_eq!(first.as_str(), "refresh-1");
/// assert_eq!(secrets.successor(&first).as_str(), "refresh-1+1");
/// assert_eq!(secrets.new_session_id().as_str(), "session-1");
/// ```
#[derive(Debug, Default)]
pub struct FakeSessionSecrets {
    sessions: AtomicUsize,
    refresh_tokens: AtomicUsize,
}

impl SessionSecrets for FakeSessionSecrets {
    fn new_session_id(&self) -> SessionId {
        let n = self.sessions.fetch_add(1, Ordering::Relaxed) + 1;
        SessionId::new(format!("session-{n}"))
    }

    fn mint_refresh(&self) -> RefreshToken {
        let n = self.refresh_tokens.fetch_add(1, Ordering::Relaxed) + 1;
        RefreshToken::new(format!("refresh-{n}"))
    }

    fn successor(&self, presented: &RefreshToken) -> RefreshToken {
        let text = presented.as_str();
        let next = match text.rsplit_once('+') {
            Some((chain, step)) => step
                .parse::<u64>()
                .map_or_else(|_| format!("{text}+1"), |n| format!("{chain}+{}", n + 1)),
            None => format!("{text}+1"),
        };
        RefreshToken::new(next)
    }

    fn digest(&self, token: &RefreshToken) -> RefreshDigest {
        let mut digest = [0_u8; 32];
        for (slot, byte) in digest.iter_mut().zip(token.as_str().bytes()) {
            *slot = byte;
        }
        RefreshDigest(digest)
    }
}
