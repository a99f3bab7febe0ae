//! How tokens are signed: `ALGORITHM`, and for the asymmetric algorithms the key files
//! (`SIGNING_KEY_FILE`, `PREVIOUS_PUBLIC_KEYS_FILE`), `TOKEN_ISSUER` and `TOKEN_AUDIENCE`.
//! The files are read here, once, at start-up.

use serde::Deserialize;

use super::{ConfigError, invalid, text};
use crate::tokens::{
    AsymmetricSigning, KeyAlgorithm, KeyError, SigningKeys, TokenAlgorithm, TokenSigning,
};

/// The audience tokens name when `TOKEN_AUDIENCE` is not set.
const DEFAULT_TOKEN_AUDIENCE: &str = "quill";

/// The signing settings as named in the environment, before the key files are read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SigningSettings {
    #[serde(deserialize_with = "text::present")]
    algorithm: Option<String>,
    #[serde(deserialize_with = "text::optional_text")]
    signing_key_file: Option<String>,
    #[serde(deserialize_with = "text::optional_text")]
    previous_public_keys_file: Option<String>,
    #[serde(deserialize_with = "text::present")]
    token_issuer: Option<String>,
    #[serde(deserialize_with = "text::present")]
    token_audience: Option<String>,
}

impl SigningSettings {
    /// `ALGORITHM` (HS256 when not set) and what it needs, the issuer defaulting to
    /// `public_base_url`.
    pub(super) fn token_signing(self, public_base_url: &str) -> Result<TokenSigning, ConfigError> {
        let Self {
            algorithm,
            signing_key_file: key_file,
            previous_public_keys_file: previous_file,
            token_issuer,
            token_audience,
        } = self;
        let wanted = match algorithm.as_deref().map(str::trim) {
            None | Some("HS256") => Err(TokenAlgorithm::Hs256),
            Some("HS384") => Err(TokenAlgorithm::Hs384),
            Some("HS512") => Err(TokenAlgorithm::Hs512),
            Some("EdDSA") => Ok(KeyAlgorithm::EdDsa),
            Some("ES256") => Ok(KeyAlgorithm::Es256),
            Some(other) => {
                return Err(invalid(
                    "ALGORITHM",
                    format!("must be HS256, HS384, HS512, EdDSA or ES256, got {other:?}"),
                ));
            }
        };
        let algorithm = match wanted {
            Err(hmac) => {
                // A key file under an HMAC algorithm means the operator believes tokens are
                // signed with it: say they are not, rather than publish nothing in silence.
                for (setting, file) in [
                    ("SIGNING_KEY_FILE", &key_file),
                    ("PREVIOUS_PUBLIC_KEYS_FILE", &previous_file),
                ] {
                    if file.is_some() {
                        return Err(invalid(
                            setting,
                            "is only read when ALGORITHM is EdDSA or ES256",
                        ));
                    }
                }
                return Ok(TokenSigning::Secret(hmac));
            }
            Ok(algorithm) => algorithm,
        };
        let Some(key_file) = key_file else {
            return Err(invalid(
                "SIGNING_KEY_FILE",
                format!(
                    "must name a PKCS#8 PEM private key when ALGORITHM is {}",
                    algorithm.name()
                ),
            ));
        };
        let private = read("SIGNING_KEY_FILE", &key_file)?;
        let previous = previous_file
            .map(|file| read("PREVIOUS_PUBLIC_KEYS_FILE", &file))
            .transpose()?;
        let keys = SigningKeys::from_pem(&private, previous.as_deref()).map_err(|e| {
            let setting = match e {
                KeyError::UnusablePrivateKey => "SIGNING_KEY_FILE",
                KeyError::UnusablePublicKey(_) | KeyError::NoPublicKey => {
                    "PREVIOUS_PUBLIC_KEYS_FILE"
                }
            };
            invalid(setting, e.to_string())
        })?;
        if keys.algorithm() != algorithm {
            return Err(invalid(
                "SIGNING_KEY_FILE",
                format!(
                    "holds a key for {}, but ALGORITHM is {}",
                    keys.algorithm().name(),
                    algorithm.name()
                ),
            ));
        }
        Ok(TokenSigning::Keys(AsymmetricSigning {
            keys,
            issuer: named("TOKEN_ISSUER", token_issuer, public_base_url)?,
            audience: named("TOKEN_AUDIENCE", token_audience, DEFAULT_TOKEN_AUDIENCE)?,
        }))
    }
}

/// A key file's text; the error names the file and why, never its contents.
fn read(setting: &'static str, file: &str) -> Result<String, ConfigError> {
    std::fs::read_to_string(file.trim())
        .map_err(|e| invalid(setting, format!("cannot read {file:?}: {e}")))
}

/// An issuer or audience: text without spaces, `default` when not set.
fn named(
    setting: &'static str,
    value: Option<String>,
    default: &str,
) -> Result<String, ConfigError> {
    let value = value.map_or_else(|| default.to_owned(), |v| v.trim().to_owned());
    if value.is_empty() || value.contains(char::is_whitespace) {
        return Err(invalid(setting, "must be a name or URL without spaces"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::StackSettings;
    use crate::tokens::{KeyAlgorithm, TokenSigning};

    const ED25519_PRIVATE: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIBlBegdd8vFOp/4yGuP3kE5WBI/N4ympE56A6M+u1F5v
-----END PRIVATE KEY-----
";

    fn key_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn refusal(pairs: &[(&str, &str)]) -> String {
        StackSettings::from_pairs(pairs.iter().copied())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn eddsa_signs_with_the_key_file_and_names_the_public_base_url_as_issuer() {
        let dir = tempfile::tempdir().unwrap();
        let file = key_file(&dir, "signing.pem", ED25519_PRIVATE);
        let settings = StackSettings::from_pairs([
            ("ALGORITHM", "EdDSA"),
            ("SIGNING_KEY_FILE", file.as_str()),
            ("PUBLIC_BASE_URL", "https://blog.example.com"),
        ])
        .unwrap();
        let TokenSigning::Keys(signing) = settings.auth.token_signing else {
            panic!("not asymmetric");
        };
        assert_eq!(signing.keys.algorithm(), KeyAlgorithm::EdDsa);
        assert_eq!(signing.issuer, "https://blog.example.com");
        assert_eq!(signing.audience, "quill");
    }

    #[test]
    fn an_asymmetric_algorithm_without_a_matching_readable_key_does_not_start() {
        let dir = tempfile::tempdir().unwrap();
        let ed = key_file(&dir, "ed.pem", ED25519_PRIVATE);
        let junk = key_file(&dir, "junk.pem", "not a key");
        assert!(refusal(&[("ALGORITHM", "EdDSA")]).starts_with("SIGNING_KEY_FILE: must name"));
        assert!(
            refusal(&[("ALGORITHM", "ES256"), ("SIGNING_KEY_FILE", &ed)])
                .contains("holds a key for EdDSA, but ALGORITHM is ES256")
        );
        assert!(
            refusal(&[("ALGORITHM", "EdDSA"), ("SIGNING_KEY_FILE", &junk)])
                .starts_with("SIGNING_KEY_FILE: must be a PKCS#8 PEM private key")
        );
        assert!(
            refusal(&[
                ("ALGORITHM", "EdDSA"),
                ("SIGNING_KEY_FILE", "/no/such/key.pem")
            ])
            .starts_with("SIGNING_KEY_FILE: cannot read")
        );
        assert!(
            refusal(&[
                ("ALGORITHM", "EdDSA"),
                ("SIGNING_KEY_FILE", &ed),
                ("PREVIOUS_PUBLIC_KEYS_FILE", &junk),
            ])
            .starts_with("PREVIOUS_PUBLIC_KEYS_FILE: holds no PEM public key")
        );
        assert!(
            refusal(&[
                ("ALGORITHM", "EdDSA"),
                ("SIGNING_KEY_FILE", &ed),
                ("TOKEN_AUDIENCE", "two words"),
            ])
            .starts_with("TOKEN_AUDIENCE:")
        );
    }

    #[test]
    fn rsa_is_not_offered_and_key_files_are_refused_under_hmac() {
        assert!(refusal(&[("ALGORITHM", "RS256")]).starts_with("ALGORITHM: must be"));
        assert_eq!(
            refusal(&[("SIGNING_KEY_FILE", "key.pem")]),
            "SIGNING_KEY_FILE: is only read when ALGORITHM is EdDSA or ES256"
        );
        let settings = StackSettings::from_pairs([("ALGORITHM", "HS384")]).unwrap();
        assert!(matches!(
            settings.auth.token_signing,
            TokenSigning::Secret(crate::TokenAlgorithm::Hs384)
        ));
    }
}
