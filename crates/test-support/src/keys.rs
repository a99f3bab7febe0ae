//! Signing keys for tests, made from a seed so that each test has keys of its own with no
//! random source, written the way an operator's files are (PKCS#8 and SPKI PEM).

use ed25519_dalek::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
use p256::pkcs8::LineEnding;

/// A key pair's files: the private key for `SIGNING_KEY_FILE`, the public key for
/// `PREVIOUS_PUBLIC_KEYS_FILE`.
#[derive(Debug, Clone)]
pub struct KeyPair {
    /// PKCS#8 PEM (`BEGIN PRIVATE KEY`).
    pub private_pem: String,
    /// SPKI PEM (`BEGIN PUBLIC KEY`).
    pub public_pem: String,
}

/// The Ed25519 key pair of `seed`.
///
/// # Panics
/// Never for a 32-byte seed: encoding a valid key cannot fail.
#[must_use]
pub fn ed25519(seed: u8) -> KeyPair {
    let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    KeyPair {
        private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    }
}

/// The P-256 key pair of `seed` (any seed from 1 up is a valid scalar).
///
/// # Panics
/// For seed 0, which is not a valid key.
#[must_use]
pub fn p256(seed: u8) -> KeyPair {
    use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _};
    let key = p256::SecretKey::from_slice(&[seed; 32]).unwrap();
    KeyPair {
        private_pem: key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
        public_pem: key.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    }
}
