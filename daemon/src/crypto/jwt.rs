//! JWT signing keys: generation (ES256 by default; EdDSA, RS256 and HS256 selectable),
//! signing, verification, and the public JWKS. Key material arrives here unsealed from the
//! store and never leaves except as public keys. Expiry is checked by the caller against
//! the injected clock, not against the system time.

use std::collections::BTreeMap;
use std::fmt;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::Serialize;
use serde::de::DeserializeOwned;
use zeroize::Zeroizing;

use super::{CryptoError, random};
pub use crate::domain::signing_key::JwtAlgorithm;

fn library(algorithm: JwtAlgorithm) -> Algorithm {
    match algorithm {
        JwtAlgorithm::ES256 => Algorithm::ES256,
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::HS256 => Algorithm::HS256,
    }
}

/// A signing key: its id, algorithm and private material (PKCS#8 DER for ES256/EdDSA,
/// PKCS#1 DER for RS256, raw bytes for HS256).
pub struct KeyMaterial {
    pub kid: String,
    pub algorithm: JwtAlgorithm,
    pub secret: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

fn key_error(e: impl fmt::Display) -> CryptoError {
    CryptoError::Key(e.to_string())
}

/// Generates a fresh key.
pub fn generate(algorithm: JwtAlgorithm) -> Result<KeyMaterial, CryptoError> {
    let secret = match algorithm {
        JwtAlgorithm::ES256 => {
            use p256::pkcs8::EncodePrivateKey;
            let key = loop {
                // Almost every 32-byte string is a valid scalar; retry the rare ones that are not.
                if let Ok(key) = p256::SecretKey::from_slice(&random::bytes::<32>()?) {
                    break key;
                }
            };
            key.to_pkcs8_der().map_err(key_error)?.as_bytes().to_vec()
        }
        JwtAlgorithm::EdDSA => {
            use ed25519_dalek::pkcs8::EncodePrivateKey;
            // PKCS#8 v1 (no embedded public key): the form jsonwebtoken derives JWKs from.
            let pair = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: random::bytes::<32>()?,
                public_key: None,
            };
            pair.to_pkcs8_der().map_err(key_error)?.as_bytes().to_vec()
        }
        JwtAlgorithm::RS256 => {
            use rsa::pkcs1::EncodeRsaPrivateKey;
            let key = rsa::PrivateKey::new(&mut getrandom::SysRng, 2048).map_err(key_error)?;
            key.to_pkcs1_der().map_err(key_error)?.as_bytes().to_vec()
        }
        JwtAlgorithm::HS256 => random::bytes::<32>()?.to_vec(),
    };
    Ok(KeyMaterial {
        kid: random::token::<12>()?,
        algorithm,
        secret: Zeroizing::new(secret),
    })
}

struct LoadedKey {
    algorithm: JwtAlgorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public JWK; `None` for symmetric keys, which are never published.
    jwk: Option<Jwk>,
    public_pem: Option<String>,
}

impl LoadedKey {
    fn load(material: &KeyMaterial) -> Result<Self, CryptoError> {
        let alg = library(material.algorithm);
        let secret = material.secret.as_slice();
        let encoding = match material.algorithm {
            JwtAlgorithm::ES256 => EncodingKey::from_ec_der(secret),
            JwtAlgorithm::EdDSA => EncodingKey::from_ed_der(secret),
            JwtAlgorithm::RS256 => EncodingKey::from_rsa_der(secret),
            JwtAlgorithm::HS256 => EncodingKey::from_secret(secret).map_err(key_error)?,
        };
        if material.algorithm.is_symmetric() {
            return Ok(Self {
                algorithm: material.algorithm,
                decoding: DecodingKey::from_secret(secret).map_err(key_error)?,
                encoding,
                jwk: None,
                public_pem: None,
            });
        }
        let mut jwk = Jwk::from_encoding_key(&encoding, alg).map_err(key_error)?;
        jwk.common.key_id = Some(material.kid.clone());
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(match material.algorithm {
            JwtAlgorithm::ES256 => KeyAlgorithm::ES256,
            JwtAlgorithm::EdDSA => KeyAlgorithm::EdDSA,
            _ => KeyAlgorithm::RS256,
        });
        let decoding = DecodingKey::from_jwk(&jwk).map_err(key_error)?;
        Ok(Self {
            algorithm: material.algorithm,
            encoding,
            decoding,
            jwk: Some(jwk),
            public_pem: Some(public_pem(material)?),
        })
    }
}

fn public_pem(material: &KeyMaterial) -> Result<String, CryptoError> {
    let secret = material.secret.as_slice();
    match material.algorithm {
        JwtAlgorithm::ES256 => {
            use p256::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
            let key = p256::SecretKey::from_pkcs8_der(secret).map_err(key_error)?;
            key.public_key()
                .to_public_key_pem(LineEnding::LF)
                .map_err(key_error)
        }
        JwtAlgorithm::EdDSA => {
            use ed25519_dalek::pkcs8::{
                DecodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding,
            };
            let key = ed25519_dalek::SigningKey::from_pkcs8_der(secret).map_err(key_error)?;
            key.verifying_key()
                .to_public_key_pem(LineEnding::LF)
                .map_err(key_error)
        }
        JwtAlgorithm::RS256 => {
            use rsa::pkcs1::DecodeRsaPrivateKey;
            use rsa::pkcs8::{EncodePublicKey, LineEnding};
            let key = rsa::PrivateKey::from_pkcs1_der(secret).map_err(key_error)?;
            key.to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .map_err(key_error)
        }
        JwtAlgorithm::HS256 => Err(CryptoError::Key("HMAC keys have no public part".to_owned())),
    }
}

/// Why a token was not accepted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("the token is malformed or its signature is invalid")]
    Invalid,
    #[error("the token was signed with an unknown key")]
    UnknownKey,
}

/// The daemon's signing keys: one active key signs, every known key verifies (so tokens
/// signed before a key rotation stay valid until they expire).
pub struct JwtKeys {
    active_kid: String,
    keys: BTreeMap<String, LoadedKey>,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("active_kid", &self.active_kid)
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl JwtKeys {
    pub fn new(active: &KeyMaterial, others: &[KeyMaterial]) -> Result<Self, CryptoError> {
        let mut keys = BTreeMap::new();
        for material in others.iter().chain(std::iter::once(active)) {
            keys.insert(material.kid.clone(), LoadedKey::load(material)?);
        }
        Ok(Self {
            active_kid: active.kid.clone(),
            keys,
        })
    }

    pub fn active_kid(&self) -> &str {
        &self.active_kid
    }

    fn active(&self) -> Result<&LoadedKey, CryptoError> {
        self.keys
            .get(&self.active_kid)
            .ok_or_else(|| CryptoError::Key("the active signing key is missing".to_owned()))
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, CryptoError> {
        let key = self.active()?;
        let mut header = Header::new(library(key.algorithm));
        header.kid = Some(self.active_kid.clone());
        header.typ = Some("JWT".to_owned());
        jsonwebtoken::encode(&header, claims, &key.encoding).map_err(key_error)
    }

    /// Checks the signature (with the key named by `kid`) and decodes the claims. Time-based
    /// claims are the caller's job.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Result<T, JwtError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Invalid)?;
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let key = self.keys.get(&kid).ok_or(JwtError::UnknownKey)?;
        if header.alg != library(key.algorithm) {
            return Err(JwtError::Invalid);
        }
        let mut validation = Validation::new(library(key.algorithm));
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|_| JwtError::Invalid)
    }

    /// Every public key, for `/.well-known/jwks.json`.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.values().filter_map(|k| k.jwk.clone()).collect(),
        }
    }

    /// Public keys as PEM by key id, for `/api/jwt/public-key`.
    pub fn public_keys_pem(&self) -> BTreeMap<String, String> {
        self.keys
            .iter()
            .filter_map(|(kid, k)| k.public_pem.clone().map(|pem| (kid.clone(), pem)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    fn round_trip(algorithm: JwtAlgorithm) {
        let key = generate(algorithm).expect("generate");
        let keys = JwtKeys::new(&key, &[]).expect("load");
        let claims = Claims {
            sub: "u1".to_owned(),
            exp: 1,
        };
        let token = keys.sign(&claims).expect("sign");
        assert_eq!(keys.verify::<Claims>(&token).expect("verify"), claims);

        let mut tampered = token.clone();
        tampered.push('x');
        assert_eq!(keys.verify::<Claims>(&tampered), Err(JwtError::Invalid));

        let other = JwtKeys::new(&generate(algorithm).expect("generate"), &[]).expect("load");
        assert_eq!(other.verify::<Claims>(&token), Err(JwtError::UnknownKey));
        assert_eq!(
            keys.jwks().keys.len(),
            usize::from(!algorithm.is_symmetric())
        );
    }

    #[test]
    fn es256_round_trip_and_jwks_verifies() {
        round_trip(JwtAlgorithm::ES256);
        let key = generate(JwtAlgorithm::ES256).expect("generate");
        let keys = JwtKeys::new(&key, &[]).expect("load");
        let token = keys
            .sign(&Claims {
                sub: "x".to_owned(),
                exp: 2,
            })
            .expect("sign");
        // A third party verifies with nothing but the published JWK.
        let jwk = keys.jwks().keys.remove(0);
        let decoding = DecodingKey::from_jwk(&jwk).expect("jwk");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        assert!(jsonwebtoken::decode::<Claims>(&token, &decoding, &validation).is_ok());
        assert!(keys.public_keys_pem()[&key.kid].starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn eddsa_round_trip() {
        round_trip(JwtAlgorithm::EdDSA);
    }

    #[test]
    fn hs256_round_trip_publishes_nothing() {
        round_trip(JwtAlgorithm::HS256);
    }

    #[test]
    fn old_keys_still_verify_after_rotation() {
        let old = generate(JwtAlgorithm::ES256).expect("generate");
        let token = JwtKeys::new(&old, &[])
            .expect("load")
            .sign(&Claims {
                sub: "a".to_owned(),
                exp: 3,
            })
            .expect("sign");
        let new = generate(JwtAlgorithm::ES256).expect("generate");
        let rotated = JwtKeys::new(&new, std::slice::from_ref(&old)).expect("load");
        assert!(rotated.verify::<Claims>(&token).is_ok());
        assert_eq!(rotated.jwks().keys.len(), 2);
    }
}
