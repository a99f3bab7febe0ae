//! JWT access tokens: `sub` = user id as a string, `exp` and `iat` in Unix seconds, `jti`,
//! `gen` and `sid` (the session). Signed with the shared secret (HS256 by default, the original's tokens) or with
//! an asymmetric key ([`keys`]) whose public half other services verify with; then tokens
//! also carry `kid`, `typ: at+jwt`, `iss` and `aud`, and all four are checked. Verification
//! accepts only the configured algorithm (each asymmetric key its own), requires `exp` and
//! `sub`, and allows no leeway.

pub mod keys;
mod secret;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use quill_domain::{
    AccessToken, PublishedKey, SessionId, TokenClaims, TokenCodec, TokenRejected, Unexpected, User,
    UserId,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

pub use keys::{KeyAlgorithm, KeyError, SigningKeys};
pub use secret::{SecretKey, SecretKeyError, TokenAlgorithm};

/// The `typ` of an access token signed with an asymmetric key (RFC 9068), so that a JWT
/// meant for something else, signed by the same key, is never taken for one.
pub const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Asymmetric signing as configured: the keys, and the issuer and audience tokens name.
#[derive(Debug, Clone)]
pub struct AsymmetricSigning {
    /// The signing key and the public keys that verify.
    pub keys: SigningKeys,
    /// The `iss` of every token (`TOKEN_ISSUER`).
    pub issuer: String,
    /// The `aud` of every token (`TOKEN_AUDIENCE`).
    pub audience: String,
}

/// How tokens are signed (`ALGORITHM`).
#[derive(Debug, Clone)]
pub enum TokenSigning {
    /// With `SECRET_KEY`, by HMAC: only holders of the secret can check a token, and any of
    /// them could mint one.
    Secret(TokenAlgorithm),
    /// With a private key; anyone can check a token with the published public keys.
    Keys(AsymmetricSigning),
}

impl Default for TokenSigning {
    fn default() -> Self {
        Self::Secret(TokenAlgorithm::default())
    }
}

/// [`TokenCodec`] issuing and checking signed JWTs.
///
/// ```
/// use chrono::{Duration, Utc};
/// use quill_domain::{PasswordHash, SessionId, TokenCodec, TokenRejected, User, UserId};
/// use quill_infra::{JwtCodec, SecretKey, TokenAlgorithm};
///
/// let key = SecretKey::new("an-example-key-of-at-least-32-bytes".to_owned())?;
/// let codec = JwtCodec::new(&key, TokenAlgorithm::Hs256, Duration::minutes(30));
/// let alice = User {
///     id: UserId(7),
///     username: "alice".into(),
///     email: "alice@example.com".into(),
///     password_hash: PasswordHash::new("$argon2id$..."),
///     image_file: None,
///     token_generation: 0,
///     profile_revision: 0,
/// };
/// let now = Utc::now();
/// let session = SessionId::new("a-session");
/// let token = codec.issue(&alice, &session, now)?;
/// let claims = codec.verify(token.as_str(), now).map_err(|_| "rejected")?;
/// assert_eq!((claims.user, claims.generation), (UserId(7), 0));
/// assert_eq!(claims.session, Some(session));
/// let later = now + Duration::minutes(30);
/// assert_eq!(codec.verify(token.as_str(), later), Err(TokenRejected::Expired));
///
/// let other_key = SecretKey::new("another-key-of-at-least-32-bytes!!".to_owned())?;
/// let forger = JwtCodec::new(&other_key, TokenAlgorithm::Hs256, Duration::minutes(30));
/// assert_eq!(forger.verify(token.as_str(), now), Err(TokenRejected::Invalid));
/// // A shared secret is never published.
/// assert!(codec.published_keys().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JwtCodec {
    header: Header,
    encoding: EncodingKey,
    verifying: Verifying,
    lifetime: Duration,
}

/// How many tokens with a checked signature an asymmetric codec remembers: at one token per
/// active client, a few megabytes at most.
const VERIFIED_TOKENS: usize = 10_000;

/// Tokens whose signature an asymmetric key has already checked, most recently used kept.
/// An Ed25519 or P-256 verification costs tens of microseconds, a large share of a cheap
/// request, while a client presents the same token on every request. Only the signature
/// check (and the header and claims checks made with it) is remembered: expiry is checked
/// again on every use, and revocation is the domain's, after this. The keys cannot change
/// while the process runs, so nothing remembered outlives the key that verified it.
struct VerifiedTokens(std::sync::Mutex<hashlink::LruCache<Box<str>, PresentedClaims>>);

impl VerifiedTokens {
    fn new() -> Self {
        Self(std::sync::Mutex::new(hashlink::LruCache::new(
            VERIFIED_TOKENS,
        )))
    }

    fn get(&self, token: &str) -> Option<PresentedClaims> {
        // A poisoned lock only means another thread panicked mid-update of a cache: verify
        // afresh rather than trust or fail.
        self.0.lock().ok()?.get(token).cloned()
    }

    fn remember(&self, token: &str, claims: &PresentedClaims) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(token.into(), claims.clone());
        }
    }
}

/// What checks a presented token.
enum Verifying {
    Secret {
        decoding: DecodingKey,
        validation: Validation,
    },
    Keys {
        /// By key id: each key with a validation pinned to its own algorithm.
        keys: Vec<(String, DecodingKey, Validation)>,
        published: Vec<PublishedKey>,
        issuer: String,
        audience: String,
        verified: VerifiedTokens,
    },
}

#[derive(Serialize)]
struct IssuedClaims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<&'a str>,
    sub: &'a str,
    exp: i64,
    iat: i64,
    jti: &'a str,
    #[serde(rename = "gen")]
    generation: i64,
    sid: &'a str,
}

/// What a presented token says. Tokens the original service issued with the same key carry
/// only `sub` and `exp` (and `iat`); they are accepted as tokens of generation 0 in no
/// session, with an id derived from the token itself, so logout and logout-everywhere revoke
/// them too.
#[derive(Clone, Deserialize)]
struct PresentedClaims {
    sub: String,
    exp: i64,
    jti: Option<String>,
    #[serde(rename = "gen", default)]
    generation: i64,
    sid: Option<String>,
    /// Not before: quill never sets it, but a token that carries one is not valid earlier.
    nbf: Option<i64>,
}

/// The id of a token that names none: `sig:` and 60 hex digits of its SHA-256, within the
/// 64 characters a revocation keeps.
fn derived_token_id(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sig:{}", &hex[..60])
}

/// A fresh token id: 128 random bits, hex-encoded.
fn token_id() -> Result<String, Unexpected> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| Unexpected::new(e.to_string()))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A validation with no leeway and the expiry left to [`JwtCodec::verify`]'s clock.
fn strict_validation(algorithm: jsonwebtoken::Algorithm, required: &[&str]) -> Validation {
    let mut validation = Validation::new(algorithm);
    validation.leeway = 0;
    // Expiry is checked against the injected clock rather than the system clock, so that
    // it is testable; presence of the claims is still demanded here.
    validation.validate_exp = false;
    validation.set_required_spec_claims(required);
    validation
}

impl JwtCodec {
    /// A codec signing with the shared secret `key` and `algorithm`, issuing tokens valid for
    /// `lifetime`.
    #[must_use]
    pub fn new(key: &SecretKey, algorithm: TokenAlgorithm, lifetime: Duration) -> Self {
        let algorithm = algorithm.jsonwebtoken();
        Self {
            header: Header::new(algorithm),
            encoding: EncodingKey::from_secret(key.as_bytes()),
            verifying: Verifying::Secret {
                decoding: DecodingKey::from_secret(key.as_bytes()),
                validation: strict_validation(algorithm, &["exp", "sub"]),
            },
            lifetime,
        }
    }

    /// A codec signing with `signing`'s private key and verifying with each of its public
    /// keys; a token signed with the shared secret is never accepted by it.
    #[must_use]
    pub fn asymmetric(signing: &AsymmetricSigning, lifetime: Duration) -> Self {
        let (encoding, algorithm) = signing.keys.signing();
        let mut header = Header::new(algorithm);
        header.kid = Some(signing.keys.key_id().to_owned());
        header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
        let keys = signing
            .keys
            .verifying()
            .iter()
            .map(|key| {
                let mut validation =
                    strict_validation(key.algorithm, &["exp", "sub", "iss", "aud"]);
                validation.set_issuer(&[&signing.issuer]);
                validation.set_audience(&[&signing.audience]);
                (
                    key.published.key_id.clone(),
                    key.decoding.clone(),
                    validation,
                )
            })
            .collect();
        Self {
            header,
            encoding: encoding.clone(),
            verifying: Verifying::Keys {
                keys,
                published: signing.keys.published(),
                issuer: signing.issuer.clone(),
                audience: signing.audience.clone(),
                verified: VerifiedTokens::new(),
            },
            lifetime,
        }
    }

    /// The codec `signing` describes.
    #[must_use]
    pub fn configured(signing: &TokenSigning, key: &SecretKey, lifetime: Duration) -> Self {
        match signing {
            TokenSigning::Secret(algorithm) => Self::new(key, *algorithm, lifetime),
            TokenSigning::Keys(asymmetric) => Self::asymmetric(asymmetric, lifetime),
        }
    }

    /// The claims of a token whose signature and header are right, or why not.
    fn presented(&self, token: &str) -> Result<PresentedClaims, TokenRejected> {
        match &self.verifying {
            Verifying::Secret {
                decoding,
                validation,
            } => jsonwebtoken::decode::<PresentedClaims>(token, decoding, validation)
                .map_err(|_| TokenRejected::Invalid)
                .and_then(|data| {
                    understood(&data.header)?;
                    Ok(data.claims)
                }),
            Verifying::Keys { keys, verified, .. } => {
                if let Some(claims) = verified.get(token) {
                    return Ok(claims);
                }
                let header =
                    jsonwebtoken::decode_header(token).map_err(|_| TokenRejected::Invalid)?;
                if header.typ.as_deref() != Some(ACCESS_TOKEN_TYPE) {
                    return Err(TokenRejected::Invalid);
                }
                understood(&header)?;
                // Only keys loaded at start-up: a header's `jku` or `x5u` is never followed.
                let kid = header.kid.ok_or(TokenRejected::Invalid)?;
                let (_, decoding, validation) = keys
                    .iter()
                    .find(|(id, _, _)| *id == kid)
                    .ok_or(TokenRejected::Invalid)?;
                let claims = jsonwebtoken::decode::<PresentedClaims>(token, decoding, validation)
                    .map_err(|_| TokenRejected::Invalid)?
                    .claims;
                // Every token an asymmetric key signed has its own id.
                if claims.jti.is_none() {
                    return Err(TokenRejected::Invalid);
                }
                verified.remember(token, &claims);
                Ok(claims)
            }
        }
    }
}

/// Refuses a header with critical extensions: RFC 7515 (4.1.11) says a recipient that does
/// not understand each one must reject the token, and quill understands none.
fn understood(header: &Header) -> Result<(), TokenRejected> {
    match header.crit {
        Some(_) => Err(TokenRejected::Invalid),
        None => Ok(()),
    }
}

impl TokenCodec for JwtCodec {
    fn issue(
        &self,
        user: &User,
        session: &SessionId,
        now: DateTime<Utc>,
    ) -> Result<AccessToken, Unexpected> {
        let subject = user.id.to_string();
        let jti = token_id()?;
        let (iss, aud) = match &self.verifying {
            Verifying::Secret { .. } => (None, None),
            Verifying::Keys {
                issuer, audience, ..
            } => (Some(issuer.as_str()), Some(audience.as_str())),
        };
        let claims = IssuedClaims {
            iss,
            aud,
            sub: &subject,
            exp: (now + self.lifetime).timestamp(),
            iat: now.timestamp(),
            jti: &jti,
            generation: user.token_generation,
            sid: session.as_str(),
        };
        jsonwebtoken::encode(&self.header, &claims, &self.encoding)
            .map(AccessToken::new)
            .map_err(Unexpected::new)
    }

    fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejected> {
        let claims = self.presented(token)?;
        // Only a canonical decimal id: "007" or "+7" would be a second spelling of one id.
        let id: i64 = claims.sub.parse().map_err(|_| TokenRejected::Invalid)?;
        if id.to_string() != claims.sub {
            return Err(TokenRejected::Invalid);
        }
        let token_id = match claims.jti {
            Some(jti) if jti.is_empty() || jti.len() > 64 => return Err(TokenRejected::Invalid),
            Some(jti) => jti,
            None => derived_token_id(token),
        };
        let session = match claims.sid {
            Some(sid) if sid.is_empty() || sid.len() > 64 => return Err(TokenRejected::Invalid),
            sid => sid.map(SessionId::new),
        };
        let expires_at = DateTime::from_timestamp(claims.exp, 0).ok_or(TokenRejected::Invalid)?;
        // Checked with the injected clock, as expiry is; a token not yet valid is no token.
        if claims.nbf.is_some_and(|nbf| nbf > now.timestamp()) {
            return Err(TokenRejected::Invalid);
        }
        // Last, so that only a token that is right in every other way counts as expired.
        if now >= expires_at {
            return Err(TokenRejected::Expired);
        }
        Ok(TokenClaims {
            user: UserId(id),
            session,
            token_id,
            generation: claims.generation,
            expires_at,
        })
    }

    fn lifetime(&self) -> Duration {
        self.lifetime
    }

    fn published_keys(&self) -> Vec<PublishedKey> {
        match &self.verifying {
            Verifying::Secret { .. } => Vec::new(),
            Verifying::Keys { published, .. } => published.clone(),
        }
    }
}

impl std::fmt::Debug for JwtCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signing and verifying keys never show; the algorithm, key id and lifetime may.
        f.debug_struct("JwtCodec")
            .field("algorithm", &self.header.alg)
            .field("key_id", &self.header.kid)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use chrono::TimeZone as _;

    use super::*;

    fn key() -> SecretKey {
        SecretKey::new("0123456789abcdef0123456789abcdef".into()).unwrap()
    }

    fn codec() -> JwtCodec {
        JwtCodec::new(&key(), TokenAlgorithm::Hs256, Duration::minutes(30))
    }

    fn alice() -> User {
        User {
            id: UserId(7),
            username: "alice".into(),
            email: "alice@example.com".into(),
            password_hash: quill_domain::PasswordHash::new("x"),
            image_file: None,
            token_generation: 3,
            profile_revision: 0,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
    }

    fn session() -> SessionId {
        SessionId::new("a-session")
    }

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn part(token: &str, index: usize) -> serde_json::Value {
        let raw = token.split('.').nth(index).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_token_carries_the_user_id_as_a_string_with_exp_and_iat() {
        let token = codec().issue(&alice(), &session(), now()).unwrap();
        assert_eq!(
            part(token.as_str(), 0),
            serde_json::json!({"alg": "HS256", "typ": "JWT"})
        );
        let claims = part(token.as_str(), 1);
        assert_eq!(claims["sub"], "7");
        assert_eq!(claims["iat"], now().timestamp());
        assert_eq!(claims["exp"], now().timestamp() + 30 * 60);
        assert_eq!(claims["gen"], 3);
        let jti = claims["jti"].as_str().unwrap();
        assert_eq!(jti.len(), 32);
        let verified = codec().verify(token.as_str(), now()).unwrap();
        assert_eq!(verified.user, UserId(7));
        assert_eq!(verified.token_id, jti);
        assert_eq!(claims["sid"], "a-session");
        assert_eq!(verified.session, Some(session()));
        assert_eq!(verified.generation, 3);
        assert_eq!(verified.expires_at, now() + Duration::minutes(30));
    }

    #[test]
    fn every_token_gets_its_own_id() {
        let a = codec().issue(&alice(), &session(), now()).unwrap();
        let b = codec().issue(&alice(), &session(), now()).unwrap();
        assert_ne!(part(a.as_str(), 1)["jti"], part(b.as_str(), 1)["jti"]);
    }

    #[test]
    fn a_token_is_refused_from_the_second_it_expires_with_no_leeway() {
        let token = codec().issue(&alice(), &session(), now()).unwrap();
        let last_valid = now() + Duration::minutes(30) - Duration::seconds(1);
        assert!(codec().verify(token.as_str(), last_valid).is_ok());
        assert_eq!(
            codec().verify(token.as_str(), now() + Duration::minutes(30)),
            Err(TokenRejected::Expired)
        );
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused_as_not_genuine_even_once_expired() {
        let other = SecretKey::new("another-key-another-key-another-key".into()).unwrap();
        let forged = JwtCodec::new(&other, TokenAlgorithm::Hs256, Duration::minutes(30))
            .issue(&alice(), &session(), now())
            .unwrap();
        for at in [now(), now() + Duration::hours(1)] {
            assert_eq!(
                codec().verify(forged.as_str(), at),
                Err(TokenRejected::Invalid)
            );
        }
    }

    #[test]
    fn a_token_of_another_algorithm_is_refused_even_with_the_right_key() {
        let token = JwtCodec::new(&key(), TokenAlgorithm::Hs512, Duration::minutes(30))
            .issue(&alice(), &session(), now())
            .unwrap();
        assert_eq!(
            codec().verify(token.as_str(), now()),
            Err(TokenRejected::Invalid)
        );
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let exp = now().timestamp() + 60;
        let token = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&format!(r#"{{"sub":"7","exp":{exp}}}"#))
        );
        assert_eq!(codec().verify(&token, now()), Err(TokenRejected::Invalid));
    }

    #[test]
    fn a_token_of_the_original_service_with_only_sub_and_exp_is_accepted_until_it_expires() {
        let exp = now().timestamp() + 60;
        let original = signed(&serde_json::json!({"sub": "7", "exp": exp, "iat": exp - 60}));
        let claims = codec().verify(&original, now()).unwrap();
        assert_eq!(claims.session, None, "it names no session");
        assert_eq!((claims.user, claims.generation), (UserId(7), 0));
        // A stable id of its own, so it can be revoked on its own.
        assert!(claims.token_id.starts_with("sig:"), "{}", claims.token_id);
        assert_eq!(claims.token_id.len(), 64);
        assert_eq!(
            codec().verify(&original, now()).unwrap().token_id,
            claims.token_id
        );
        let other = signed(&serde_json::json!({"sub": "7", "exp": exp + 1}));
        assert_ne!(
            codec().verify(&other, now()).unwrap().token_id,
            claims.token_id
        );
        let expired = now() + Duration::seconds(60);
        assert_eq!(
            codec().verify(&original, expired),
            Err(TokenRejected::Expired)
        );
    }

    fn signed(claims: &serde_json::Value) -> String {
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(key().as_bytes()),
        )
        .unwrap()
    }

    #[test]
    fn a_genuine_token_without_exp_or_sub_or_with_a_malformed_sub_is_refused() {
        let exp = now().timestamp() + 60;
        for claims in [
            serde_json::json!({"sub": "7", "jti": "a", "gen": 0}),
            serde_json::json!({"exp": exp, "jti": "a", "gen": 0}),
            serde_json::json!({"sub": 7, "exp": exp, "jti": "a", "gen": 0}),
            serde_json::json!({"sub": "seven", "exp": exp, "jti": "a", "gen": 0}),
            serde_json::json!({"sub": "007", "exp": exp, "jti": "a", "gen": 0}),
            serde_json::json!({"sub": "7", "exp": exp, "jti": "", "gen": 0}),
            serde_json::json!({"sub": "7", "exp": exp, "jti": "x".repeat(65), "gen": 0}),
        ] {
            assert_eq!(
                codec().verify(&signed(&claims), now()),
                Err(TokenRejected::Invalid),
                "{claims}"
            );
        }
        let fine = serde_json::json!({"sub": "7", "exp": exp, "jti": "a", "gen": 0});
        assert_eq!(
            codec().verify(&signed(&fine), now()).unwrap().user,
            UserId(7)
        );
    }

    #[test]
    fn a_genuine_token_with_a_critical_header_extension_is_refused() {
        let exp = now().timestamp() + 60;
        let claims = serde_json::json!({"sub": "7", "exp": exp, "jti": "a", "gen": 0});
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.crit = Some(vec!["exp".into()]);
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &EncodingKey::from_secret(key().as_bytes()),
        )
        .unwrap();
        assert_eq!(codec().verify(&token, now()), Err(TokenRejected::Invalid));
        assert!(codec().verify(&signed(&claims), now()).is_ok());
    }

    #[test]
    fn a_genuine_token_is_refused_before_its_not_before_time_and_accepted_from_it() {
        let at = now().timestamp();
        let claims = |nbf: i64| serde_json::json!({"sub": "7", "exp": at + 600, "nbf": nbf, "jti": "a", "gen": 0});
        assert_eq!(
            codec().verify(&signed(&claims(at + 1)), now()),
            Err(TokenRejected::Invalid)
        );
        assert!(codec().verify(&signed(&claims(at)), now()).is_ok());
        assert!(codec().verify(&signed(&claims(at - 60)), now()).is_ok());
    }

    fn asymmetric(signing: &quill_test_support::keys::KeyPair, previous: &str) -> JwtCodec {
        let keys = SigningKeys::from_pem(
            &signing.private_pem,
            (!previous.is_empty()).then_some(previous),
        )
        .unwrap();
        JwtCodec::asymmetric(
            &AsymmetricSigning {
                keys,
                issuer: "https://blog.example.com".into(),
                audience: "quill".into(),
            },
            Duration::minutes(30),
        )
    }

    #[test]
    fn an_asymmetric_token_names_its_key_type_issuer_and_audience_and_only_its_keys_accept_it() {
        use quill_test_support::keys;
        let (old, new) = (keys::ed25519(1), keys::p256(2));
        let codec = asymmetric(&old, "");
        let token = codec.issue(&alice(), &session(), now()).unwrap();
        let header = part(token.as_str(), 0);
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["typ"], ACCESS_TOKEN_TYPE);
        assert_eq!(header["kid"], codec.published_keys()[0].key_id.as_str());
        let claims = part(token.as_str(), 1);
        assert_eq!(
            (&claims["iss"], &claims["aud"]),
            (
                &serde_json::json!("https://blog.example.com"),
                &serde_json::json!("quill")
            )
        );
        assert_eq!(codec.verify(token.as_str(), now()).unwrap().user, UserId(7));

        // After a switch to the new key, the old one verifies what it signed; once it is
        // removed, nothing it signed is accepted.
        let switched = asymmetric(&new, &old.public_pem);
        assert_eq!(switched.published_keys().len(), 2);
        assert!(switched.verify(token.as_str(), now()).is_ok());
        let fresh = switched.issue(&alice(), &session(), now()).unwrap();
        assert_eq!(part(fresh.as_str(), 0)["alg"], "ES256");
        let removed = asymmetric(&new, "");
        assert_eq!(
            removed.verify(token.as_str(), now()),
            Err(TokenRejected::Invalid)
        );
        assert!(removed.verify(fresh.as_str(), now()).is_ok());
        // Expiry still counts as expiry.
        assert_eq!(
            codec.verify(token.as_str(), now() + Duration::minutes(30)),
            Err(TokenRejected::Expired)
        );
    }

    #[test]
    fn an_asymmetric_token_with_a_critical_header_extension_is_refused() {
        let pair = quill_test_support::keys::ed25519(1);
        let codec = asymmetric(&pair, "");
        let sign = |crit: Option<Vec<String>>| {
            let mut header = Header::new(jsonwebtoken::Algorithm::EdDSA);
            header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
            header.kid = Some(codec.published_keys()[0].key_id.clone());
            header.crit = crit;
            let claims = serde_json::json!({"sub": "7", "exp": now().timestamp() + 60,
                "iss": "https://blog.example.com", "aud": "quill", "jti": "a", "gen": 0});
            let (_, der) = pem_rfc7468::decode_vec(pair.private_pem.as_bytes()).unwrap();
            let key = EncodingKey::from_ed_der(&der);
            jsonwebtoken::encode(&header, &claims, &key).unwrap()
        };
        assert_eq!(
            codec.verify(&sign(Some(vec!["exp".into()])), now()),
            Err(TokenRejected::Invalid)
        );
        assert!(codec.verify(&sign(None), now()).is_ok());
    }

    #[test]
    fn an_asymmetric_codec_accepts_no_shared_secret_token_and_a_secret_codec_no_asymmetric_one() {
        let keyed = asymmetric(&quill_test_support::keys::ed25519(3), "");
        let hmac = codec_token();
        assert_eq!(keyed.verify(&hmac, now()), Err(TokenRejected::Invalid));
        let signed = keyed.issue(&alice(), &session(), now()).unwrap();
        assert_eq!(
            codec().verify(signed.as_str(), now()),
            Err(TokenRejected::Invalid)
        );
        assert!(codec().published_keys().is_empty());
        assert!(!format!("{keyed:?}").contains("PRIVATE"));
    }

    #[test]
    fn a_token_verified_once_still_expires_and_a_changed_one_is_checked_afresh() {
        let codec = asymmetric(&quill_test_support::keys::ed25519(4), "");
        let token = codec.issue(&alice(), &session(), now()).unwrap();
        let first = codec.verify(token.as_str(), now()).unwrap();
        assert_eq!(codec.verify(token.as_str(), now()).unwrap(), first);
        assert_eq!(
            codec.verify(token.as_str(), now() + Duration::minutes(30)),
            Err(TokenRejected::Expired)
        );
        // The same header and claims under a damaged signature are another token.
        let (input, signature) = token.as_str().rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        let damaged = format!("{input}.{flipped}{}", &signature[1..]);
        assert_eq!(codec.verify(&damaged, now()), Err(TokenRejected::Invalid));
    }

    fn codec_token() -> String {
        codec()
            .issue(&alice(), &session(), now())
            .unwrap()
            .as_str()
            .to_owned()
    }

    #[test]
    fn garbage_is_refused() {
        for token in ["", "abc", "a.b.c", "...."] {
            assert_eq!(codec().verify(token, now()), Err(TokenRejected::Invalid));
        }
    }
}
