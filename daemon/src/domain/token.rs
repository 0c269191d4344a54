//! What a successful login hands out: the access token's claims and the refresh token record.
//! Claim names follow FusionAuth (and OIDC / RFC 8176 for `amr`). Signing is `crypto::jwt`'s job.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{ApplicationId, RefreshTokenId, TenantId, UserId};
use crate::domain::time::Timestamp;

/// How the user authenticated, as RFC 8176 `amr` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AuthMethod {
    /// Password.
    #[serde(rename = "pwd")]
    Password,
    /// A code sent by SMS.
    #[serde(rename = "sms")]
    Sms,
    /// A one-time password from an authenticator app.
    #[serde(rename = "otp")]
    Otp,
    /// A recovery code: something the user has written down.
    #[serde(rename = "kba")]
    RecoveryCode,
    /// Multiple factors were used.
    #[serde(rename = "mfa")]
    MultiFactor,
}

/// The claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct AccessClaims {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    pub exp: i64,
    pub iat: i64,
    pub iss: String,
    pub sub: String,
    pub jti: String,
    #[serde(rename = "authenticationType")]
    pub authentication_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub email_verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(rename = "applicationId", skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    pub auth_time: i64,
    pub tid: String,
    pub amr: Vec<AuthMethod>,
    /// The refresh token id this session belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// A refresh token as stored (looked up by the digest of the raw token).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RefreshToken {
    pub id: RefreshTokenId,
    pub user_id: UserId,
    pub application_id: ApplicationId,
    pub tenant_id: TenantId,
    pub inserted: Timestamp,
    pub expires: Timestamp,
    /// When the user originally authenticated; kept through rotations (`auth_time`).
    pub auth_time: Timestamp,
    pub amr: Vec<AuthMethod>,
    #[serde(default)]
    pub ip: Option<String>,
}

/// `amr` for a login that needed `second` after the password.
pub fn amr_with(second: Option<AuthMethod>) -> Vec<AuthMethod> {
    match second {
        None => vec![AuthMethod::Password],
        Some(m) => vec![AuthMethod::Password, m, AuthMethod::MultiFactor],
    }
}
