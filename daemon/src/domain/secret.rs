//! Byte containers for secrets at rest: [`Digest`] (a keyed hash of a code, key or token —
//! what we store instead of the secret) and [`Sealed`] (an encrypted blob). Both print as
//! `[redacted]` in `Debug` and serialise as base64url text. `crypto` makes and opens them.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 32-byte keyed hash (HMAC-SHA-256) of a secret.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Digest([redacted])")
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)?;
        Digest::from_slice(&bytes)
            .ok_or_else(|| serde::de::Error::custom("digest must be 32 bytes"))
    }
}

/// An encrypted secret (nonce + ciphertext + tag), opened only by `crypto::Keyring`.
#[derive(Clone, PartialEq, Eq)]
pub struct Sealed(pub Vec<u8>);

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed([redacted])")
    }
}

impl Serialize for Sealed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Sealed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .map(Sealed)
            .map_err(serde::de::Error::custom)
    }
}

/// A secret string (password, raw API key) with a redacting `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"[redacted]\"")
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(SecretString)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let d = Digest([7; 32]);
        let s = Sealed(vec![1, 2, 3]);
        let p = SecretString::new("hunter2");
        let printed = format!("{d:?} {s:?} {p:?}");
        assert!(!printed.contains("hunter2"));
        assert!(printed.contains("redacted"));
    }

    #[test]
    fn digest_round_trips_through_json() {
        let d = Digest([9; 32]);
        let json = serde_json::to_string(&d).expect("serialise");
        let back: Digest = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, d);
        assert!(serde_json::from_str::<Digest>("\"AAAA\"").is_err());
    }
}
