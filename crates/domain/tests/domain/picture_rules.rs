//! Profile pictures over the in-memory fakes: who may change one, how many uploads are in
//! progress, the size rule, and what is stored and removed when.

use chrono::{Duration, Utc};
use std::future::Future as _;
use std::task::{Context, Poll, Waker};

use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    AuthPolicy, Client, Clock as _, Held, PictureChangeError, PictureOwners, PictureStore,
    UserAction,
};

const HERE: Client = Client::UNKNOWN;

fn harness() -> Harness {
    Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .build()
}

/// Uploads `bytes` as alice's picture.
async fn upload(h: &Harness, bytes: &[u8]) -> Result<Option<String>, PictureChangeError> {
    let alice = h.caller("alice");
    let place = h.auth.pictures.admit_upload(HERE, &alice, alice.id())?;
    let user = h.auth.pictures.set_picture(place, bytes.to_vec()).await?;
    Ok(user.public.image_file)
}

#[test]
fn only_the_owner_may_change_or_remove_a_picture() {
    block_on(async {
        let h = harness();
        let (alice, bob) = (h.caller("alice"), h.caller("bob"));
        assert!(matches!(
            h.auth.pictures.admit_upload(HERE, &bob, alice.id()),
            Err(PictureChangeError::NotAllowed(UserAction::UpdatePicture))
        ));
        assert!(matches!(
            h.auth.pictures.remove_picture(&bob, alice.id()).await,
            Err(PictureChangeError::NotAllowed(UserAction::DeletePicture))
        ));
    });
}

#[test]
fn a_new_picture_is_stored_under_a_fresh_name_and_the_previous_one_goes_after_the_commit() {
    block_on(async {
        let h = harness();
        let first = upload(&h, b"image:one").await.unwrap().unwrap();
        assert_eq!(first.len(), 36);
        assert!(h.pictures.contains(&first));
        let second = upload(&h, b"image:two").await.unwrap().unwrap();
        assert_ne!(first, second);
        assert!(h.pictures.contains(&second));
        assert!(
            !h.pictures.contains(&first),
            "the previous picture is removed"
        );
        assert_eq!(h.user("alice").image_file.as_deref(), Some(second.as_str()));
        assert_eq!(
            h.auth.pictures.picture(&second).await.unwrap().as_deref(),
            Some(b"jpeg:two".as_slice())
        );
    });
}

#[test]
fn an_upload_over_the_limit_is_refused_before_any_processing() {
    block_on(async {
        let h = Harness::builder()
            .user("alice", "alice@example.com", "quiet-harbour-lamp")
            .policy(AuthPolicy {
                max_upload_bytes: 10,
                ..AuthPolicy::default()
            })
            .build();
        let refused = upload(&h, b"image:more than ten bytes").await;
        assert!(matches!(
            refused,
            Err(PictureChangeError::PictureTooLarge { max_bytes: 10 })
        ));
        assert!(h.pictures.is_empty());
    });
}

#[test]
fn what_is_not_an_image_is_refused_and_nothing_changes() {
    block_on(async {
        let h = harness();
        let kept = upload(&h, b"image:one").await.unwrap();
        assert!(matches!(
            upload(&h, b"GIF89a truncated").await,
            Err(PictureChangeError::InvalidPicture)
        ));
        assert_eq!(h.user("alice").image_file, kept);
        assert_eq!(h.pictures.len(), 1);
    });
}

#[test]
fn a_store_that_fails_leaves_the_account_as_it_was() {
    block_on(async {
        let h = harness();
        h.pictures.set_failing(true);
        assert!(upload(&h, b"image:one").await.is_err());
        assert_eq!(h.user("alice").image_file, None);
        assert!(h.pictures.is_empty());
    });
}

#[test]
fn removing_the_picture_restores_the_default_and_removing_none_is_refused() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        assert!(matches!(
            h.auth.pictures.remove_picture(&alice, alice.id()).await,
            Err(PictureChangeError::NoPicture)
        ));
        let name = upload(&h, b"image:one").await.unwrap().unwrap();
        let after = h
            .auth
            .pictures
            .remove_picture(&alice, alice.id())
            .await
            .unwrap();
        assert_eq!(after.public.image_file, None);
        assert!(!h.pictures.contains(&name));
    });
}

#[test]
fn deleting_an_account_removes_its_picture() {
    block_on(async {
        let h = harness();
        let name = upload(&h, b"image:one").await.unwrap().unwrap();
        let alice = h.caller("alice");
        h.auth
            .accounts
            .delete_account(HERE, &alice, alice.id(), None)
            .await
            .unwrap();
        assert!(!h.pictures.contains(&name));
    });
}

#[test]
fn a_client_past_its_one_upload_place_is_told_to_slow_down_and_others_are_not() {
    block_on(async {
        let h = harness();
        let (alice, bob) = (h.caller("alice"), h.caller("bob"));
        let one = Client::new([192, 0, 2, 1].into());
        let held = h
            .auth
            .pictures
            .admit_upload(one, &alice, alice.id())
            .unwrap();
        assert!(matches!(
            h.auth.pictures.admit_upload(one, &alice, alice.id()),
            Err(PictureChangeError::Held(Held::ShareTaken { retry_after })) if retry_after.as_secs() == 1
        ));
        assert!(
            h.auth
                .pictures
                .admit_upload(Client::new([192, 0, 2, 2].into()), &bob, bob.id())
                .is_ok()
        );
        drop(held);
        assert!(
            h.auth
                .pictures
                .admit_upload(one, &alice, alice.id())
                .is_ok()
        );
    });
}

#[test]
fn uploads_whose_bodies_are_still_arriving_hold_up_no_other_client() {
    block_on(async {
        let h = harness();
        let alice = h.caller("alice");
        let places = h.auth.policy().picture_places;
        // As many slow uploads as there are places, each from an address of its own, each
        // with some of its body in.
        let slow: Vec<_> = (0..places)
            .map(|n| {
                let client = Client::new([198, 51, 100, u8::try_from(n).unwrap()].into());
                let mut place = h
                    .auth
                    .pictures
                    .admit_upload(client, &alice, alice.id())
                    .unwrap();
                place.hold(1000).unwrap();
                place
            })
            .collect();
        let bob = h.caller("bob");
        let place = h
            .auth
            .pictures
            .admit_upload(Client::new([203, 0, 113, 1].into()), &bob, bob.id())
            .unwrap();
        let updated = h
            .auth
            .pictures
            .set_picture(place, b"image:bob".to_vec())
            .await;
        assert!(updated.unwrap().public.image_file.is_some());
        drop(slow);
    });
}

#[test]
fn a_read_upload_finding_every_processing_place_taken_is_busy() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .policy(AuthPolicy {
            picture_places: 1,
            ..AuthPolicy::default()
        })
        .build();
    let (alice, bob) = (h.caller("alice"), h.caller("bob"));
    h.picture_processor.set_held(true);
    let place = h
        .auth
        .pictures
        .admit_upload(Client::new([192, 0, 2, 1].into()), &alice, alice.id())
        .unwrap();
    let mut first = Box::pin(h.auth.pictures.set_picture(place, b"image:one".to_vec()));
    let mut context = Context::from_waker(Waker::noop());
    assert!(first.as_mut().poll(&mut context).is_pending());
    assert_eq!(h.auth.pictures.upload_load().in_progress, 1);
    let place = h
        .auth
        .pictures
        .admit_upload(Client::new([192, 0, 2, 2].into()), &bob, bob.id())
        .unwrap();
    assert!(matches!(
        block_on(h.auth.pictures.set_picture(place, b"image:two".to_vec())),
        Err(PictureChangeError::Held(Held::Busy))
    ));
    h.picture_processor.set_held(false);
    assert!(matches!(
        first.as_mut().poll(&mut context),
        Poll::Ready(Ok(_))
    ));
    assert_eq!(h.auth.pictures.upload_load().in_progress, 0);
}

#[test]
fn the_bodies_in_progress_hold_at_most_the_places_worth_of_memory_between_them() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .policy(AuthPolicy {
            picture_places: 2,
            max_upload_bytes: 10,
            ..AuthPolicy::default()
        })
        .build();
    let alice = h.caller("alice");
    let admit = |n: u8| {
        h.auth
            .pictures
            .admit_upload(Client::new([192, 0, 2, n].into()), &alice, alice.id())
            .unwrap()
    };
    let (mut a, mut b, mut c) = (admit(1), admit(2), admit(3));
    a.hold(6).unwrap();
    a.hold(4).unwrap();
    b.hold(10).unwrap();
    assert!(matches!(c.hold(1), Err(Held::Busy)));
    drop(a);
    c.hold(10).unwrap();
}

#[test]
fn a_body_may_take_five_seconds_plus_its_bytes_at_the_minimum_rate() {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .policy(AuthPolicy {
            upload_min_bytes_per_second: 1000,
            ..AuthPolicy::default()
        })
        .build();
    let alice = h.caller("alice");
    let place = h
        .auth
        .pictures
        .admit_upload(HERE, &alice, alice.id())
        .unwrap();
    assert_eq!(place.time_allowed(0), std::time::Duration::from_secs(5));
    assert_eq!(
        place.time_allowed(2500),
        std::time::Duration::from_millis(7500)
    );
}

#[test]
fn a_busy_processor_is_busy_for_the_caller() {
    block_on(async {
        let h = harness();
        h.picture_processor.set_busy(true);
        assert!(matches!(
            upload(&h, b"image:one").await,
            Err(PictureChangeError::Held(Held::Busy))
        ));
    });
}

#[test]
fn the_clean_up_removes_old_pictures_no_account_refers_to_and_keeps_the_rest() {
    block_on(async {
        let h = harness();
        let in_use = upload(&h, b"image:one").await.unwrap().unwrap();
        let orphan = h.pictures.fresh_name().unwrap();
        h.pictures.save(&orphan, b"jpeg:lost").await.unwrap();
        // Just saved: an upload may be about to commit it.
        assert_eq!(h.auth.maintain().await.unwrap().orphan_pictures, 0);
        // The fake store dates pictures by the real time; move the clock two hours past it.
        h.clock
            .advance(Utc::now() + Duration::hours(2) - h.clock.now());
        assert_eq!(h.auth.maintain().await.unwrap().orphan_pictures, 1);
        assert!(!h.pictures.contains(orphan.as_str()));
        assert!(h.pictures.contains(&in_use));
        assert!(h.store.image_file_in_use(&in_use).await.unwrap());
    });
}

#[test]
fn names_that_are_not_ours_are_never_served() {
    block_on(async {
        let h = harness();
        assert_eq!(
            h.auth.pictures.picture("../../etc/passwd").await.unwrap(),
            None
        );
        assert_eq!(h.auth.pictures.picture("me.jpg").await.unwrap(), None);
    });
}
