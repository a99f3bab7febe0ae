//! The abuse-resistance rules every capability keeps: rate limits per client and per account,
//! each client's share of the hashing places, back-pressure, failing closed, and the audit
//! trail, all over the in-memory fakes with the harness clock (no real sleeps).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures_executor::block_on;
use quill_domain::testing::{
    FakeHasher, Gated, GatedHasher, Harness, InMemoryStore, RecordedEvents,
};
use quill_domain::{
    Admission, Auth, AuthAction, AuthOutcome, AuthPolicy, AuthPorts, Client, Email, Held,
    LoginError, Password, PasswordChangeError, PasswordHash, PasswordHasher, Rate, RegisterError,
    Registration, Throttle, ThrottleKey, ThrottleScope, Unexpected, UserRepository, Username,
    Verification,
};

fn client(n: u8) -> Client {
    Client::new([198, 51, 100, n].into())
}

fn alice() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .build()
}

fn wrong() -> Password {
    Password::attempt("not-the-password")
}

#[test]
fn thirty_wrong_passwords_for_one_account_cost_only_the_burst_in_verifications() {
    let h = alice();
    let burst = h.auth.policy().login_failures_per_account.burst as usize;
    let outcomes: Vec<_> = (0..30)
        .map(|n| {
            block_on(
                h.auth
                    .login
                    .with_password(client(n), "alice@example.com", &wrong()),
            )
        })
        .collect();
    let refused_as_wrong = outcomes
        .iter()
        .filter(|o| matches!(o, Err(LoginError::InvalidCredentials)))
        .count();
    assert_eq!(refused_as_wrong, burst);
    for throttled in &outcomes[burst..] {
        match throttled {
            Err(LoginError::Held(Held::Throttled { retry_after })) => {
                assert!((1..=60).contains(&retry_after.as_secs()), "{retry_after:?}");
            }
            other => panic!("expected a throttled refusal, got {other:?}"),
        }
    }
    assert_eq!(h.hasher.verifications(), burst);
    assert_eq!(
        h.events
            .count(AuthAction::RateLimited, AuthOutcome::Refused),
        30 - burst
    );
    assert_eq!(
        h.events.count(AuthAction::Login, AuthOutcome::Failure),
        burst
    );
}

#[test]
fn after_a_burst_of_failures_the_owner_waits_at_most_one_refill_interval() {
    let h = alice();
    for n in 0..10 {
        let _ = block_on(
            h.auth
                .login
                .with_password(client(n), "alice@example.com", &wrong()),
        );
    }
    let interval = h.auth.policy().login_failures_per_account.refill_interval();
    h.clock
        .advance(chrono::Duration::from_std(interval).unwrap());
    let owner = block_on(h.auth.login.with_password(
        client(200),
        "alice@example.com",
        &Password::attempt("quiet-harbour-lamp"),
    ));
    assert!(owner.is_ok(), "{owner:?}");
}

#[test]
fn successful_logins_do_not_spend_the_accounts_failure_allowance() {
    let h = alice();
    for n in 0..20 {
        let outcome = block_on(h.auth.login.with_password(
            client(n),
            "alice@example.com",
            &Password::attempt("quiet-harbour-lamp"),
        ));
        assert!(outcome.is_ok(), "login {n}: {outcome:?}");
    }
    for n in 0..5 {
        assert!(matches!(
            block_on(
                h.auth
                    .login
                    .with_password(client(n), "alice@example.com", &wrong())
            ),
            Err(LoginError::InvalidCredentials)
        ));
    }
}

#[test]
fn a_missing_account_is_limited_exactly_like_an_existing_one() {
    let h = Harness::new();
    let outcomes: Vec<_> = (0..8)
        .map(|n| {
            block_on(
                h.auth
                    .login
                    .with_password(client(n), "nobody@example.com", &wrong()),
            )
        })
        .collect();
    assert!(matches!(outcomes[4], Err(LoginError::InvalidCredentials)));
    assert!(matches!(
        outcomes[5],
        Err(LoginError::Held(Held::Throttled { .. }))
    ));
}

#[test]
fn one_client_spraying_many_accounts_is_held_to_its_own_rate() {
    let h = Harness::new();
    let per_client = h.auth.policy().login_per_client.burst as usize;
    let refused = (0..30)
        .map(|n| {
            block_on(h.auth.login.with_password(
                client(1),
                &format!("user{n}@example.com"),
                &wrong(),
            ))
        })
        .filter(|o| matches!(o, Err(LoginError::Held(Held::Throttled { .. }))))
        .count();
    assert_eq!(refused, 30 - per_client);
    assert_eq!(h.hasher.verifications(), per_client);
    assert!(matches!(
        block_on(
            h.auth
                .login
                .with_password(client(2), "user0@example.com", &wrong())
        ),
        Err(LoginError::InvalidCredentials)
    ));
}

#[test]
fn every_address_of_one_ipv6_prefix_is_one_client() {
    let h = Harness::new();
    let in_prefix = |n: u16| Client::new(format!("2001:db8:7:7::{n:x}").parse().unwrap());
    let per_client = h.auth.policy().login_per_client.burst;
    for n in 0..per_client {
        let email = format!("u{n}@example.com");
        let _ = block_on(
            h.auth
                .login
                .with_password(in_prefix(n as u16 + 1), &email, &wrong()),
        );
    }
    assert!(matches!(
        block_on(
            h.auth
                .login
                .with_password(in_prefix(999), "fresh@example.com", &wrong())
        ),
        Err(LoginError::Held(Held::Throttled { .. }))
    ));
    let elsewhere = Client::new("2001:db8:7:8::1".parse().unwrap());
    assert!(matches!(
        block_on(
            h.auth
                .login
                .with_password(elsewhere, "fresh@example.com", &wrong())
        ),
        Err(LoginError::InvalidCredentials)
    ));
}

#[test]
fn strangers_guessing_cannot_keep_the_owner_from_changing_their_password() {
    let h = alice();
    for n in 0..30 {
        let _ = block_on(
            h.auth
                .login
                .with_password(client(n), "alice@example.com", &wrong()),
        );
    }
    let changed = block_on(h.auth.accounts.change_password(
        client(100),
        &h.caller("alice"),
        &Password::attempt("quiet-harbour-lamp"),
        &Password::parse("a-brand-new-password").unwrap(),
    ));
    assert!(changed.is_ok(), "{changed:?}");
}

#[test]
fn password_changes_have_a_bucket_of_their_own_and_are_charged_to_the_client() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .policy(AuthPolicy {
            password_changes_per_account: Rate::new(2, 1),
            login_per_client: Rate::new(3, 1),
            ..AuthPolicy::default()
        })
        .build();
    let change = |from: Client| {
        block_on(h.auth.accounts.change_password(
            from,
            &h.caller("alice"),
            &wrong(),
            &Password::parse("a-brand-new-password").unwrap(),
        ))
    };
    assert!(matches!(
        change(client(1)),
        Err(PasswordChangeError::WrongCurrentPassword)
    ));
    assert!(matches!(
        change(client(2)),
        Err(PasswordChangeError::WrongCurrentPassword)
    ));
    assert!(matches!(
        change(client(3)),
        Err(PasswordChangeError::Held(Held::Throttled { .. }))
    ));
    // The first client spent one of its three password checks on the change.
    for _ in 0..2 {
        assert!(matches!(
            block_on(
                h.auth
                    .login
                    .with_password(client(1), "other@example.com", &wrong())
            ),
            Err(LoginError::InvalidCredentials)
        ));
    }
    assert!(matches!(
        block_on(
            h.auth
                .login
                .with_password(client(1), "other@example.com", &wrong())
        ),
        Err(LoginError::Held(Held::Throttled { .. }))
    ));
}

#[test]
fn registrations_are_limited_per_client_before_any_hashing() {
    let h = Harness::new();
    let burst = h.auth.policy().register_per_client.burst;
    let register = |n: u32| {
        block_on(h.auth.accounts.register(
            client(9),
            Registration {
                username: Username::parse(format!("user{n}")).unwrap(),
                email: Email::parse(&format!("user{n}@example.com")).unwrap(),
                password: Password::parse("quiet-harbour-lamp").unwrap(),
            },
        ))
    };
    for n in 0..burst {
        assert!(register(n).is_ok());
    }
    assert!(matches!(
        register(burst),
        Err(RegisterError::Held(Held::Throttled { .. }))
    ));
    assert_eq!(h.hasher.hashes(), burst as usize);
}

#[test]
fn a_saturated_hashing_gate_refuses_at_once_and_the_refusal_is_recorded() {
    let h = alice();
    let _saturated = h.auth.hashing_gate().saturate();
    let outcome = block_on(h.auth.login.with_password(
        client(1),
        "alice@example.com",
        &Password::attempt("quiet-harbour-lamp"),
    ));
    assert!(matches!(outcome, Err(LoginError::Held(Held::Busy))));
    assert_eq!(h.hasher.verifications(), 0);
    assert_eq!(
        h.events
            .count(AuthAction::HashingBusy, AuthOutcome::Refused),
        1
    );
}

fn service_with(
    hasher: Arc<dyn PasswordHasher>,
    throttle: Arc<dyn Throttle>,
    events: Arc<RecordedEvents>,
) -> Auth {
    let ports = AuthPorts {
        hasher,
        throttle,
        events,
        ..Harness::new().ports()
    };
    Auth::new(ports, AuthPolicy::default())
}

#[test]
fn one_client_holds_at_most_its_share_of_the_hashing_places_and_is_told_to_slow_down_past_it() {
    let hasher = Arc::new(GatedHasher::new(Gated::Verifications));
    let events = Arc::new(RecordedEvents::default());
    let auth = service_with(
        hasher.clone(),
        Arc::new(quill_domain::InMemoryThrottle::default()),
        events.clone(),
    );
    let share = auth.policy().hashing_places_per_client;
    let mut context = Context::from_waker(Waker::noop());
    let attempt = |from: Client, n: usize| {
        let auth = auth.clone();
        Box::pin(async move {
            auth.login
                .with_password(from, &format!("user{n}@example.com"), &wrong())
                .await
        })
    };
    let mut holding: Vec<_> = (0..share).map(|n| attempt(client(1), n)).collect();
    for waiting in &mut holding {
        assert!(waiting.as_mut().poll(&mut context).is_pending());
    }
    // Its excess, not an outage: told to slow down, as a rate limit tells it.
    let mut one_more = attempt(client(1), 99);
    assert!(matches!(
        one_more.as_mut().poll(&mut context),
        Poll::Ready(Err(LoginError::Held(Held::ShareTaken { retry_after }))) if retry_after.as_secs() == 1
    ));
    assert_eq!(
        events.count(AuthAction::HashingShareTaken, AuthOutcome::Refused),
        1
    );
    assert_eq!(
        events.count(AuthAction::HashingBusy, AuthOutcome::Refused),
        0
    );
    let mut another_client = attempt(client(2), 100);
    assert!(another_client.as_mut().poll(&mut context).is_pending());
    hasher.open();
    for done in &mut holding {
        assert!(matches!(
            done.as_mut().poll(&mut context),
            Poll::Ready(Err(LoginError::InvalidCredentials))
        ));
    }
    // The places are given back.
    assert!(matches!(
        block_on(attempt(client(1), 101)),
        Err(LoginError::InvalidCredentials)
    ));
}

/// A throttle whose store is down.
struct BrokenThrottle;

#[async_trait]
impl Throttle for BrokenThrottle {
    async fn admit(
        &self,
        _: &ThrottleKey,
        _: Rate,
        _: DateTime<Utc>,
    ) -> Result<Admission, Unexpected> {
        Err(Unexpected::new("the throttle table is on fire"))
    }
    async fn refund(&self, _: &ThrottleKey, _: Rate, _: DateTime<Utc>) -> Result<(), Unexpected> {
        Err(Unexpected::new("the throttle table is on fire"))
    }
    async fn prune(&self, _: DateTime<Utc>) -> Result<u64, Unexpected> {
        Err(Unexpected::new("the throttle table is on fire"))
    }
}

#[test]
fn a_throttle_that_cannot_answer_refuses_the_attempt_rather_than_letting_it_through() {
    let hasher = Arc::new(FakeHasher::new());
    let events = Arc::new(RecordedEvents::default());
    let auth = service_with(hasher.clone(), Arc::new(BrokenThrottle), events.clone());
    let outcome = block_on(
        auth.login
            .with_password(client(1), "alice@example.com", &wrong()),
    );
    assert!(matches!(outcome, Err(LoginError::Unavailable(_))));
    assert_eq!(hasher.verifications(), 0);
    let event = events.last().unwrap();
    assert_eq!(event.action, AuthAction::ThrottleUnavailable);
    assert_eq!(event.limit, Some(ThrottleScope::LoginPerClient));
}

/// A hasher that lets the account's password change while a login's verification runs, as a
/// concurrent request would.
struct RacingHasher {
    inner: FakeHasher,
    store: Arc<InMemoryStore>,
    raced: AtomicBool,
}

#[async_trait]
impl PasswordHasher for RacingHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, Unexpected> {
        self.inner.hash(password).await
    }
    async fn verify(
        &self,
        password: &Password,
        hash: &PasswordHash,
    ) -> Result<Verification, Unexpected> {
        let verdict = self.inner.verify(password, hash).await;
        if !self.raced.swap(true, Ordering::SeqCst) {
            let changed = FakeHasher::hash_uncounted(&Password::attempt("the-new-password"));
            let id = self
                .store
                .by_email("alice@example.com")
                .await
                .unwrap()
                .unwrap()
                .id;
            let notice = quill_domain::Mail::new("alice@example.com", "changed", "");
            let now = chrono::Utc::now();
            assert!(
                quill_domain::RecoveryStore::change_password(
                    &*self.store,
                    id,
                    changed,
                    None,
                    notice,
                    now
                )
                .await
                .unwrap()
            );
        }
        verdict
    }
    fn dummy_hash(&self) -> &PasswordHash {
        self.inner.dummy_hash()
    }
}

#[test]
fn a_hash_upgrade_racing_a_password_change_never_brings_the_old_password_back() {
    let h = alice();
    let id = h.user("alice").id;
    let outdated = PasswordHash::new("fake:v1:quiet-harbour-lamp");
    block_on(h.store.replace_password_hash(
        id,
        &FakeHasher::hash_uncounted(&Password::attempt("quiet-harbour-lamp")),
        outdated,
    ))
    .unwrap();
    let hasher = Arc::new(RacingHasher {
        inner: FakeHasher::new(),
        store: h.store.clone(),
        raced: AtomicBool::new(false),
    });
    let auth = Auth::new(
        AuthPorts {
            hasher,
            ..h.ports()
        },
        AuthPolicy::default(),
    );
    let generation_after_change = 1;
    assert!(
        block_on(auth.login.with_password(
            client(1),
            "alice@example.com",
            &Password::attempt("quiet-harbour-lamp")
        ))
        .is_ok()
    );
    let stored = block_on(h.store.by_id(id)).unwrap().unwrap();
    assert_eq!(stored.password_hash.as_str(), "fake:v2:the-new-password");
    assert_eq!(stored.token_generation, generation_after_change);
    assert!(matches!(
        block_on(h.auth.login.with_password(
            client(2),
            "alice@example.com",
            &Password::attempt("quiet-harbour-lamp")
        )),
        Err(LoginError::InvalidCredentials)
    ));
}

#[test]
fn the_audit_trail_names_the_account_and_client_but_never_the_email() {
    let h = alice();
    let from = client(7);
    block_on(h.auth.login.with_password(
        from,
        "alice@example.com",
        &Password::attempt("quiet-harbour-lamp"),
    ))
    .unwrap();
    let _ = block_on(
        h.auth
            .login
            .with_password(from, "alice@example.com", &wrong()),
    );
    let events = h.events.all();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].action, AuthAction::Login);
    assert_eq!(events[0].outcome, AuthOutcome::Success);
    assert_eq!(events[0].user, Some(h.user("alice").id));
    assert_eq!(events[0].client, from);
    assert_eq!(events[1].outcome, AuthOutcome::Failure);
    assert_eq!(events[1].user, None, "a failed login names no account");
    for event in &events {
        assert!(!format!("{event} {event:?}").contains("alice@"));
    }
}

#[test]
fn maintenance_forgets_idle_buckets_once_they_are_full_again() {
    let h = alice();
    let _ = block_on(
        h.auth
            .login
            .with_password(client(1), "alice@example.com", &wrong()),
    );
    assert!(!h.throttle.is_empty());
    h.clock.advance(chrono::Duration::hours(1));
    let pass = block_on(h.auth.maintain()).unwrap();
    assert_eq!(pass.idle_buckets, 2);
    assert!(h.throttle.is_empty());
}
