//! [`RecordedEvents`]: the audit trail kept in memory, with the refused tokens' reasons, for
//! assertions.

use std::sync::{Mutex, PoisonError};

use crate::events::{AuthAction, AuthEvent, AuthEvents, AuthOutcome, TokenRefusal};

/// Keeps every event it is given, in order, and apart from them every refused token's
/// reason.
///
/// ```
/// use quill_domain::testing::Harness;
/// use quill_domain::{AuthAction, AuthOutcome, Client, Password};
///
/// let h = Harness::builder().user("alice", "alice@example.com", "quiet-harbour-lamp").build();
/// let _ = futures_executor::block_on(
///     h.auth.login.with_password(Client::UNKNOWN, "alice@example.com", &Password::attempt("nope")),
/// );
/// assert_eq!(h.events.count(AuthAction::Login, AuthOutcome::Failure), 1);
/// ```
#[derive(Debug, Default)]
pub struct RecordedEvents {
    events: Mutex<Vec<AuthEvent>>,
    token_refusals: Mutex<Vec<TokenRefusal>>,
}

impl RecordedEvents {
    /// Every event so far, oldest first.
    #[must_use]
    pub fn all(&self) -> Vec<AuthEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many events of this action ended this way.
    #[must_use]
    pub fn count(&self, action: AuthAction, outcome: AuthOutcome) -> usize {
        self.all()
            .iter()
            .filter(|e| e.action == action && e.outcome == outcome)
            .count()
    }

    /// The most recent event, if any.
    #[must_use]
    pub fn last(&self) -> Option<AuthEvent> {
        self.all().pop()
    }

    /// The reason of every token refused so far, oldest first.
    ///
    /// ```
    /// use quill_domain::TokenRefusal;
    /// use quill_domain::testing::Harness;
    ///
    /// let h = Harness::new();
    /// let _ = futures_executor::block_on(h.auth.sessions.authenticate("forged"));
    /// assert_eq!(h.events.token_refusals(), [TokenRefusal::Invalid]);
    /// ```
    #[must_use]
    pub fn token_refusals(&self) -> Vec<TokenRefusal> {
        self.token_refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl AuthEvents for RecordedEvents {
    fn record(&self, event: &AuthEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
    }

    fn token_refused(&self, reason: TokenRefusal) {
        self.token_refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(reason);
    }
}
