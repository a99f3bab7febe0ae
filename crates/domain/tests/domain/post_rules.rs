//! The rules of `PostService`, exercised over the in-memory fakes.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    Client, Page, PostAction, PostChanges, PostContent, PostDraft, PostError, PostId, PostTitle,
    UserId,
};

fn draft(title: &str) -> PostDraft {
    PostDraft {
        title: PostTitle::parse(title).unwrap(),
        content: PostContent::parse("Some words.").unwrap(),
    }
}

#[test]
fn a_new_post_belongs_to_its_author_and_is_dated_by_the_clock_to_the_microsecond() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.clock.advance(Duration::nanoseconds(1_234_567));
        let created = h.posts.create(&alice, draft("Hello")).await.unwrap();
        assert_eq!(created.post.user_id, alice.id());
        assert_eq!(created.author.username, "alice");
        assert_eq!(created.post.date_posted.timestamp_subsec_nanos(), 1_234_000);
    });
}

#[test]
fn lists_are_newest_first_and_paged() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        for title in ["one", "two", "three"] {
            h.posts.create(&alice, draft(title)).await.unwrap();
            h.clock.advance(Duration::seconds(1));
        }
        let titles = |posts: Vec<quill_domain::PostWithAuthor>| {
            posts.into_iter().map(|p| p.post.title).collect::<Vec<_>>()
        };
        let all = h.posts.list(Page::default()).await.unwrap();
        assert_eq!(titles(all), ["three", "two", "one"]);
        let second = h.posts.list(Page::new(1, 1).unwrap()).await.unwrap();
        assert_eq!(titles(second), ["two"]);
    });
}

#[test]
fn posts_created_in_the_same_instant_list_newest_id_first() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.posts.create(&alice, draft("first")).await.unwrap();
        h.posts.create(&alice, draft("second")).await.unwrap();
        let all = h.posts.list(Page::default()).await.unwrap();
        assert_eq!(all[0].post.title, "second");
    });
}

#[test]
fn listing_the_posts_of_a_missing_user_is_not_found_but_an_existing_user_may_have_none() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        assert!(
            h.posts
                .list_by_author(alice.id(), Page::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            h.posts.list_by_author(UserId(99), Page::default()).await,
            Err(PostError::UserNotFound)
        ));
        h.posts.create(&alice, draft("only")).await.unwrap();
        let past_the_end = Page::new(5, 10).unwrap();
        assert!(
            h.posts
                .list_by_author(alice.id(), past_the_end)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            h.posts
                .list_by_author_tag(alice.id(), past_the_end)
                .await
                .is_ok()
        );
    });
}

#[test]
fn only_the_author_may_edit_or_delete_a_post() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        let bob = h
            .register("bob", "bob@example.com", "quiet-harbour-lamp")
            .await;
        let post = h.posts.create(&alice, draft("mine")).await.unwrap().post;
        let change = PostChanges {
            title: Some(PostTitle::parse("stolen").unwrap()),
            content: None,
        };
        assert!(matches!(
            h.posts.update(&bob, post.id, change.clone()).await,
            Err(PostError::NotAllowed(PostAction::Update))
        ));
        assert!(matches!(
            h.posts.delete(&bob, post.id).await,
            Err(PostError::NotAllowed(PostAction::Delete))
        ));
        let edited = h.posts.update(&alice, post.id, change).await.unwrap();
        assert_eq!(edited.post.title, "stolen");
        assert_eq!(edited.post.content, "Some words.");
        h.posts.delete(&alice, post.id).await.unwrap();
        assert!(matches!(
            h.posts.get(post.id).await,
            Err(PostError::NotFound)
        ));
    });
}

#[test]
fn a_missing_post_is_not_found_before_ownership_is_considered() {
    block_on(async {
        let h = Harness::new();
        let bob = h
            .register("bob", "bob@example.com", "quiet-harbour-lamp")
            .await;
        assert!(matches!(
            h.posts
                .update(&bob, PostId(7), PostChanges::default())
                .await,
            Err(PostError::NotFound)
        ));
        assert!(matches!(
            h.posts.delete(&bob, PostId(7)).await,
            Err(PostError::NotFound)
        ));
    });
}

#[test]
fn deleting_an_account_deletes_its_posts() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        h.posts.create(&alice, draft("bye")).await.unwrap();
        h.auth
            .accounts
            .delete_account(Client::UNKNOWN, &alice, alice.id(), None)
            .await
            .unwrap();
        assert_eq!(h.store.post_count(), 0);
    });
}

#[test]
fn a_post_by_an_author_deleted_while_the_request_ran_is_refused_as_author_gone() {
    block_on(async {
        let h = Harness::new();
        let alice = h
            .register("alice", "alice@example.com", "quiet-harbour-lamp")
            .await;
        // The account goes between the token check (the caller exists) and the write.
        h.auth
            .accounts
            .delete_account(Client::UNKNOWN, &alice, alice.id(), None)
            .await
            .unwrap();
        assert!(matches!(
            h.posts.create(&alice, draft("too late")).await,
            Err(PostError::AuthorGone)
        ));
        assert_eq!(h.store.post_count(), 0);
    });
}
