//! Application use cases: create, read, list, replace, delete.

use crate::app::App;
use crate::domain::application::{
    Application, ApplicationRole, JwtConfiguration, LoginConfiguration,
};
use crate::domain::ids::ApplicationId;
use crate::domain::tenant::DEFAULT_TENANT_ID;
use crate::domain::validation::{Violations, is_blank};
use crate::domain::{DomainError, DomainResult};
use crate::store::ReadTxn;

#[derive(Clone, Debug, Default)]
pub struct ApplicationDraft {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub roles: Vec<RoleDraft>,
    pub login_configuration: LoginConfiguration,
    pub jwt_configuration: JwtConfiguration,
    pub data: serde_json::Value,
}

#[derive(Clone, Debug, Default)]
pub struct RoleDraft {
    pub id: Option<uuid::Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub is_default: bool,
    pub is_super_role: bool,
}

fn check(
    draft: &ApplicationDraft,
    id: ApplicationId,
    tx: &dyn ReadTxn,
) -> DomainResult<Vec<ApplicationRole>> {
    let mut v = Violations::new();
    let name = draft.name.as_deref().unwrap_or_default().trim();
    if is_blank(Some(name)) {
        v.field(
            "application.name",
            "blank",
            "You must specify the application.name property.",
        );
    } else if tx
        .applications()?
        .iter()
        .any(|a| a.id != id && a.name.eq_ignore_ascii_case(name))
    {
        v.field(
            "application.name",
            "duplicate",
            format!("An Application with name = [{name}] already exists."),
        );
    }
    let mut roles: Vec<ApplicationRole> = Vec::new();
    for (index, role) in draft.roles.iter().enumerate() {
        match role
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            None => {
                v.field(
                    &format!("application.roles[{index}].name"),
                    "blank",
                    "A role needs a name.",
                );
            }
            Some(role_name) if roles.iter().any(|r| r.name == role_name) => {
                v.field(
                    "application.roles",
                    "duplicate",
                    format!("The role [{role_name}] is listed twice."),
                );
            }
            Some(role_name) => roles.push(ApplicationRole {
                id: role.id.unwrap_or_else(uuid::Uuid::new_v4),
                name: role_name.to_owned(),
                description: role.description.clone(),
                is_default: role.is_default,
                is_super_role: role.is_super_role,
            }),
        }
    }
    if draft.jwt_configuration.time_to_live_in_seconds == Some(0) {
        v.field(
            "application.jwtConfiguration.timeToLiveInSeconds",
            "invalid",
            "The access token lifetime must be at least one second.",
        );
    }
    if draft
        .jwt_configuration
        .refresh_token_time_to_live_in_minutes
        == Some(0)
    {
        v.field(
            "application.jwtConfiguration.refreshTokenTimeToLiveInMinutes",
            "invalid",
            "The refresh token lifetime must be at least one minute.",
        );
    }
    v.into_result()?;
    Ok(roles)
}

pub async fn create(
    app: &App,
    id: Option<ApplicationId>,
    draft: ApplicationDraft,
) -> DomainResult<Application> {
    let id = id.unwrap_or_else(ApplicationId::random);
    let now = app.now();
    app.store
        .write(move |tx| {
            if tx.application(id)?.is_some() {
                return Err(DomainError::validation(
                    "applicationId",
                    "duplicate",
                    format!("An Application with Id = [{id}] already exists."),
                ));
            }
            let roles = check(&draft, id, tx)?;
            let application = Application {
                id,
                tenant_id: DEFAULT_TENANT_ID,
                name: draft.name.clone().unwrap_or_default().trim().to_owned(),
                active: draft.active.unwrap_or(true),
                roles,
                login_configuration: draft.login_configuration,
                jwt_configuration: draft.jwt_configuration,
                data: draft.data.clone(),
                inserted: now,
                last_updated: now,
            };
            tx.put_application(&application)?;
            Ok(application)
        })
        .await
}

pub async fn get(app: &App, id: ApplicationId) -> DomainResult<Application> {
    app.store
        .read(move |tx| tx.application(id))
        .await?
        .ok_or(DomainError::NotFound)
}

pub async fn list(app: &App) -> DomainResult<Vec<Application>> {
    Ok(app.store.read(|tx| tx.applications()).await?)
}

pub async fn update(
    app: &App,
    id: ApplicationId,
    draft: ApplicationDraft,
) -> DomainResult<Application> {
    let now = app.now();
    app.store
        .write(move |tx| {
            let mut application = tx.application(id)?.ok_or(DomainError::NotFound)?;
            let roles = check(&draft, id, tx)?;
            application.name = draft.name.clone().unwrap_or_default().trim().to_owned();
            if let Some(active) = draft.active {
                application.active = active;
            }
            application.roles = roles;
            application.login_configuration = draft.login_configuration;
            application.jwt_configuration = draft.jwt_configuration;
            application.data = draft.data.clone();
            application.last_updated = now;
            tx.put_application(&application)?;
            Ok(application)
        })
        .await
}

/// FusionAuth deactivates on DELETE and removes with `hardDelete=true`.
pub async fn delete(app: &App, id: ApplicationId, hard: bool) -> DomainResult<()> {
    let now = app.now();
    app.store
        .write(move |tx| {
            if hard {
                return if tx.delete_application(id)? {
                    Ok(())
                } else {
                    Err(DomainError::NotFound)
                };
            }
            let mut application = tx.application(id)?.ok_or(DomainError::NotFound)?;
            application.active = false;
            application.last_updated = now;
            tx.put_application(&application)?;
            Ok(())
        })
        .await
}
