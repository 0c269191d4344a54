//! `/.well-known/jwks.json`, `/api/jwt/public-key`, `/api/jwt/validate`, `/api/jwt/refresh`
//! and `/api/logout`.

use crate::app::App;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::Request;
use crate::http::response;
use crate::service::tokens;
use crate::wire::login::{LogoutRequest, RefreshRequest, RefreshResponse};

pub async fn jwks(app: &App) -> ApiResult {
    Ok(response::json(200, &app.jwt().jwks()))
}

pub async fn public_key(app: &App, req: &Request) -> ApiResult {
    let keys = app.jwt();
    let pems = keys.public_keys_pem();
    if let Some(kid) = req.query("kid") {
        let pem = pems.get(kid).ok_or(ApiError::NotFound)?;
        return Ok(response::json(
            200,
            &serde_json::json!({ "publicKey": pem }),
        ));
    }
    if req.query("applicationId").is_some() {
        let pem = pems.get(keys.active_kid()).ok_or(ApiError::NotFound)?;
        return Ok(response::json(
            200,
            &serde_json::json!({ "publicKey": pem }),
        ));
    }
    Ok(response::json(
        200,
        &serde_json::json!({ "publicKeys": pems }),
    ))
}

pub async fn validate(app: &App, req: &Request) -> ApiResult {
    let token = req.bearer().ok_or(ApiError::Unauthorized)?;
    let claims = tokens::validate(app, token)?;
    Ok(response::json(200, &serde_json::json!({ "jwt": claims })))
}

pub async fn refresh(app: &App, req: &Request) -> ApiResult {
    let body: RefreshRequest = req.json_or_default()?;
    let raw = req
        .cookie("refresh_token")
        .map(str::to_owned)
        .or(body.refresh_token)
        .unwrap_or_default();
    let issued = tokens::refresh(app, &raw).await?;
    let body = RefreshResponse {
        token: issued.access_token.clone(),
        refresh_token: issued.refresh.as_ref().map(|(raw, _)| raw.clone()),
        refresh_token_id: issued.refresh.as_ref().map(|(_, id)| id.0),
    };
    let mut out = response::json(200, &body);
    super::login::set_token_cookies(&mut out, &issued, app.now());
    Ok(out)
}

pub async fn logout(app: &App, req: &Request) -> ApiResult {
    // The clients send query parameters (with a text/plain empty body) or a JSON body.
    let body: LogoutRequest = req.json_or_default()?;
    let global = body.global.unwrap_or(false) || req.query_bool("global")?;
    let raw = body
        .refresh_token
        .or_else(|| req.query("refreshToken").map(str::to_owned))
        .or_else(|| req.cookie("refresh_token").map(str::to_owned));
    tokens::logout(app, raw, global).await?;
    let mut out = response::empty(200);
    response::set_cookie(
        &mut out,
        "access_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    response::set_cookie(
        &mut out,
        "refresh_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    Ok(out)
}
