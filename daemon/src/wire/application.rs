//! Applications on the wire.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::application::{Application, JwtConfiguration, LoginConfiguration};
use crate::service::applications::{ApplicationDraft, RoleDraft};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationRequest {
    pub application: Option<ApplicationIn>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationIn {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub roles: Option<Vec<RoleIn>>,
    pub login_configuration: Option<LoginConfigurationIn>,
    pub jwt_configuration: Option<JwtConfigurationIn>,
    pub data: Option<serde_json::Value>,
}

/// A role as an object, or just its name.
#[derive(Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum RoleIn {
    Name(String),
    Full(RoleObject),
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleObject {
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: Option<bool>,
    pub is_super_role: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginConfigurationIn {
    pub require_authentication: Option<bool>,
    pub generate_refresh_tokens: Option<bool>,
    pub allow_token_refresh: Option<bool>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfigurationIn {
    pub enabled: Option<bool>,
    pub time_to_live_in_seconds: Option<u32>,
    pub refresh_token_time_to_live_in_minutes: Option<u32>,
}

impl ApplicationIn {
    pub fn into_draft(self) -> ApplicationDraft {
        let login_defaults = LoginConfiguration::default();
        let login = self.login_configuration.unwrap_or_default();
        let jwt = self.jwt_configuration.unwrap_or_default();
        ApplicationDraft {
            name: self.name,
            active: self.active,
            roles: self
                .roles
                .unwrap_or_default()
                .into_iter()
                .map(|role| match role {
                    RoleIn::Name(name) => RoleDraft {
                        name: Some(name),
                        ..RoleDraft::default()
                    },
                    RoleIn::Full(r) => RoleDraft {
                        id: r.id,
                        name: r.name,
                        description: r.description,
                        is_default: r.is_default.unwrap_or(false),
                        is_super_role: r.is_super_role.unwrap_or(false),
                    },
                })
                .collect(),
            login_configuration: LoginConfiguration {
                require_authentication: login
                    .require_authentication
                    .unwrap_or(login_defaults.require_authentication),
                generate_refresh_tokens: login
                    .generate_refresh_tokens
                    .unwrap_or(login_defaults.generate_refresh_tokens),
                allow_token_refresh: login
                    .allow_token_refresh
                    .unwrap_or(login_defaults.allow_token_refresh),
            },
            jwt_configuration: JwtConfiguration {
                enabled: jwt.enabled.unwrap_or(true),
                time_to_live_in_seconds: jwt.time_to_live_in_seconds,
                refresh_token_time_to_live_in_minutes: jwt.refresh_token_time_to_live_in_minutes,
            },
            data: self.data.unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationOut {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub name: String,
    pub active: bool,
    pub roles: Vec<RoleOut>,
    pub login_configuration: LoginConfigurationOut,
    pub jwt_configuration: JwtConfigurationOut,
    pub data: serde_json::Value,
    pub insert_instant: i64,
    pub last_update_instant: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleOut {
    pub id: Uuid,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub is_default: bool,
    pub is_super_role: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginConfigurationOut {
    pub require_authentication: bool,
    pub generate_refresh_tokens: bool,
    pub allow_token_refresh: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtConfigurationOut {
    pub enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_live_in_seconds: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token_time_to_live_in_minutes: Option<u32>,
}

impl From<&Application> for ApplicationOut {
    fn from(a: &Application) -> Self {
        Self {
            id: a.id.0,
            tenant_id: a.tenant_id.0,
            name: a.name.clone(),
            active: a.active,
            roles: a
                .roles
                .iter()
                .map(|r| RoleOut {
                    id: r.id,
                    name: r.name.clone(),
                    description: r.description.clone(),
                    is_default: r.is_default,
                    is_super_role: r.is_super_role,
                })
                .collect(),
            login_configuration: LoginConfigurationOut {
                require_authentication: a.login_configuration.require_authentication,
                generate_refresh_tokens: a.login_configuration.generate_refresh_tokens,
                allow_token_refresh: a.login_configuration.allow_token_refresh,
            },
            jwt_configuration: JwtConfigurationOut {
                enabled: a.jwt_configuration.enabled,
                time_to_live_in_seconds: a.jwt_configuration.time_to_live_in_seconds,
                refresh_token_time_to_live_in_minutes: a
                    .jwt_configuration
                    .refresh_token_time_to_live_in_minutes,
            },
            data: if a.data.is_null() {
                serde_json::json!({})
            } else {
                a.data.clone()
            },
            insert_instant: a.inserted.millis(),
            last_update_instant: a.last_updated.millis(),
        }
    }
}
