//! `/api/user/action`: the failed-login lock as FusionAuth's "prevent login" user action,
//! listed per user and cancelled by an administrator.

use crate::app::App;
use crate::domain::ids::UserId;
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response;
use crate::service::users;

/// `GET /api/user/action?userId=`: the user's active actions.
pub async fn list(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = match req.query("userId") {
        Some(raw) => super::parse_id(raw, "userId")?,
        None => {
            return Err(ApiError::BadRequest(Violations::one(
                "userId",
                "blank",
                "You must specify the userId.",
            )));
        }
    };
    let actions: Vec<serde_json::Value> = users::actions(app, user_id)
        .await?
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.action_id,
                "userId": user_id.0,
                "active": true,
                "preventLogin": true,
                "createInstant": a.start.millis(),
                "expiry": a.expiry.millis(),
                "reason": a.reason_text(),
                "reasonCode": a.reason_code(),
            })
        })
        .collect();
    Ok(response::json(
        200,
        &serde_json::json!({ "userActions": actions }),
    ))
}

/// `DELETE /api/user/action/{actionId}`: lifts the lock (the action id is the user's id).
pub async fn cancel(app: &App, req: &Request, action_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(action_id, "actionId")?;
    users::unlock(app, user_id).await?;
    Ok(response::empty(200))
}
