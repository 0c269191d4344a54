//! Applications: the clients users log in to, with their roles and login/JWT settings.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::ids::{ApplicationId, TenantId};
use crate::domain::time::Timestamp;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Application {
    pub id: ApplicationId,
    pub tenant_id: TenantId,
    pub name: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub roles: Vec<ApplicationRole>,
    #[serde(default)]
    pub login_configuration: LoginConfiguration,
    #[serde(default)]
    pub jwt_configuration: JwtConfiguration,
    #[serde(default)]
    pub data: serde_json::Value,
    pub inserted: Timestamp,
    pub last_updated: Timestamp,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ApplicationRole {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    #[serde(default)]
    pub is_super_role: bool,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct LoginConfiguration {
    /// Whether `/api/login` with this application id needs an API key (default false).
    pub require_authentication: bool,
    pub generate_refresh_tokens: bool,
    pub allow_token_refresh: bool,
}

impl Default for LoginConfiguration {
    fn default() -> Self {
        Self {
            require_authentication: false,
            generate_refresh_tokens: true,
            allow_token_refresh: true,
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct JwtConfiguration {
    pub enabled: bool,
    /// Access-token lifetime; `None` means the tenant's.
    pub time_to_live_in_seconds: Option<u32>,
    /// Refresh-token lifetime; `None` means the tenant's.
    pub refresh_token_time_to_live_in_minutes: Option<u32>,
}

impl Default for JwtConfiguration {
    fn default() -> Self {
        Self {
            enabled: true,
            time_to_live_in_seconds: None,
            refresh_token_time_to_live_in_minutes: None,
        }
    }
}

impl Application {
    /// Whether `name` is one of this application's roles.
    pub fn has_role(&self, name: &str) -> bool {
        self.roles.iter().any(|r| r.name == name)
    }

    /// Roles given to new registrations that name none.
    pub fn default_roles(&self) -> Vec<String> {
        self.roles
            .iter()
            .filter(|r| r.is_default)
            .map(|r| r.name.clone())
            .collect()
    }
}
