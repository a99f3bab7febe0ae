//! Abuse resistance at the HTTP edge: per-IP and per-account rate limits on the endpoints
//! that hash passwords, a bound on how many of them may wait for a hashing slot, and the
//! client address those limits are keyed on.
//!
//! Every refusal happens before any hashing, so a flood costs the attacker a request and the
//! server almost nothing. Rate limits use governor's GCRA (a token bucket without timers):
//! a burst, then a steady refill, so a locked-out owner is only ever a refill interval away
//! from the next attempt.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::ApiError;

/// A token-bucket rate: `burst` requests back to back, refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    /// Requests allowed back to back.
    pub burst: u32,
    /// Requests regained per minute.
    pub per_minute: u32,
}

impl RateRule {
    fn quota(self) -> Quota {
        let one = NonZeroU32::MIN;
        Quota::per_minute(NonZeroU32::new(self.per_minute).unwrap_or(one))
            .allow_burst(NonZeroU32::new(self.burst).unwrap_or(one))
    }
}

/// The abuse-resistance settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbuseConfig {
    /// Login attempts per client IP.
    pub login_per_ip: RateRule,
    /// Login attempts per target account (the email typed), from anywhere: slows guessing
    /// one password down without caring how many addresses the guesser has.
    pub login_per_account: RateRule,
    /// Registrations per client IP.
    pub register_per_ip: RateRule,
    /// How many hashing requests may be in progress or waiting at once (hashing slots plus
    /// the queue); the next ones get 503 at once.
    pub hashing_capacity: usize,
    /// Proxies whose `X-Forwarded-For` is believed for the client's address.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for AbuseConfig {
    fn default() -> Self {
        Self {
            login_per_ip: RateRule {
                burst: 10,
                per_minute: 30,
            },
            login_per_account: RateRule {
                burst: 5,
                per_minute: 6,
            },
            register_per_ip: RateRule {
                burst: 5,
                per_minute: 10,
            },
            hashing_capacity: 64,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The limiters, shared by every request.
pub(crate) struct Guards {
    login_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    login_per_account: DefaultKeyedRateLimiter<String>,
    register_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    hashing_capacity: usize,
    hashing_in_flight: Arc<AtomicUsize>,
    pub(crate) trusted_proxies: Vec<IpAddr>,
}

/// A place among the requests allowed to hash; freed when dropped.
pub(crate) struct HashingPermit(Arc<AtomicUsize>);

impl Drop for HashingPermit {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn retry_after<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}

impl Guards {
    pub(crate) fn new(config: &AbuseConfig) -> Self {
        Self {
            login_per_ip: RateLimiter::keyed(config.login_per_ip.quota()),
            login_per_account: RateLimiter::keyed(config.login_per_account.quota()),
            register_per_ip: RateLimiter::keyed(config.register_per_ip.quota()),
            hashing_capacity: config.hashing_capacity.max(1),
            hashing_in_flight: Arc::new(AtomicUsize::new(0)),
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }

    /// One login attempt from `ip` for the account `email` (canonical form): the address is
    /// charged first, so one address cannot spray many accounts, then the account, whether
    /// or not it exists (a guess at a missing account costs the same).
    pub(crate) fn login(&self, ip: IpAddr, email: &str) -> Result<(), ApiError> {
        retry_after(&self.login_per_ip, &ip)?;
        retry_after(&self.login_per_account, &email.to_owned())
    }

    /// One password check on behalf of the logged-in `email` (a password change).
    pub(crate) fn password_check(&self, email: &str) -> Result<(), ApiError> {
        retry_after(&self.login_per_account, &email.to_owned())
    }

    /// One registration from `ip`.
    pub(crate) fn register(&self, ip: IpAddr) -> Result<(), ApiError> {
        retry_after(&self.register_per_ip, &ip)
    }

    /// A place among the hashing requests, or 503 when they are all taken.
    pub(crate) fn hashing(&self) -> Result<HashingPermit, ApiError> {
        let taken = self.hashing_in_flight.fetch_add(1, Ordering::AcqRel);
        let permit = HashingPermit(self.hashing_in_flight.clone());
        if taken >= self.hashing_capacity {
            return Err(ApiError::Busy);
        }
        Ok(permit)
    }

    /// Forgets clients whose buckets are full again, so memory tracks recent clients only.
    pub(crate) fn forget_idle(&self) {
        for limiter in [&self.login_per_ip, &self.register_per_ip] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        self.login_per_account.retain_recent();
        self.login_per_account.shrink_to_fit();
    }
}

/// Drops idle limiter entries once a minute for as long as the application exists.
pub(crate) fn spawn_housekeeping(guards: &Arc<Guards>) {
    let weak = Arc::downgrade(guards);
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match weak.upgrade() {
                    Some(guards) => guards.forget_idle(),
                    None => return,
                }
            }
        });
    }
}

/// The client's address: the socket peer, or, when the peer is a trusted proxy, the last
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    fn resolve(peer: IpAddr, forwarded: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
        if !trusted.contains(&peer) {
            return peer;
        }
        let Some(chain) = forwarded else {
            return peer;
        };
        // Entries are appended by each proxy; only those after the last untrusted hop were
        // written by proxies we trust, so walk from the right.
        chain
            .split(',')
            .rev()
            .map(str::trim)
            .map_while(|entry| entry.parse::<IpAddr>().ok())
            .find(|ip| !trusted.contains(ip))
            .unwrap_or(peer)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        let trusted = parts
            .extensions
            .get::<Arc<Guards>>()
            .map(|guards| guards.trusted_proxies.as_slice())
            .unwrap_or_default();
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(Self(Self::resolve(peer, forwarded, trusted)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let trusted = [proxy];
        assert_eq!(
            ClientIp::resolve(ip("203.0.113.9"), Some("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        assert_eq!(
            ClientIp::resolve(proxy, Some("1.2.3.4"), &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(
            ClientIp::resolve(proxy, Some("6.6.6.6, 1.2.3.4"), &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(
            ClientIp::resolve(proxy, Some("1.2.3.4, 10.0.0.1"), &trusted),
            ip("1.2.3.4")
        );
        assert_eq!(ClientIp::resolve(proxy, Some("garbage"), &trusted), proxy);
        assert_eq!(ClientIp::resolve(proxy, None, &trusted), proxy);
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait() {
        let guards = Guards::new(&AbuseConfig {
            login_per_account: RateRule {
                burst: 2,
                per_minute: 1,
            },
            ..AbuseConfig::default()
        });
        let client = ip("192.0.2.1");
        assert!(guards.login(client, "a@example.com").is_ok());
        assert!(guards.login(client, "a@example.com").is_ok());
        match guards.login(client, "a@example.com") {
            Err(ApiError::TooManyRequests { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
            }
            other => panic!("expected 429, got {other:?}"),
        }
        assert!(
            guards.login(client, "b@example.com").is_ok(),
            "other accounts are unaffected"
        );
    }

    #[test]
    fn hashing_places_are_bounded_and_given_back() {
        let guards = Guards::new(&AbuseConfig {
            hashing_capacity: 2,
            ..AbuseConfig::default()
        });
        let first = guards.hashing().unwrap();
        let _second = guards.hashing().unwrap();
        assert!(matches!(guards.hashing(), Err(ApiError::Busy)));
        drop(first);
        assert!(guards.hashing().is_ok());
    }
}
