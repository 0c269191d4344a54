//! Two-factor management requests on the wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendForLoginRequest {
    pub method_id: Option<String>,
}

/// `POST /api/two-factor/send` (with an API key).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub user_id: Option<Uuid>,
    pub method: Option<String>,
    pub mobile_phone: Option<String>,
    pub method_id: Option<String>,
}

/// `POST /api/user/two-factor/{userId}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableRequest {
    pub method: Option<String>,
    pub mobile_phone: Option<String>,
    pub code: Option<String>,
    pub secret: Option<String>,
    pub secret_base32_encoded: Option<String>,
}

/// `DELETE /api/user/two-factor/{userId}` with a JSON body instead of query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DisableRequest {
    pub method_id: Option<String>,
    pub code: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodesOut {
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusRequest {
    pub user_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub two_factor_trust_id: Option<String>,
}
