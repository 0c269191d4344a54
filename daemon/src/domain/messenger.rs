//! Messengers: stored SMS provider configurations (FusionAuth's `/api/messenger`). Secrets
//! (Twilio's auth token, a webhook password) are sealed. Which messenger sends two-factor
//! codes is the tenant's choice (`TwoFactorPolicy::sms_messenger_id`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::ids::MessengerId;
use crate::domain::secret::Sealed;
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Messenger {
    pub id: MessengerId,
    pub name: String,
    pub kind: MessengerKind,
    #[serde(default)]
    pub debug: bool,
    #[serde(default)]
    pub data: serde_json::Value,
    /// Tried when this one fails transiently (5xx, timeout); never for a refused request.
    #[serde(default)]
    pub fallback_messenger_id: Option<MessengerId>,
    pub inserted: Timestamp,
    pub last_updated: Timestamp,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum MessengerKind {
    Twilio {
        url: String,
        account_sid: String,
        #[serde(default)]
        auth_token: Option<Sealed>,
        #[serde(default)]
        from_phone_number: Option<String>,
        #[serde(default)]
        messaging_service_sid: Option<String>,
    },
    Generic {
        url: String,
        #[serde(default)]
        headers: BTreeMap<String, String>,
        #[serde(default)]
        username: Option<String>,
        #[serde(default)]
        password: Option<Sealed>,
        connect_timeout_ms: u64,
        read_timeout_ms: u64,
    },
    /// Writes messages to the outbox file instead of sending them (offline development).
    Console,
}

impl MessengerKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            MessengerKind::Twilio { .. } => "Twilio",
            MessengerKind::Generic { .. } => "Generic",
            MessengerKind::Console => "Console",
        }
    }
}

/// Sealing purposes for messenger secrets.
pub const TWILIO_TOKEN_PURPOSE: &str = "messenger/twilio-auth-token";
pub const GENERIC_PASSWORD_PURPOSE: &str = "messenger/generic-password";
