//! `/api/application`: create, retrieve, list, replace, patch, delete.

use crate::app::App;
use crate::domain::ids::ApplicationId;
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::{Request, parse_json};
use crate::http::response;
use crate::service::applications;
use crate::wire::application::{ApplicationOut, ApplicationRequest};
use crate::wire::merge_patch;

fn missing() -> ApiError {
    ApiError::BadRequest(Violations::one(
        "application",
        "missing",
        "You must specify the application object.",
    ))
}

fn envelope(a: &crate::domain::application::Application) -> serde_json::Value {
    serde_json::json!({ "application": ApplicationOut::from(a) })
}

pub async fn create(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: Option<ApplicationId> = id
        .map(|s| super::parse_id(s, "applicationId"))
        .transpose()?;
    let body: ApplicationRequest = req.json()?;
    let created =
        applications::create(app, id, body.application.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&created)))
}

pub async fn retrieve(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    match id {
        Some(id) => {
            let found = applications::get(app, super::parse_id(id, "applicationId")?).await?;
            Ok(response::json(200, &envelope(&found)))
        }
        None => {
            let all: Vec<ApplicationOut> = applications::list(app)
                .await?
                .iter()
                .map(ApplicationOut::from)
                .collect();
            Ok(response::json(
                200,
                &serde_json::json!({ "applications": all }),
            ))
        }
    }
}

pub async fn update(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: ApplicationId = super::parse_id(id, "applicationId")?;
    let body: ApplicationRequest = req.json()?;
    let updated =
        applications::update(app, id, body.application.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&updated)))
}

pub async fn patch(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: ApplicationId = super::parse_id(id, "applicationId")?;
    let patch: serde_json::Value = req.json()?;
    let current = applications::get(app, id).await?;
    let mut document = envelope(&current);
    merge_patch(&mut document, patch);
    let merged = serde_json::to_vec(&document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let body: ApplicationRequest = parse_json(&merged)?;
    let updated =
        applications::update(app, id, body.application.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&updated)))
}

pub async fn delete(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: ApplicationId = super::parse_id(id, "applicationId")?;
    applications::delete(app, id, req.query_bool("hardDelete")?).await?;
    Ok(response::empty(200))
}
