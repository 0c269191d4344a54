//! `/api/user`: create, retrieve (by id, e-mail, username or login id), replace, patch,
//! delete (soft by default, `hardDelete=true` removes) and reactivate.

use crate::app::App;
use crate::domain::ids::UserId;
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::{Request, parse_json};
use crate::http::response;
use crate::service::users::{self, Lookup};
use crate::wire::merge_patch;
use crate::wire::user::{UserEnvelope, UserOut, UserRequest};

fn envelope(user: &crate::domain::user::User) -> UserEnvelope {
    UserEnvelope {
        user: UserOut::from(user),
    }
}

fn missing_user() -> ApiError {
    ApiError::BadRequest(Violations::one(
        "user",
        "missing",
        "You must specify the user object.",
    ))
}

pub async fn create(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: Option<UserId> = id.map(|s| super::parse_id(s, "userId")).transpose()?;
    let body: UserRequest = req.json()?;
    let user = body.user.ok_or_else(missing_user)?;
    let created = users::create(app, id, user.into_draft(body.skip_verification)).await?;
    Ok(response::json(200, &envelope(&created)))
}

pub async fn retrieve(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user = match id {
        Some(id) => users::get(app, super::parse_id(id, "userId")?).await?,
        None => {
            let lookup = if let Some(email) = req.query("email") {
                Lookup::Email(email.to_owned())
            } else if let Some(username) = req.query("username") {
                Lookup::Username(username.to_owned())
            } else if let Some(login_id) = req.query("loginId") {
                Lookup::LoginId(login_id.to_owned())
            } else {
                return Err(ApiError::BadRequest(Violations::one_general(
                    "[missing]",
                    "Give a user id in the path, or one of email, username or loginId as a query parameter.",
                )));
            };
            users::find(app, lookup).await?
        }
    };
    Ok(response::json(200, &envelope(&user)))
}

pub async fn update(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: UserId = super::parse_id(id, "userId")?;
    if req.query_bool("reactivate")? {
        let user = users::reactivate(app, id).await?;
        return Ok(response::json(200, &envelope(&user)));
    }
    let body: UserRequest = req.json()?;
    let user = body.user.ok_or_else(missing_user)?;
    let updated = users::update(app, id, user.into_draft(body.skip_verification)).await?;
    Ok(response::json(200, &envelope(&updated)))
}

/// PATCH: the current user merged with the request (objects merge, arrays append), then
/// saved like a PUT.
pub async fn patch(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: UserId = super::parse_id(id, "userId")?;
    let patch: serde_json::Value = req.json()?;
    let current = users::get(app, id).await?;
    let mut document = serde_json::json!({ "user": UserOut::from(&current) });
    merge_patch(&mut document, patch);
    let merged = serde_json::to_vec(&document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let body: UserRequest = parse_json(&merged)?;
    let user = body.user.ok_or_else(missing_user)?;
    let updated = users::update(app, id, user.into_draft(body.skip_verification)).await?;
    Ok(response::json(200, &envelope(&updated)))
}

pub async fn delete(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: UserId = super::parse_id(id, "userId")?;
    users::delete(app, id, req.query_bool("hardDelete")?).await?;
    Ok(response::empty(200))
}
