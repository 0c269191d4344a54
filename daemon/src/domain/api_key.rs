//! API keys: the credential back ends use for admin endpoints. Stored as a digest; the raw
//! key is shown once, when created.

use serde::{Deserialize, Serialize};

use crate::domain::ids::ApiKeyId;
use crate::domain::secret::Digest;
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub digest: Digest,
    #[serde(default)]
    pub description: Option<String>,
    /// The first characters of the key, so an operator can tell keys apart.
    pub prefix: String,
    pub inserted: Timestamp,
}

/// Shortest raw key accepted (FusionAuth requires at least 32 characters too).
pub const MIN_KEY_LENGTH: usize = 32;
