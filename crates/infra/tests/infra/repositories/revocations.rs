//! Revoked tokens: remembered until they expire, revoking twice harmless.

use super::*;

/// Whether a token naming no session, with this id, is refused as revoked.
async fn revoked(db: &Db, user: UserId, token_id: &str) -> bool {
    let (_, standing) = db
        .users
        .by_id_with_token_standing(user, None, token_id)
        .await
        .unwrap()
        .unwrap();
    standing.revoked
}

#[tokio::test]
async fn revoked_tokens_are_remembered_until_they_expire_and_revoking_twice_is_harmless() {
    let db = fresh_db().await;
    let alice = db.user("alice").await;
    let expires = Utc.with_ymd_and_hms(2026, 11, 26, 18, 30, 0).unwrap();
    db.users.revoke_token("token-a", expires).await.unwrap();
    db.users.revoke_token("token-a", expires).await.unwrap();
    assert!(revoked(&db, alice.id, "token-a").await);
    assert!(!revoked(&db, alice.id, "token-b").await);
    let before_expiry = expires - chrono::Duration::seconds(1);
    assert_eq!(
        db.users.purge_revoked_tokens(before_expiry).await.unwrap(),
        0
    );
    assert_eq!(db.users.purge_revoked_tokens(expires).await.unwrap(), 1);
    assert!(!revoked(&db, alice.id, "token-a").await);
}
