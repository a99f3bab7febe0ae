//! Content tags over the in-memory fakes: every change a public read shows moves its tag,
//! changes it does not show leave it, and the tag read without content is the tag of what a
//! full read shows.

use chrono::Duration;
use futures_executor::block_on;
use quill_domain::testing::Harness;
use quill_domain::{
    Client, ContentTag, Page, PostChanges, PostContent, PostDraft, PostId, PostTitle,
    ProfileUpdate, UserId, Username,
};

fn draft(title: &str) -> PostDraft {
    PostDraft {
        title: PostTitle::parse(title).unwrap(),
        content: PostContent::parse("Some words.").unwrap(),
    }
}

/// Alice with three posts a second apart, and Bob with none.
async fn blog() -> (Harness, Vec<PostId>) {
    let h = Harness::builder()
        .user("alice", "alice@example.com", "quiet-harbour-lamp")
        .user("bob", "bob@example.com", "quiet-harbour-lamp")
        .build();
    let alice = h.caller("alice");
    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        ids.push(h.posts.create(&alice, draft(title)).await.unwrap().post.id);
        h.clock.advance(Duration::seconds(1));
    }
    (h, ids)
}

async fn front_page_tag(h: &Harness) -> ContentTag {
    let tag = h.posts.list_tag(Page::default()).await.unwrap();
    let shown = h.posts.list(Page::default()).await.unwrap();
    assert_eq!(
        tag,
        ContentTag::of_posts(&shown),
        "the light read disagrees"
    );
    tag
}

#[test]
fn an_edit_moves_the_tag_of_the_post_and_of_every_page_showing_it() {
    block_on(async {
        let (h, ids) = blog().await;
        let alice = h.caller("alice");
        let page = front_page_tag(&h).await;
        let post = ContentTag::of_post(&h.posts.get(ids[0]).await.unwrap());
        let retitle = PostChanges {
            title: Some(PostTitle::parse("One, edited").unwrap()),
            ..PostChanges::default()
        };
        h.posts.update(&alice, ids[0], retitle).await.unwrap();
        assert_ne!(front_page_tag(&h).await, page);
        assert_ne!(
            ContentTag::of_post(&h.posts.get(ids[0]).await.unwrap()),
            post
        );
    });
}

/// The tags of the front page, of `post` and of Alice's profile.
async fn alices_tags(h: &Harness, alice: UserId, post: PostId) -> [ContentTag; 3] {
    [
        front_page_tag(h).await,
        ContentTag::of_post(&h.posts.get(post).await.unwrap()),
        ContentTag::of_profile(&h.auth.accounts.public_profile(alice).await.unwrap()),
    ]
}

#[test]
fn an_authors_new_name_or_picture_moves_the_tags_of_their_posts_and_profile() {
    block_on(async {
        let (h, ids) = blog().await;
        let alice = h.caller("alice");
        let at_first = alices_tags(&h, alice.id(), ids[1]).await;

        let renamed = ProfileUpdate {
            username: Some(Username::parse("alicia").unwrap()),
            ..ProfileUpdate::default()
        };
        h.auth
            .accounts
            .update_profile(Client::UNKNOWN, &alice, alice.id(), renamed, None)
            .await
            .unwrap();
        let after_rename = alices_tags(&h, alice.id(), ids[1]).await;

        let place = h
            .auth
            .pictures
            .admit_upload(Client::UNKNOWN, &alice, alice.id())
            .unwrap();
        h.auth
            .pictures
            .set_picture(place, b"image:face".to_vec())
            .await
            .unwrap();
        let after_picture = alices_tags(&h, alice.id(), ids[1]).await;

        for read in 0..3 {
            assert_ne!(
                after_rename[read], at_first[read],
                "read {read} after the rename"
            );
            assert_ne!(
                after_picture[read], after_rename[read],
                "read {read} after the picture"
            );
        }
    });
}

#[test]
fn a_deletion_or_a_new_post_moves_the_tag_of_the_pages_it_shifts() {
    block_on(async {
        let (h, ids) = blog().await;
        let alice = h.caller("alice");
        let first_two = Page::new(0, 2).unwrap();
        let before = h.posts.list_tag(first_two).await.unwrap();
        h.posts.delete(&alice, ids[2]).await.unwrap();
        let after_delete = h.posts.list_tag(first_two).await.unwrap();
        assert_ne!(after_delete, before);
        h.posts.create(&alice, draft("four")).await.unwrap();
        assert_ne!(h.posts.list_tag(first_two).await.unwrap(), after_delete);
    });
}

#[test]
fn changes_a_page_does_not_show_leave_its_tag_alone() {
    block_on(async {
        let (h, ids) = blog().await;
        let (alice, bob) = (h.caller("alice"), h.caller("bob"));
        let newest = Page::new(0, 1).unwrap();
        let before = h.posts.list_tag(newest).await.unwrap();
        let older = PostChanges {
            content: Some(PostContent::parse("Changed further down.").unwrap()),
            ..PostChanges::default()
        };
        h.posts.update(&alice, ids[0], older).await.unwrap();
        let renamed = ProfileUpdate {
            username: Some(Username::parse("robert").unwrap()),
            ..ProfileUpdate::default()
        };
        h.auth
            .accounts
            .update_profile(Client::UNKNOWN, &bob, bob.id(), renamed, None)
            .await
            .unwrap();
        assert_eq!(h.posts.list_tag(newest).await.unwrap(), before);
    });
}

#[test]
fn an_authors_page_tag_is_refused_like_their_page_once_the_author_is_gone() {
    block_on(async {
        let (h, _) = blog().await;
        let bob = h.caller("bob");
        let empty = h
            .posts
            .list_by_author_tag(bob.id(), Page::default())
            .await
            .unwrap();
        assert_eq!(empty, ContentTag::of_posts(&[]));
        h.auth
            .accounts
            .delete_account(Client::UNKNOWN, &bob, bob.id(), None)
            .await
            .unwrap();
        assert!(matches!(
            h.posts.list_by_author_tag(bob.id(), Page::default()).await,
            Err(quill_domain::PostError::UserNotFound)
        ));
    });
}
