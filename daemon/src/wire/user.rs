//! Users and registrations on the wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::secret::SecretString;
use crate::domain::time::Timestamp;
use crate::domain::two_factor::{Method, MethodKind};
use crate::domain::user::{Profile, Registration, User};
use crate::service::registrations::RegistrationDraft;
use crate::service::users::{MethodDraft, UserDraft};

/// `POST/PUT/PATCH /api/user` bodies.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRequest {
    pub user: Option<UserIn>,
    pub skip_verification: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIn {
    pub email: Option<String>,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub last_name: Option<String>,
    pub full_name: Option<String>,
    pub birth_date: Option<String>,
    pub image_url: Option<String>,
    pub timezone: Option<String>,
    pub preferred_languages: Option<Vec<String>>,
    pub mobile_phone: Option<String>,
    pub data: Option<serde_json::Value>,
    pub verified: Option<bool>,
    pub expiry: Option<i64>,
    pub password_change_required: Option<bool>,
    pub two_factor: Option<TwoFactorIn>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorIn {
    pub methods: Option<Vec<MethodIn>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodIn {
    pub id: Option<String>,
    pub method: Option<String>,
    pub mobile_phone: Option<String>,
    pub name: Option<String>,
}

impl UserIn {
    pub fn into_draft(self, skip_verification: Option<bool>) -> UserDraft {
        UserDraft {
            email: self.email,
            username: self.username,
            password: self.password,
            profile: Profile {
                first_name: self.first_name,
                middle_name: self.middle_name,
                last_name: self.last_name,
                full_name: self.full_name,
                birth_date: self.birth_date,
                image_url: self.image_url,
                timezone: self.timezone,
                preferred_languages: self.preferred_languages.unwrap_or_default(),
                mobile_phone: self.mobile_phone,
                data: self.data.unwrap_or(serde_json::Value::Null),
            },
            verified: self.verified.or(skip_verification.map(|_| true)),
            expiry: self.expiry.map(Timestamp::from_millis),
            password_change_required: self.password_change_required.unwrap_or(false),
            two_factor_methods: self.two_factor.and_then(|t| t.methods).map(|methods| {
                methods
                    .into_iter()
                    .map(|m| MethodDraft {
                        id: m.id,
                        method: m.method,
                        mobile_phone: m.mobile_phone,
                        name: m.name,
                    })
                    .collect()
            }),
        }
    }
}

/// A user as FusionAuth returns it; never the password hash.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: Uuid,
    pub tenant_id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    pub preferred_languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    pub data: serde_json::Value,
    pub active: bool,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiry: Option<i64>,
    pub password_change_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_update_instant: Option<i64>,
    pub insert_instant: i64,
    pub last_update_instant: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_instant: Option<i64>,
    pub registrations: Vec<RegistrationOut>,
    pub two_factor: TwoFactorOut,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TwoFactorOut {
    pub methods: Vec<MethodOut>,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct MethodOut {
    pub id: String,
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authenticator: Option<AuthenticatorOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub last_used: bool,
}

#[derive(Debug, Serialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorOut {
    pub algorithm: String,
    pub code_length: u32,
    pub time_step: u32,
}

impl MethodOut {
    /// `mask` hides all but the last digits of phone numbers (for the 242 body).
    pub fn from_method(method: &Method, mask: bool) -> Self {
        let (mobile_phone, authenticator) = match &method.kind {
            MethodKind::Sms { mobile_phone } => (
                Some(if mask {
                    crate::domain::phone::mask(mobile_phone)
                } else {
                    mobile_phone.clone()
                }),
                None,
            ),
            MethodKind::Authenticator {
                algorithm,
                code_length,
                time_step,
                ..
            } => (
                None,
                Some(AuthenticatorOut {
                    algorithm: algorithm.clone(),
                    code_length: *code_length,
                    time_step: *time_step,
                }),
            ),
        };
        Self {
            id: method.id.clone(),
            method: method.kind.wire_name(),
            mobile_phone,
            authenticator,
            name: method.name.clone(),
            last_used: method.last_used,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationOut {
    pub id: Uuid,
    pub application_id: Uuid,
    pub roles: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    pub data: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    pub preferred_languages: Vec<String>,
    pub insert_instant: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_update_instant: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_login_instant: Option<i64>,
    pub verified: bool,
}

impl From<&Registration> for RegistrationOut {
    fn from(r: &Registration) -> Self {
        Self {
            id: r.id.0,
            application_id: r.application_id.0,
            roles: r.roles.clone(),
            username: r.username.clone(),
            data: object_or_empty(&r.data),
            timezone: r.timezone.clone(),
            preferred_languages: r.preferred_languages.clone(),
            insert_instant: r.inserted.millis(),
            last_update_instant: r.last_updated.map(Timestamp::millis),
            last_login_instant: r.last_login.map(Timestamp::millis),
            verified: r.verified,
        }
    }
}

fn object_or_empty(value: &serde_json::Value) -> serde_json::Value {
    if value.is_null() {
        serde_json::Value::Object(serde_json::Map::new())
    } else {
        value.clone()
    }
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        let p = &u.profile;
        Self {
            id: u.id.0,
            tenant_id: u.tenant_id.0,
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: p.first_name.clone(),
            middle_name: p.middle_name.clone(),
            last_name: p.last_name.clone(),
            full_name: p.full_name.clone(),
            birth_date: p.birth_date.clone(),
            image_url: p.image_url.clone(),
            timezone: p.timezone.clone(),
            preferred_languages: p.preferred_languages.clone(),
            mobile_phone: p.mobile_phone.clone(),
            data: object_or_empty(&p.data),
            active: u.active,
            verified: u.verified,
            expiry: u.expiry.map(Timestamp::millis),
            password_change_required: u.password_change_required,
            password_last_update_instant: u.password_last_update.map(Timestamp::millis),
            insert_instant: u.inserted.millis(),
            last_update_instant: u.last_updated.millis(),
            last_login_instant: u.last_login.map(Timestamp::millis),
            registrations: u.registrations.iter().map(RegistrationOut::from).collect(),
            two_factor: TwoFactorOut {
                methods: u
                    .two_factor
                    .methods
                    .iter()
                    .map(|m| MethodOut::from_method(m, false))
                    .collect(),
            },
        }
    }
}

/// `{"user": {...}}`.
#[derive(Debug, Serialize)]
pub struct UserEnvelope {
    pub user: UserOut,
}

/// `POST /api/user/registration` bodies.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationRequest {
    pub registration: Option<RegistrationIn>,
    pub user: Option<UserIn>,
    pub skip_verification: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationIn {
    pub application_id: Option<Uuid>,
    pub roles: Option<Vec<String>>,
    pub username: Option<String>,
    pub data: Option<serde_json::Value>,
    pub timezone: Option<String>,
    pub preferred_languages: Option<Vec<String>>,
}

impl RegistrationIn {
    pub fn into_draft(self, application_id_from_path: Option<Uuid>) -> RegistrationDraft {
        RegistrationDraft {
            application_id: self
                .application_id
                .or(application_id_from_path)
                .map(crate::domain::ids::ApplicationId),
            roles: self.roles.unwrap_or_default(),
            username: self.username,
            data: self.data.unwrap_or(serde_json::Value::Null),
            timezone: self.timezone,
            preferred_languages: self.preferred_languages.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RegistrationEnvelope {
    pub registration: RegistrationOut,
    pub user: UserOut,
}
