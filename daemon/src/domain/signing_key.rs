//! JWT signing keys as stored: the private part sealed with the keyring.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::domain::secret::Sealed;
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: JwtAlgorithm,
    pub sealed_secret: Sealed,
    pub inserted: Timestamp,
    /// The key that signs new tokens; others only verify.
    pub active: bool,
}

/// The signing algorithms twofold offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum JwtAlgorithm {
    ES256,
    EdDSA,
    RS256,
    HS256,
}

impl JwtAlgorithm {
    pub fn is_symmetric(self) -> bool {
        self == JwtAlgorithm::HS256
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl FromStr for JwtAlgorithm {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ES256" => Ok(Self::ES256),
            "EdDSA" => Ok(Self::EdDSA),
            "RS256" => Ok(Self::RS256),
            "HS256" => Ok(Self::HS256),
            other => Err(format!(
                "unknown JWT algorithm {other:?} (use ES256, EdDSA, RS256 or HS256)"
            )),
        }
    }
}
