//! The published keys: none under the shared secret, one key's public members under EdDSA.

use reqwest::Method as M;
use serde_json::json;

use super::driver::Checker;
use crate::support::spawn_app_with;

/// The key set's route with every status it can answer.
pub(super) const ROUTES: &[(&str, &str, &[u16])] = &[("get", "/.well-known/jwks.json", &[200])];

pub(super) async fn walk(c: &mut Checker) {
    // The published keys: none under the shared secret, one key's public members under
    // EdDSA (the schema is closed, so a leaked private member would fail it).
    let jwks = "/.well-known/jwks.json";
    assert_eq!(
        c.call(M::GET, jwks, jwks, None).await,
        json!({ "keys": [] })
    );
    let key_dir = tempfile::tempdir().unwrap();
    let key_file = key_dir.path().join("signing.pem");
    std::fs::write(&key_file, quill_test_support::keys::ed25519(9).private_pem).unwrap();
    let shared_secret = std::mem::replace(
        &mut c.app,
        spawn_app_with(&[
            ("ALGORITHM", "EdDSA"),
            ("SIGNING_KEY_FILE", key_file.to_str().unwrap()),
        ])
        .await,
    );
    let published = c.call(M::GET, jwks, jwks, None).await;
    assert_eq!(published["keys"][0]["alg"], "EdDSA");
    let asymmetric = std::mem::replace(&mut c.app, shared_secret);
    drop(asymmetric);
}
