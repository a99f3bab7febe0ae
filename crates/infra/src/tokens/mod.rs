//! JWT access tokens: `sub` = user id as a string, `exp` and `iat` in Unix seconds, `jti`,
//! `gen` and `sid` (the session). Signed with the shared secret (HS256 by default, the original's tokens) or with
//! an asymmetric key ([`keys`]) whose public half other services verify with; then tokens
//! also carry `kid`, `typ: at+jwt`, `iss` and `aud`, and all four are checked. Verification
//! accepts only the configured algorithm (each asymmetric key its own), requires `exp` and
//! `sub`, and allows no leeway.

mod claims;
pub mod keys;
mod secret;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use quill_domain::{
    AccessToken, PublishedKey, SessionId, TokenClaims, TokenCodec, TokenRejected, Unexpected, User,
    UserId,
};

pub use keys::{KeyAlgorithm, KeyError, SigningKeys};
pub use secret::{SecretKey, SecretKeyError, TokenAlgorithm};

use self::claims::{IssuedClaims, PresentedClaims, VerifiedTokens, derived_token_id, token_id};

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
/// let token = codec.issue(&alice, &session, now, now)?;
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
        authenticated_at: DateTime<Utc>,
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
            auth_time: authenticated_at.timestamp(),
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
        let authenticated_at = match claims.auth_time {
            Some(seconds) => {
                Some(DateTime::from_timestamp(seconds, 0).ok_or(TokenRejected::Invalid)?)
            }
            None => None,
        };
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
            authenticated_at,
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
