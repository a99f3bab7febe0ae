//! The keys of asymmetric token signing: the private key that signs (`SIGNING_KEY_FILE`) and
//! the public keys that verify (its own, then those of `PREVIOUS_PUBLIC_KEYS_FILE`). Each key
//! is named by its RFC 7638 thumbprint, which tokens carry as `kid`, and may verify with its
//! own algorithm only. Keys come from files read at start-up, never from a token or a URL.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use quill_domain::{PublicKeyMaterial, PublishedKey};
use sha2::{Digest as _, Sha256};

/// The asymmetric algorithms (`ALGORITHM`): each key signs and verifies with its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// Ed25519 signatures.
    EdDsa,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl KeyAlgorithm {
    /// The name `ALGORITHM` and a JWT header's `alg` give it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::EdDsa => "EdDSA",
            Self::Es256 => "ES256",
        }
    }
}

/// A key file could not be used. The message never quotes the file's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The signing key is not a PKCS#8 PEM private key of a supported kind.
    #[error("must be a PKCS#8 PEM private key (BEGIN PRIVATE KEY) of Ed25519 or P-256")]
    UnusablePrivateKey,
    /// One of the public keys (counted from 1) is not a PEM public key of a supported kind.
    #[error("key {0}: must be a PEM public key (BEGIN PUBLIC KEY) of Ed25519 or P-256")]
    UnusablePublicKey(usize),
    /// A file of public keys holds none.
    #[error("holds no PEM public key")]
    NoPublicKey,
}

/// The signing key, and every public key that verifies, with the key id and algorithm of
/// each. Cheap to clone; its `Debug` shows key ids, never key material.
///
/// ```
/// use quill_infra::tokens::{KeyAlgorithm, SigningKeys};
///
/// // Made with `openssl genpkey -algorithm ed25519`; an example, never to be deployed.
/// let private = "-----BEGIN PRIVATE KEY-----\n\
///     MC4CAQAwBQYDK2VwBCIEIBlBegdd8vFOp/4yGuP3kE5WBI/N4ympE56A6M+u1F5v\n\
///     -----END PRIVATE KEY-----\n";
/// let keys = SigningKeys::from_pem(private, None)?;
/// assert_eq!(keys.algorithm(), KeyAlgorithm::EdDsa);
/// let published = keys.published();
/// assert_eq!(published.len(), 1);
/// assert_eq!(published[0].key_id, keys.key_id());
/// assert!(!format!("{keys:?}").contains("MC4CAQ"));
/// # Ok::<(), quill_infra::tokens::KeyError>(())
/// ```
#[derive(Clone)]
pub struct SigningKeys {
    signing: EncodingKey,
    algorithm: Algorithm,
    key_id: String,
    /// The signing key's public half first, then the previous keys, no id twice.
    verifying: Vec<VerifyingKey>,
}

/// One public key that verifies, pinned to its own algorithm.
#[derive(Clone)]
pub(crate) struct VerifyingKey {
    pub(crate) published: PublishedKey,
    pub(crate) algorithm: Algorithm,
    pub(crate) decoding: DecodingKey,
}

impl SigningKeys {
    /// The keys from the text of the signing key's file and, if set, of the previous public
    /// keys' file (any number of PEM public keys; text between them is ignored, so a file
    /// may note when each key was retired).
    ///
    /// # Errors
    /// A [`KeyError`] naming the first key that is not usable.
    pub fn from_pem(
        private_pem: &str,
        previous_public_pem: Option<&str>,
    ) -> Result<Self, KeyError> {
        let (label, der) = pem_rfc7468::decode_vec(private_pem.trim().as_bytes())
            .map_err(|_| KeyError::UnusablePrivateKey)?;
        if label != "PRIVATE KEY" {
            return Err(KeyError::UnusablePrivateKey);
        }
        let (signing, algorithm, material) =
            if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
                (
                    EncodingKey::from_ed_der(&der),
                    Algorithm::EdDSA,
                    ed25519_material(&key.verifying_key()),
                )
            } else if let Ok(key) = p256::SecretKey::from_pkcs8_der(&der) {
                (
                    EncodingKey::from_ec_der(&der),
                    Algorithm::ES256,
                    p256_material(&key.public_key()),
                )
            } else {
                return Err(KeyError::UnusablePrivateKey);
            };
        let current = VerifyingKey::new(material).ok_or(KeyError::UnusablePrivateKey)?;
        let key_id = current.published.key_id.clone();
        let mut verifying = vec![current];
        if let Some(text) = previous_public_pem {
            let blocks = pem_blocks(text);
            if blocks.is_empty() {
                return Err(KeyError::NoPublicKey);
            }
            for (index, block) in blocks.into_iter().enumerate() {
                let key = public_key(block).ok_or(KeyError::UnusablePublicKey(index + 1))?;
                // The key being switched to is listed as verify-only before the switch, and
                // may stay listed after it.
                if verifying
                    .iter()
                    .all(|k| k.published.key_id != key.published.key_id)
                {
                    verifying.push(key);
                }
            }
        }
        Ok(Self {
            signing,
            algorithm,
            key_id,
            verifying,
        })
    }

    /// The algorithm the signing key signs with.
    #[must_use]
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self.algorithm {
            Algorithm::ES256 => KeyAlgorithm::Es256,
            _ => KeyAlgorithm::EdDsa,
        }
    }

    /// The signing key's id, which every token it signs names as `kid`.
    #[must_use]
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Every public key that verifies, the signing key's first.
    #[must_use]
    pub fn published(&self) -> Vec<PublishedKey> {
        self.verifying.iter().map(|k| k.published.clone()).collect()
    }

    pub(crate) fn signing(&self) -> (&EncodingKey, Algorithm) {
        (&self.signing, self.algorithm)
    }

    pub(crate) fn verifying(&self) -> &[VerifyingKey] {
        &self.verifying
    }
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self
            .verifying
            .iter()
            .map(|k| k.published.key_id.as_str())
            .collect();
        f.debug_struct("SigningKeys")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("verifying", &ids)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    fn new(material: PublicKeyMaterial) -> Option<Self> {
        let (algorithm, decoding, name) = match &material {
            PublicKeyMaterial::Ed25519 { x } => (
                Algorithm::EdDSA,
                DecodingKey::from_ed_components(x).ok()?,
                "EdDSA",
            ),
            PublicKeyMaterial::P256 { x, y } => (
                Algorithm::ES256,
                DecodingKey::from_ec_components(x, y).ok()?,
                "ES256",
            ),
        };
        Some(Self {
            published: PublishedKey {
                key_id: thumbprint(&material),
                algorithm: name,
                material,
            },
            algorithm,
            decoding,
        })
    }
}

fn ed25519_material(key: &ed25519_dalek::VerifyingKey) -> PublicKeyMaterial {
    PublicKeyMaterial::Ed25519 {
        x: URL_SAFE_NO_PAD.encode(key.as_bytes()),
    }
}

fn p256_material(key: &p256::PublicKey) -> PublicKeyMaterial {
    let point = key.to_encoded_point(false);
    // An uncompressed point of a valid public key always has both coordinates.
    let coordinate = |c: Option<&p256::FieldBytes>| c.map(|b| URL_SAFE_NO_PAD.encode(b));
    PublicKeyMaterial::P256 {
        x: coordinate(point.x()).unwrap_or_default(),
        y: coordinate(point.y()).unwrap_or_default(),
    }
}

/// The public key of one PEM block, if it is an Ed25519 or P-256 `PUBLIC KEY`.
fn public_key(block: &str) -> Option<VerifyingKey> {
    let (label, der) = pem_rfc7468::decode_vec(block.as_bytes()).ok()?;
    if label != "PUBLIC KEY" {
        return None;
    }
    let material = if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_der(&der) {
        ed25519_material(&key)
    } else {
        use p256::pkcs8::DecodePublicKey as _;
        p256_material(&p256::PublicKey::from_public_key_der(&der).ok()?)
    };
    VerifyingKey::new(material)
}

/// The RFC 7638 thumbprint: SHA-256 of the key's required members, in lexicographic order
/// and without whitespace, base64url without padding.
fn thumbprint(material: &PublicKeyMaterial) -> String {
    let canonical = match material {
        PublicKeyMaterial::Ed25519 { x } => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#),
        PublicKeyMaterial::P256 { x, y } => {
            format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#)
        }
    };
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

/// Each `-----BEGIN ...-----` to `-----END ...-----` block of `text`, in order.
fn pem_blocks(text: &str) -> Vec<&str> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let from_begin = &rest[start..];
        let Some(end) = from_begin.find(END) else {
            // An unterminated block is kept, so that it is reported rather than skipped.
            blocks.push(from_begin);
            break;
        };
        let after_end = &from_begin[end + END.len()..];
        let close = after_end.find("-----").map_or(after_end.len(), |i| i + 5);
        let length = end + END.len() + close;
        blocks.push(&from_begin[..length]);
        rest = &from_begin[length..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test keys made with openssl (`genpkey -algorithm ed25519`, `genpkey -algorithm EC
    // -pkeyopt ec_paramgen_curve:P-256`, `pkey -pubout`); they sign nothing anywhere else.
    const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIBlBegdd8vFOp/4yGuP3kE5WBI/N4ympE56A6M+u1F5v
-----END PRIVATE KEY-----
";
    const P256_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg947tfjdMefVuBWvW
7zmOvuSdB51uGNIdbFC14eaeWXWhRANCAATy/QcwpTudKFyG5wbadXAWgHzcen5s
uC3kxDtBbAAarV83GqPLBbSF0NuFdkPb4WT4NKdjgCaNpZJzc2AZQda3
-----END PRIVATE KEY-----
";
    const P256_PUBLIC: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8v0HMKU7nShchucG2nVwFoB83Hp+
bLgt5MQ7QWwAGq1fNxqjywW0hdDbhXZD2+Fk+DSnY4AmjaWSc3NgGUHWtw==
-----END PUBLIC KEY-----
";

    #[test]
    fn an_ed25519_key_signs_eddsa_and_publishes_its_public_half_named_by_its_thumbprint() {
        let keys = SigningKeys::from_pem(ED25519_PRIVATE, None).unwrap();
        assert_eq!(keys.algorithm(), KeyAlgorithm::EdDsa);
        let [published] = keys.published().try_into().unwrap();
        assert_eq!(published.algorithm, "EdDSA");
        let PublicKeyMaterial::Ed25519 { x } = &published.material else {
            panic!("not an Ed25519 key: {published:?}");
        };
        assert_eq!(URL_SAFE_NO_PAD.decode(x).unwrap().len(), 32);
        assert_eq!(published.key_id, keys.key_id());
        // 32 bytes of SHA-256, base64url without padding.
        assert_eq!(keys.key_id().len(), 43);
    }

    #[test]
    fn the_thumbprint_matches_rfc_8037s_worked_example() {
        // RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
        let material = PublicKeyMaterial::Ed25519 {
            x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo".into(),
        };
        assert_eq!(
            thumbprint(&material),
            "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
        );
    }

    #[test]
    fn a_p256_key_signs_es256_and_its_previous_public_keys_verify_too() {
        let ed_public = {
            let keys = SigningKeys::from_pem(ED25519_PRIVATE, None).unwrap();
            keys.published()[0].clone()
        };
        let previous = format!("retired 2026-11-30:\n{P256_PUBLIC}\n");
        let keys = SigningKeys::from_pem(P256_PRIVATE, Some(&previous)).unwrap();
        assert_eq!(keys.algorithm(), KeyAlgorithm::Es256);
        // Its own public key listed again is one key, not two.
        assert_eq!(keys.published().len(), 1);
        let private_and_public = SigningKeys::from_pem(ED25519_PRIVATE, Some(P256_PUBLIC)).unwrap();
        let published = private_and_public.published();
        assert_eq!(published.len(), 2);
        assert_eq!(published[0], ed_public);
        assert_eq!(published[1].algorithm, "ES256");
        assert_eq!(published[1].key_id, keys.key_id());
        let algorithms: Vec<Algorithm> = private_and_public
            .verifying()
            .iter()
            .map(|k| k.algorithm)
            .collect();
        assert_eq!(algorithms, [Algorithm::EdDSA, Algorithm::ES256]);
    }

    #[test]
    fn unusable_key_files_are_refused_without_quoting_them() {
        for private in [
            "",
            "not a key",
            P256_PUBLIC,
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert_eq!(
                SigningKeys::from_pem(private, None).unwrap_err(),
                KeyError::UnusablePrivateKey,
                "{private}"
            );
        }
        assert_eq!(
            SigningKeys::from_pem(ED25519_PRIVATE, Some("nothing here")).unwrap_err(),
            KeyError::NoPublicKey
        );
        let second_bad = format!("{P256_PUBLIC}{ED25519_PRIVATE}");
        let refused = SigningKeys::from_pem(ED25519_PRIVATE, Some(&second_bad)).unwrap_err();
        assert_eq!(refused, KeyError::UnusablePublicKey(2));
        assert!(!refused.to_string().contains("MC4CAQ"));
    }
}
