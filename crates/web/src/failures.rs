//! Logging what went wrong, once: the cause of every 500 (carried in the response as a
//! [`FailureCause`], so producing an error stays free of side effects), and 503 floods folded
//! into one line per interval with a count, so an overload never buries the log under one
//! line per refused request.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use quill_axum::FailureCause;

/// Counts 503 answers; reports the first of a quiet period at once and then at most one line
/// per interval, with how many there were.
pub(crate) struct OverloadLog {
    interval: Duration,
    since: Mutex<Option<(Instant, u64)>>,
}

/// What to log for one 503.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OverloadLine {
    /// The first 503 after a quiet interval.
    Started,
    /// The interval is over: this many 503s were answered in it (this one excluded).
    Continuing(u64),
}

impl OverloadLog {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            since: Mutex::new(None),
        }
    }

    /// Notes one 503 answered at `now`; what to log for it, if anything.
    pub(crate) fn note(&self, now: Instant) -> Option<OverloadLine> {
        let mut since = self.since.lock().unwrap_or_else(PoisonError::into_inner);
        match *since {
            Some((start, count)) if now.duration_since(start) < self.interval => {
                *since = Some((start, count + 1));
                None
            }
            Some((start, count)) if now.duration_since(start) < self.interval * 2 => {
                *since = Some((now, 0));
                Some(OverloadLine::Continuing(count))
            }
            _ => {
                *since = Some((now, 0));
                Some(OverloadLine::Started)
            }
        }
    }
}

/// Logs the cause of every 500 at `error`, once, with the request line; and 503s (hashing
/// saturated, a store that cannot answer) at `info`, folded by [`OverloadLog`].
pub(crate) async fn log_failures(
    State(overload): State<Arc<OverloadLog>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let cause = response
        .extensions()
        .get::<FailureCause>()
        .map(|c| c.0.clone());
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        let cause = cause.as_deref().unwrap_or("every hashing place is taken");
        match overload.note(Instant::now()) {
            Some(OverloadLine::Started) => {
                tracing::info!(%method, %path, %cause, "answering 503: overloaded or a store is down");
            }
            Some(OverloadLine::Continuing(count)) => {
                tracing::info!(
                    answered_503 = count,
                    interval_secs = overload.interval.as_secs(),
                    %cause,
                    "still answering 503"
                );
            }
            None => {}
        }
    } else if let Some(cause) = cause {
        tracing::error!(%method, %path, status = response.status().as_u16(), %cause, "request failed");
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_503s_is_one_line_when_it_starts_and_one_per_interval_after() {
        let log = OverloadLog::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(log.note(t0), Some(OverloadLine::Started));
        for n in 1..=500 {
            assert_eq!(log.note(t0 + Duration::from_millis(n * 10)), None);
        }
        assert_eq!(
            log.note(t0 + Duration::from_secs(11)),
            Some(OverloadLine::Continuing(500))
        );
        assert_eq!(log.note(t0 + Duration::from_secs(12)), None);
        // After a quiet spell, the next 503 is news again.
        assert_eq!(
            log.note(t0 + Duration::from_secs(60)),
            Some(OverloadLine::Started)
        );
    }
}
