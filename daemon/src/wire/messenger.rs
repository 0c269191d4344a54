//! Messengers on the wire (FusionAuth's Twilio and Generic messengers, plus Console).
//! Secrets are never returned: `authToken` and `httpAuthenticationPassword` come back masked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ids::MessengerId;
use crate::domain::messenger::{Messenger, MessengerKind};
use crate::service::messengers::MessengerDraft;

/// What a stored secret looks like on the way out.
pub const MASK: &str = "********";

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessengerRequest {
    pub messenger: Option<MessengerIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestRequest {
    pub messenger: Option<MessengerIn>,
    pub phone_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MessengerIn {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    #[serde(rename = "accountSID")]
    pub account_sid: Option<String>,
    pub auth_token: Option<String>,
    pub from_phone_number: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub headers: Option<BTreeMap<String, String>>,
    pub http_authentication_username: Option<String>,
    pub http_authentication_password: Option<String>,
    pub connect_timeout: Option<u64>,
    pub read_timeout: Option<u64>,
    pub debug: Option<bool>,
    pub data: Option<serde_json::Value>,
    pub fallback_messenger_id: Option<Uuid>,
}

/// A masked secret sent back unchanged means "keep the stored one".
fn secret(value: Option<String>) -> Option<String> {
    value.filter(|v| v != MASK)
}

impl MessengerIn {
    pub fn into_draft(self) -> MessengerDraft {
        MessengerDraft {
            kind: self.kind,
            name: self.name,
            url: self.url,
            account_sid: self.account_sid,
            auth_token: secret(self.auth_token),
            from_phone_number: self.from_phone_number,
            messaging_service_sid: self.messaging_service_sid,
            headers: self.headers.unwrap_or_default(),
            username: self.http_authentication_username,
            password: secret(self.http_authentication_password),
            connect_timeout_ms: self.connect_timeout,
            read_timeout_ms: self.read_timeout,
            debug: self.debug.unwrap_or(false),
            data: self.data.unwrap_or(serde_json::Value::Null),
            fallback_messenger_id: self.fallback_messenger_id.map(MessengerId),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessengerOut {
    pub id: Uuid,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub transport: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(rename = "accountSID", skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_service_sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_authentication_username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_authentication_password: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_timeout: Option<u64>,
    pub debug: bool,
    pub data: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fallback_messenger_id: Option<Uuid>,
    pub insert_instant: i64,
    pub last_update_instant: i64,
}

impl From<&Messenger> for MessengerOut {
    fn from(m: &Messenger) -> Self {
        let mut out = MessengerOut {
            id: m.id.0,
            name: m.name.clone(),
            kind: m.kind.type_name(),
            transport: "sms",
            url: None,
            account_sid: None,
            auth_token: None,
            from_phone_number: None,
            messaging_service_sid: None,
            headers: None,
            http_authentication_username: None,
            http_authentication_password: None,
            connect_timeout: None,
            read_timeout: None,
            debug: m.debug,
            data: if m.data.is_null() {
                serde_json::json!({})
            } else {
                m.data.clone()
            },
            fallback_messenger_id: m.fallback_messenger_id.map(|f| f.0),
            insert_instant: m.inserted.millis(),
            last_update_instant: m.last_updated.millis(),
        };
        match &m.kind {
            MessengerKind::Twilio {
                url,
                account_sid,
                auth_token,
                from_phone_number,
                messaging_service_sid,
            } => {
                out.url = Some(url.clone());
                out.account_sid = Some(account_sid.clone());
                out.auth_token = auth_token.as_ref().map(|_| MASK);
                out.from_phone_number = from_phone_number.clone();
                out.messaging_service_sid = messaging_service_sid.clone();
            }
            MessengerKind::Generic {
                url,
                headers,
                username,
                password,
                connect_timeout_ms,
                read_timeout_ms,
            } => {
                out.url = Some(url.clone());
                out.headers = Some(headers.clone());
                out.http_authentication_username = username.clone();
                out.http_authentication_password = password.as_ref().map(|_| MASK);
                out.connect_timeout = Some(*connect_timeout_ms);
                out.read_timeout = Some(*read_timeout_ms);
            }
            MessengerKind::Console => {}
        }
        out
    }
}
