//! Login, two-factor login and token responses on the wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::user::{MethodOut, UserOut};
use crate::domain::secret::SecretString;
use crate::service::login::Authenticated;
use crate::service::two_factor::challenge::{SendStatus, Started};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub login_id: Option<String>,
    pub password: Option<SecretString>,
    pub application_id: Option<Uuid>,
    pub ip_address: Option<String>,
    #[serde(rename = "noJWT")]
    pub no_jwt: Option<bool>,
    pub two_factor_trust_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorLoginRequest {
    pub two_factor_id: Option<String>,
    pub code: Option<String>,
    pub application_id: Option<Uuid>,
    pub ip_address: Option<String>,
    #[serde(rename = "noJWT")]
    pub no_jwt: Option<bool>,
    pub trust_computer: Option<bool>,
}

/// The 200/202 body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_expiration_instant: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_factor_trust_id: Option<String>,
    pub user: UserOut,
}

impl From<&Authenticated> for LoginResponse {
    fn from(a: &Authenticated) -> Self {
        let tokens = a.tokens.as_ref();
        Self {
            token: tokens.map(|t| t.access_token.clone()),
            token_expiration_instant: tokens.map(|t| t.expires.millis()),
            refresh_token: tokens
                .and_then(|t| t.refresh.as_ref())
                .map(|(raw, _)| raw.clone()),
            refresh_token_id: tokens.and_then(|t| t.refresh.as_ref()).map(|(_, id)| id.0),
            two_factor_trust_id: a.trust_id.clone(),
            user: UserOut::from(&a.user),
        }
    }
}

/// A method in the 242 body: masked number plus twofold's delivery details.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChallengeMethodOut {
    #[serde(flatten)]
    pub method: MethodOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_sent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_sent_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_expiration_instant: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resend_allowed_instant: Option<i64>,
}

/// The 242 body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorResponse {
    pub two_factor_id: String,
    pub methods: Vec<ChallengeMethodOut>,
    pub two_factor_id_expiration_instant: i64,
    pub code_attempts_remaining: u32,
}

impl From<&Started> for TwoFactorResponse {
    fn from(s: &Started) -> Self {
        let methods = s
            .methods
            .iter()
            .map(|m| {
                let status = s
                    .send
                    .as_ref()
                    .filter(|(id, _)| *id == m.id)
                    .map(|(_, status)| status);
                let (code_sent, reason) = match status {
                    Some(SendStatus::Sent) => (Some(true), None),
                    Some(SendStatus::NotSent { reason }) => (Some(false), Some(reason.clone())),
                    Some(SendStatus::NotRequested) | None => (None, None),
                };
                let sent = code_sent == Some(true);
                ChallengeMethodOut {
                    method: MethodOut::from_method(m, true),
                    code_sent,
                    code_sent_reason: reason,
                    code_expiration_instant: if sent {
                        s.code_expires.map(|t| t.millis())
                    } else {
                        None
                    },
                    resend_allowed_instant: if code_sent.is_some() {
                        s.resend_allowed.map(|t| t.millis())
                    } else {
                        None
                    },
                }
            })
            .collect();
        Self {
            two_factor_id: s.two_factor_id.clone(),
            methods,
            two_factor_id_expiration_instant: s.expires.millis(),
            code_attempts_remaining: s.attempts_remaining,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshResponse {
    pub token: String,
    pub refresh_token: Option<String>,
    pub refresh_token_id: Option<Uuid>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutRequest {
    pub global: Option<bool>,
    pub refresh_token: Option<String>,
}
