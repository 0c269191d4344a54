//! The route table: method and path segments to handler. A known path with another method
//! answers 405; anything else 404.

use http::Method;

use super::error::{ApiError, ApiResult};
use super::request::Request;
use crate::api;
use crate::app::App;

pub async fn route(app: &App, req: &Request) -> ApiResult {
    let segments = req.segments();
    let m = &req.method;
    match segments.as_slice() {
        [".well-known", "jwks.json"] => only(m, Method::GET, api::jwt::jwks(app)).await,
        ["metrics"] => only(m, Method::GET, api::metrics::get(app, req)).await,
        ["api", rest @ ..] => api_route(app, req, m, rest).await,
        _ => Err(ApiError::NotFound),
    }
}

/// Runs `handler` when the method matches, else 405.
async fn only(
    method: &Method,
    expected: Method,
    handler: impl Future<Output = ApiResult>,
) -> ApiResult {
    if *method == expected {
        handler.await
    } else {
        Err(ApiError::MethodNotAllowed)
    }
}

async fn api_route(app: &App, req: &Request, m: &Method, rest: &[&str]) -> ApiResult {
    use Method as M;
    match (m.clone(), rest) {
        (M::GET, ["status"]) => api::status::get(app).await,
        (_, ["status"]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["login"]) => api::login::login(app, req).await,
        (_, ["login"]) => Err(ApiError::MethodNotAllowed),
        (M::POST, ["logout"]) => api::jwt::logout(app, req).await,
        (_, ["logout"]) => Err(ApiError::MethodNotAllowed),

        (M::GET, ["jwt", "public-key"]) => api::jwt::public_key(app, req).await,
        (M::GET, ["jwt", "validate"]) => api::jwt::validate(app, req).await,
        (M::POST, ["jwt", "refresh"]) => api::jwt::refresh(app, req).await,
        (_, ["jwt", "public-key" | "validate" | "refresh"]) => Err(ApiError::MethodNotAllowed),

        (M::GET, ["two-factor", "secret"]) => api::two_factor::secret(app, req).await,
        (_, ["two-factor", "secret"]) => Err(ApiError::MethodNotAllowed),
        (M::POST, ["two-factor", "login"]) => api::login::two_factor_login(app, req).await,
        (M::POST, ["two-factor", "send"]) => api::two_factor::send(app, req).await,
        (M::POST, ["two-factor", "send", id]) => {
            api::two_factor::send_for_login(app, req, id).await
        }
        (M::GET, ["two-factor", "status", trust]) => {
            api::two_factor::status(app, req, Some(trust)).await
        }
        (M::POST, ["two-factor", "status"]) => api::two_factor::status(app, req, None).await,
        (_, ["two-factor", "login" | "send" | "status", ..]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["user", "two-factor", "recovery-code", id]) => {
            api::two_factor::regenerate_recovery_codes(app, req, id).await
        }
        (M::GET, ["user", "two-factor", "recovery-code", id]) => {
            api::two_factor::recovery_code_status(app, req, id).await
        }
        (M::POST, ["user", "two-factor", id]) => api::two_factor::enable(app, req, id).await,
        (M::DELETE, ["user", "two-factor", id]) => api::two_factor::disable(app, req, id).await,
        (_, ["user", "two-factor", ..]) => Err(ApiError::MethodNotAllowed),

        (M::GET, ["user", "action"]) => api::user_action::list(app, req).await,
        (M::DELETE, ["user", "action", id]) => api::user_action::cancel(app, req, id).await,
        (_, ["user", "action", ..]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["user", "registration"]) => api::registration::create(app, req, None).await,
        (M::POST, ["user", "registration", user]) => {
            api::registration::create(app, req, Some(user)).await
        }
        (M::GET, ["user", "registration", user, application]) => {
            api::registration::retrieve(app, req, user, application).await
        }
        (M::DELETE, ["user", "registration", user, application]) => {
            api::registration::delete(app, req, user, application).await
        }
        (_, ["user", "registration", ..]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["user"]) => api::user::create(app, req, None).await,
        (M::GET, ["user"]) => api::user::retrieve(app, req, None).await,
        (M::POST, ["user", id]) => api::user::create(app, req, Some(id)).await,
        (M::GET, ["user", id]) => api::user::retrieve(app, req, Some(id)).await,
        (M::PUT, ["user", id]) => api::user::update(app, req, id).await,
        (M::PATCH, ["user", id]) => api::user::patch(app, req, id).await,
        (M::DELETE, ["user", id]) => api::user::delete(app, req, id).await,
        (_, ["user"] | ["user", _]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["application"]) => api::application::create(app, req, None).await,
        (M::GET, ["application"]) => api::application::retrieve(app, req, None).await,
        (M::POST, ["application", id]) => api::application::create(app, req, Some(id)).await,
        (M::GET, ["application", id]) => api::application::retrieve(app, req, Some(id)).await,
        (M::PUT, ["application", id]) => api::application::update(app, req, id).await,
        (M::PATCH, ["application", id]) => api::application::patch(app, req, id).await,
        (M::DELETE, ["application", id]) => api::application::delete(app, req, id).await,
        (_, ["application"] | ["application", _]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["api-key"]) => api::api_key::create(app, req, None).await,
        (M::POST, ["api-key", id]) => api::api_key::create(app, req, Some(id)).await,
        (M::GET, ["api-key", id]) => api::api_key::retrieve(app, req, id).await,
        (M::DELETE, ["api-key", id]) => api::api_key::delete(app, req, id).await,
        (_, ["api-key"] | ["api-key", _]) => Err(ApiError::MethodNotAllowed),

        (M::POST, ["messenger", "test"]) => api::messenger::test_unsaved(app, req).await,
        (M::POST, ["messenger"]) => api::messenger::create(app, req, None).await,
        (M::GET, ["messenger"]) => api::messenger::retrieve(app, req, None).await,
        (M::POST, ["messenger", id]) => api::messenger::create(app, req, Some(id)).await,
        (M::GET, ["messenger", id]) => api::messenger::retrieve(app, req, Some(id)).await,
        (M::PUT, ["messenger", id]) => api::messenger::update(app, req, id).await,
        (M::PATCH, ["messenger", id]) => api::messenger::patch(app, req, id).await,
        (M::DELETE, ["messenger", id]) => api::messenger::delete(app, req, id).await,
        (M::POST, ["messenger", id, "test"]) => api::messenger::test_saved(app, req, id).await,
        (M::POST, ["messenger", id, "status"]) => {
            api::messenger::status_callback(app, req, id).await
        }
        (_, ["messenger", ..]) => Err(ApiError::MethodNotAllowed),

        (M::GET, ["tenant"]) => api::tenant::list(app, req).await,
        (M::GET, ["tenant", id]) => api::tenant::retrieve(app, req, id).await,
        (M::PUT | M::PATCH, ["tenant", id]) => api::tenant::update(app, req, id).await,
        (_, ["tenant"] | ["tenant", _]) => Err(ApiError::MethodNotAllowed),

        (M::GET, ["system", "audit-log", "search"]) => api::system::audit_log(app, req).await,
        (_, ["system", "audit-log", "search"]) => Err(ApiError::MethodNotAllowed),
        (M::GET, ["system", "backup"]) => api::system::backup(app, req).await,
        (_, ["system", "backup"]) => Err(ApiError::MethodNotAllowed),

        _ => Err(ApiError::NotFound),
    }
}
