//! The client's own copies of the FusionAuth-shaped JSON bodies twofoldd speaks (camelCase,
//! `*Instant` in epoch milliseconds).
//!
//! These are deliberately *not* shared with the `daemon` crate: FusionAuth fixes the wire, and
//! separate structs catch compatibility bugs that shared types would hide. Responses are read
//! leniently (every twofold extension and most FusionAuth fields are optional, unknown fields are
//! ignored); requests are written exactly, leaving out absent optional fields. Secrets are wrapped
//! in [`Secret`] so that `Debug` output (test failures, logs) never shows them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A string that must not appear in `Debug` output: passwords, tokens, codes, the Twilio auth token.
/// Serialises as the plain string.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that must send or decode it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

// ---------------------------------------------------------------------------------------------
// Login and two-factor.

/// `POST /api/login` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub login_id: String,
    pub password: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub two_factor_trust_id: Option<Secret>,
}

/// The 200-family body of `/api/login` and `/api/two-factor/login` (200, 202, 212, 213).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginResponse {
    pub token: Option<Secret>,
    pub token_expiration_instant: Option<i64>,
    pub refresh_token: Option<Secret>,
    pub refresh_token_id: Option<String>,
    pub user: Option<User>,
    /// Only after `/api/two-factor/login` with `trustComputer: true`.
    pub two_factor_trust_id: Option<Secret>,
}

/// The parts of a FusionAuth user the client shows.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub mobile_phone: Option<String>,
    pub active: Option<bool>,
    pub verified: Option<bool>,
    pub tenant_id: Option<String>,
    pub registrations: Vec<Registration>,
    pub two_factor: Option<UserTwoFactor>,
}

impl User {
    /// The best display name: full name, else first + last, else username.
    pub fn display_name(&self) -> Option<String> {
        if let Some(full) = self.full_name.as_deref().filter(|s| !s.is_empty()) {
            return Some(full.to_owned());
        }
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return Some(parts.join(" "));
        }
        self.username.clone().filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Registration {
    pub application_id: Option<String>,
    pub roles: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserTwoFactor {
    pub methods: Vec<TwoFactorMethod>,
}

/// The 242 body: a two-factor challenge.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TwoFactorChallenge {
    pub two_factor_id: Secret,
    pub methods: Vec<TwoFactorMethod>,
    /// twofold extension: when the whole challenge dies.
    pub two_factor_id_expiration_instant: Option<i64>,
    /// twofold extension: wrong codes still allowed (FusionAuth's default is 5).
    pub code_attempts_remaining: Option<u32>,
}

/// One entry of `methods[]` (242 body, `user.twoFactor.methods`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TwoFactorMethod {
    pub id: String,
    /// `sms`, `email` or `authenticator`.
    pub method: String,
    pub name: Option<String>,
    /// Masked on the 242 body, e.g. `+1******4567`.
    pub mobile_phone: Option<String>,
    pub email: Option<String>,
    pub last_used: Option<bool>,
    pub authenticator: Option<AuthenticatorSettings>,
    /// twofold extensions, all optional.
    pub code_sent: Option<bool>,
    pub code_sent_reason: Option<String>,
    pub code_expiration_instant: Option<i64>,
    pub resend_allowed_instant: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AuthenticatorSettings {
    pub algorithm: Option<String>,
    pub code_length: Option<u32>,
    pub time_step: Option<u32>,
}

/// `POST /api/two-factor/send/{twoFactorId}` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SendCodeRequest {
    pub method_id: String,
}

/// `POST /api/two-factor/login` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorLoginRequest {
    pub two_factor_id: Secret,
    pub code: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Sent only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub trust_computer: bool,
}

/// The 409 body: an active "prevent login" action, such as the failed-login lockout.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginPreventedResponse {
    pub actions: Vec<LoginPreventedAction>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LoginPreventedAction {
    pub action_id: Option<String>,
    /// Epoch milliseconds when the action ends.
    pub expiry: Option<i64>,
    pub localized_reason: Option<String>,
    pub reason: Option<String>,
    pub reason_code: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Errors (the 400 body; also 502 from the messenger test).

/// `{"fieldErrors":{"loginId":[{code,message}]},"generalErrors":[{code,message}]}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Errors {
    pub field_errors: BTreeMap<String, Vec<ErrorEntry>>,
    pub general_errors: Vec<ErrorEntry>,
}

impl Errors {
    pub fn is_empty(&self) -> bool {
        self.field_errors.is_empty() && self.general_errors.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorEntry {
    pub code: String,
    pub message: String,
    pub data: Option<serde_json::Value>,
}

impl ErrorEntry {
    /// The message if the server wrote one, else the code.
    pub fn text(&self) -> &str {
        if self.message.trim().is_empty() {
            &self.code
        } else {
            &self.message
        }
    }

    /// `data.providerCode` of a provider error, if any.
    pub fn provider_code(&self) -> Option<String> {
        let code = self.data.as_ref()?.get("providerCode")?;
        match code {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JWT refresh and logout.

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    pub refresh_token: Secret,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RefreshResponse {
    pub token: Secret,
    pub refresh_token: Option<Secret>,
    pub refresh_token_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LogoutRequest {
    pub global: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret>,
}

// ---------------------------------------------------------------------------------------------
// Messengers and tenants.

/// A messenger as sent and received. Every field is optional so the same struct serves create
/// (no `id`), update (no `authToken` to keep the stored one) and the masked GET answer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Messenger {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Twilio`, `Generic`, `Console`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(rename = "accountSID", skip_serializing_if = "Option::is_none")]
    pub account_sid: Option<String>,
    /// The GET answer carries a mask (`********`), never the real token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_token: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messaging_service_sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessengerEnvelope {
    pub messenger: Messenger,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MessengerList {
    pub messengers: Vec<Messenger>,
}

/// `POST /api/messenger/test` (unsaved, with `messenger`) and `POST /api/messenger/{id}/test`
/// (saved, without it).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MessengerTestRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messenger: Option<Messenger>,
    pub phone_number: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TestReceiptEnvelope {
    pub receipt: TestReceipt,
}

/// The provider's answer to a test message.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TestReceipt {
    pub provider: Option<String>,
    pub message_id: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TenantList {
    pub tenants: Vec<Tenant>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tenant {
    pub id: String,
    pub name: Option<String>,
    /// Names the service in authenticator apps (and in the tenant's tokens and SMS texts).
    pub issuer: Option<String>,
    pub multi_factor_configuration: Option<MultiFactorConfiguration>,
}

impl Tenant {
    /// The messenger this tenant sends SMS codes with, if any.
    pub fn sms_messenger_id(&self) -> Option<&str> {
        self.multi_factor_configuration
            .as_ref()?
            .sms
            .as_ref()?
            .messenger_id
            .as_deref()
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct MultiFactorConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sms: Option<SmsConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SmsConfiguration {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messenger_id: Option<String>,
}

/// `PATCH /api/tenant/{id}` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantPatchRequest {
    pub tenant: TenantPatch,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TenantPatch {
    pub multi_factor_configuration: MultiFactorConfiguration,
}

// ---------------------------------------------------------------------------------------------
// Registration and enrolment.

/// `POST /api/user/registration` body: create a user and register it for an application.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationRequest {
    pub user: NewUser,
    pub registration: NewRegistration,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    pub email: String,
    pub password: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewRegistration {
    pub application_id: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RegistrationResponse {
    pub user: User,
}

/// `POST /api/two-factor/send` body (enrolment: send a code to a phone not yet enabled).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentSendRequest {
    pub method: String,
    pub mobile_phone: String,
    pub user_id: String,
}

/// `POST /api/user/two-factor/{userId}` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableTwoFactorRequest {
    pub method: String,
    pub mobile_phone: String,
    pub code: Secret,
}

/// `GET /api/two-factor/secret`: a fresh authenticator secret in FusionAuth's two forms. The HMAC
/// key is the ASCII of `secret`; `secret_base32_encoded` is that key in Base32, the form
/// authenticator apps take and the client sends back to enable the method.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TwoFactorSecret {
    pub secret: Secret,
    pub secret_base32_encoded: Secret,
}

/// `POST /api/user/two-factor/{userId}` body for an authenticator app: the secret it was given
/// and a current code from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnableAuthenticatorRequest {
    pub method: String,
    pub secret_base32_encoded: Secret,
    pub code: Secret,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<Secret>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_is_redacted_but_serialises_plainly() {
        let request = LoginRequest {
            login_id: "alice".into(),
            password: "hunter22".into(),
            application_id: None,
            two_factor_trust_id: None,
        };
        assert!(!format!("{request:?}").contains("hunter22"));
        assert_eq!(
            serde_json::to_value(&request).ok(),
            Some(serde_json::json!({"loginId":"alice","password":"hunter22"}))
        );
    }

    #[test]
    fn challenge_parses_with_and_without_twofold_extensions() {
        let full: Result<TwoFactorChallenge, _> = serde_json::from_str(
            r#"{"twoFactorId":"T","methods":[{"id":"K3QZ","method":"sms","mobilePhone":"+1******4567",
            "lastUsed":true,"codeSent":true,"codeSentReason":null,"codeExpirationInstant":1700000300000,
            "resendAllowedInstant":1700000030000}],"twoFactorIdExpirationInstant":1700000300000,
            "codeAttemptsRemaining":5}"#,
        );
        let full = full.ok();
        assert_eq!(
            full.as_ref().map(|c| c.code_attempts_remaining),
            Some(Some(5))
        );
        let bare: Result<TwoFactorChallenge, _> = serde_json::from_str(
            r#"{"twoFactorId":"T","methods":[{"id":"2KSZ","method":"authenticator",
            "authenticator":{"algorithm":"HmacSHA1","codeLength":6,"timeStep":30}}]}"#,
        );
        let bare = bare.ok();
        assert_eq!(
            bare.as_ref().map(|c| c.methods[0].code_sent),
            Some(None),
            "optional extensions stay None"
        );
    }

    #[test]
    fn messenger_uses_fusionauth_field_names_and_omits_absent_fields() {
        let messenger = Messenger {
            kind: Some("Twilio".into()),
            account_sid: Some("AC1".into()),
            messaging_service_sid: Some("MG1".into()),
            ..Messenger::default()
        };
        assert_eq!(
            serde_json::to_value(&messenger).ok(),
            Some(
                serde_json::json!({"type":"Twilio","accountSID":"AC1","messagingServiceSid":"MG1"})
            )
        );
    }
}
