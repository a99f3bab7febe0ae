//! Posts in the store: the cascade from their author, newest first with their authors,
//! timestamps to the microsecond, partial updates, and the revision every change moves.

use super::*;

#[tokio::test]
async fn deleting_a_user_cascades_to_their_posts_in_the_database() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let post = db
        .posts
        .create(new_post(alice.id, "hello", 1))
        .await
        .unwrap();
    assert!(db.users.delete(alice.id).await.unwrap());
    assert!(db.posts.by_id(post.id).await.unwrap().is_none());
    assert!(!db.users.delete(alice.id).await.unwrap());
}

#[tokio::test]
async fn posts_list_newest_first_with_their_authors_paged_and_per_author() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let bob = db.user("bob").await;
    db.posts.create(new_post(alice.id, "a1", 1)).await.unwrap();
    db.posts.create(new_post(bob.id, "b1", 2)).await.unwrap();
    db.posts.create(new_post(alice.id, "a2", 3)).await.unwrap();
    let titles = |list: Vec<quill_domain::PostWithAuthor>| {
        list.into_iter()
            .map(|p| format!("{}:{}", p.post.title, p.author.username))
            .collect::<Vec<_>>()
    };
    let all = db.posts.list(None, Page::default()).await.unwrap();
    assert_eq!(titles(all), ["a2:alice", "b1:bob", "a1:alice"]);
    let page = db.posts.list(None, Page::new(1, 1).unwrap()).await.unwrap();
    assert_eq!(titles(page), ["b1:bob"]);
    let alices = db
        .posts
        .list(Some(alice.id), Page::default())
        .await
        .unwrap();
    assert_eq!(titles(alices), ["a2:alice", "a1:alice"]);
}

#[tokio::test]
async fn a_post_keeps_its_timestamp_to_the_microsecond() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let written = new_post(alice.id, "t", 5);
    let expected = written.date_posted;
    let created = db.posts.create(written).await.unwrap();
    assert_eq!(created.date_posted, expected);
    let read = db.posts.by_id(created.id).await.unwrap().unwrap();
    assert_eq!(read.post.date_posted, expected);
}

#[tokio::test]
async fn post_updates_change_only_the_given_fields() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let post = db
        .posts
        .create(new_post(alice.id, "before", 1))
        .await
        .unwrap();
    let changed = db
        .posts
        .update(
            post.id,
            PostChanges {
                title: Some(PostTitle::parse("after").unwrap()),
                content: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(changed.title, "after");
    assert_eq!(changed.content, "body");
    assert!(db.posts.delete(post.id).await.unwrap());
    assert!(!db.posts.delete(post.id).await.unwrap());
}

#[tokio::test]
async fn a_post_for_an_account_that_no_longer_exists_is_refused_as_account_gone() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    assert!(db.users.delete(alice.id).await.unwrap());
    assert!(matches!(
        db.posts.create(new_post(alice.id, "orphan", 1)).await,
        Err(StoreError::AccountGone)
    ));
    assert!(
        db.posts
            .list(None, Page::default())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn every_change_moves_a_revision_and_the_light_page_read_agrees_with_the_full_one() {
    use quill_domain::{ContentTag, ImageFile, PostWithAuthor};
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let bob = db.user("bob").await;
    let first = db.posts.create(new_post(alice.id, "a1", 1)).await.unwrap();
    db.posts.create(new_post(bob.id, "b1", 2)).await.unwrap();
    let agree = async |author: Option<UserId>| {
        let full = db.posts.list(author, Page::default()).await.unwrap();
        let light = db
            .posts
            .list_versions(author, Page::default())
            .await
            .unwrap();
        let versions: Vec<_> = full.iter().map(PostWithAuthor::version).collect();
        assert_eq!(light, versions, "the versions of {author:?}'s page");
        ContentTag::of_posts(&full)
    };
    let mut everyone = agree(None).await;
    let mut alices = agree(Some(alice.id)).await;
    assert_eq!(first.revision, 0);

    let retitle = PostChanges {
        title: Some(PostTitle::parse("a1, again").unwrap()),
        content: None,
    };
    let edited = db.posts.update(first.id, retitle).await.unwrap().unwrap();
    assert_eq!(edited.revision, 1);
    let renamed = UserChanges {
        username: Some(Username::parse("alicia").unwrap()),
        ..UserChanges::default()
    };
    assert_eq!(
        db.users
            .update(alice.id, renamed, None, Utc::now())
            .await
            .unwrap()
            .unwrap()
            .profile_revision,
        1
    );
    let picture = ImageFile::parse("0123456789abcdef0123456789abcdef.jpg").unwrap();
    db.users
        .swap_image_file(alice.id, None, Some(picture.as_str()))
        .await
        .unwrap();
    let now = db.users.by_id(alice.id).await.unwrap().unwrap();
    assert_eq!(now.profile_revision, 2);
    let listed = db.posts.by_id(first.id).await.unwrap().unwrap();
    assert_eq!((listed.post.revision, listed.author.revision), (1, 2));
    for changed in [agree(None).await, agree(Some(alice.id)).await] {
        assert_ne!(changed, everyone);
        assert_ne!(changed, alices);
    }
    everyone = agree(None).await;
    alices = agree(Some(alice.id)).await;
    assert!(db.posts.delete(first.id).await.unwrap());
    assert_ne!(agree(None).await, everyone);
    assert_ne!(agree(Some(alice.id)).await, alices);
    assert!(agree(Some(alice.id)).await == ContentTag::of_posts(&[]));
}
