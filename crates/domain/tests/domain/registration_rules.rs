//! Registration's cost rules over the in-memory fakes: a taken name or address is answered
//! before any hashing place is taken, and concurrent registrations of one name or address
//! on one server hash once, the others answering from its outcome, while registrations of
//! other names go on beside them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_executor::block_on;
use quill_domain::testing::{Gated, GatedHasher, Harness};
use quill_domain::{
    Auth, AuthPolicy, AuthPorts, Client, Email, Password, PrivateUser, Rate, RegisterError,
    Registration, Username,
};

fn service(hasher: Arc<GatedHasher>) -> Auth {
    let policy = AuthPolicy {
        // Enough registrations that only the rules under test refuse any.
        register_per_client: Rate::new(100, 100),
        ..AuthPolicy::default()
    };
    Auth::new(
        AuthPorts {
            hasher,
            ..Harness::new().ports()
        },
        policy,
    )
}

fn client() -> Client {
    Client::new([198, 51, 100, 7].into())
}

fn registration(username: &str, email: &str) -> Registration {
    Registration {
        username: Username::parse(username).unwrap(),
        email: Email::parse(email).unwrap(),
        password: Password::parse("quiet-harbour-lamp").unwrap(),
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<PrivateUser, RegisterError>>>>;

fn register(auth: &Auth, username: &str, email: &str) -> Pending {
    let auth = auth.clone();
    let registration = registration(username, email);
    Box::pin(async move { auth.accounts.register(client(), registration).await })
}

/// Polls every registration until all have answered, and returns the answers.
fn answers(mut pending: Vec<Pending>) -> Vec<Result<PrivateUser, RegisterError>> {
    let mut context = Context::from_waker(Waker::noop());
    let mut done: Vec<Option<Result<PrivateUser, RegisterError>>> =
        pending.iter().map(|_| None).collect();
    for _ in 0..100 {
        for (future, answer) in pending.iter_mut().zip(&mut done) {
            if answer.is_none()
                && let Poll::Ready(outcome) = future.as_mut().poll(&mut context)
            {
                *answer = Some(outcome);
            }
        }
        if done.iter().all(Option::is_some) {
            return done.into_iter().flatten().collect();
        }
    }
    panic!("some registrations never answered");
}

fn poll_once(pending: &mut [Pending]) {
    let mut context = Context::from_waker(Waker::noop());
    for future in pending {
        assert!(future.as_mut().poll(&mut context).is_pending());
    }
}

#[test]
fn ten_concurrent_registrations_of_one_name_hash_once_and_the_others_are_told_it_is_taken() {
    let hasher = Arc::new(GatedHasher::new(Gated::Hashes));
    let auth = service(hasher.clone());
    let mut pending: Vec<Pending> = (0..10)
        .map(|n| register(&auth, "alice", &format!("alice{n}@example.com")))
        .collect();
    poll_once(&mut pending);
    assert_eq!(hasher.begun(), 1);
    hasher.open();
    let answers = answers(pending);
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1);
    let taken = answers
        .iter()
        .filter(|a| matches!(a, Err(RegisterError::UsernameTaken)))
        .count();
    assert_eq!(taken, 9, "{answers:?}");
    assert_eq!(hasher.inner().hashes(), 1);
}

#[test]
fn concurrent_registrations_of_one_address_hash_once_and_the_others_are_told_it_is_registered() {
    let hasher = Arc::new(GatedHasher::new(Gated::Hashes));
    let auth = service(hasher.clone());
    let mut pending: Vec<Pending> = (0..4)
        .map(|n| register(&auth, &format!("user{n}"), "shared@example.com"))
        .collect();
    poll_once(&mut pending);
    hasher.open();
    let answers = answers(pending);
    assert_eq!(answers.iter().filter(|a| a.is_ok()).count(), 1);
    assert_eq!(
        answers
            .iter()
            .filter(|a| matches!(a, Err(RegisterError::EmailTaken)))
            .count(),
        3
    );
    assert_eq!(hasher.inner().hashes(), 1);
}

#[test]
fn a_registration_of_another_name_does_not_wait_for_one_in_flight() {
    let hasher = Arc::new(GatedHasher::new(Gated::Hashes));
    let auth = service(hasher.clone());
    let mut pending = vec![
        register(&auth, "alice", "alice@example.com"),
        register(&auth, "bob", "bob@example.com"),
    ];
    poll_once(&mut pending);
    assert_eq!(hasher.begun(), 2);
    hasher.open();
    assert!(answers(pending).iter().all(Result::is_ok));
}

#[test]
fn a_taken_name_is_answered_while_the_client_holds_all_its_hashing_places() {
    let hasher = Arc::new(GatedHasher::new(Gated::Hashes));
    let auth = service(hasher.clone());
    hasher.open();
    block_on(
        auth.accounts
            .register(client(), registration("alice", "alice@example.com")),
    )
    .unwrap();
    hasher.close();
    let share = auth.policy().hashing_places_per_client;
    let mut holding: Vec<Pending> = (0..share)
        .map(|n| register(&auth, &format!("user{n}"), &format!("user{n}@example.com")))
        .collect();
    poll_once(&mut holding);
    let again = block_on(
        auth.accounts
            .register(client(), registration("ALICE", "new@example.com")),
    );
    assert!(
        matches!(again, Err(RegisterError::UsernameTaken)),
        "{again:?}"
    );
    let again = block_on(
        auth.accounts
            .register(client(), registration("carol", "alice@example.com")),
    );
    assert!(matches!(again, Err(RegisterError::EmailTaken)), "{again:?}");
    hasher.open();
    assert!(answers(holding).iter().all(Result::is_ok));
}

#[test]
fn a_name_that_looks_like_a_taken_one_is_refused_as_taken_without_a_hash() {
    let hasher = Arc::new(GatedHasher::new(Gated::Hashes));
    hasher.open();
    let auth = service(hasher.clone());
    for taken in ["alice", "ape"] {
        let email = format!("{taken}@example.com");
        block_on(
            auth.accounts
                .register(client(), registration(taken, &email)),
        )
        .unwrap();
    }
    // A dotted capital I, a dotless i, and a name all in Cyrillic letters drawn as "ape".
    for (n, lookalike) in ["ALİCE", "alıce", "аре"].into_iter().enumerate() {
        let email = format!("other{n}@example.com");
        let again = block_on(
            auth.accounts
                .register(client(), registration(lookalike, &email)),
        );
        assert!(
            matches!(again, Err(RegisterError::UsernameTaken)),
            "{lookalike}: {again:?}"
        );
    }
    assert_eq!(hasher.inner().hashes(), 2);
}
