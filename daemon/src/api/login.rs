//! `POST /api/login` and `POST /api/two-factor/login`.

use crate::app::App;
use crate::domain::ids::ApplicationId;
use crate::domain::time::Timestamp;
use crate::http::error::ApiResult;
use crate::http::rate_limit::Class;
use crate::http::request::Request;
use crate::http::response::{self, Response, TWO_FACTOR_REQUIRED};
use crate::service::login::{self, ApiKeyState, Authenticated, LoginCommand, LoginOutcome};
use crate::service::tokens::IssuedTokens;
use crate::service::two_factor::challenge::{self, CompleteCommand};
use crate::wire::login::{LoginRequest, LoginResponse, TwoFactorLoginRequest, TwoFactorResponse};

/// The cookie FusionAuth uses for the trust id.
const TRUST_COOKIE: &str = "fusionauth.trust";

pub async fn login(app: &App, req: &Request) -> ApiResult {
    let body: LoginRequest = req.json()?;
    let api_key = match req.api_key() {
        None => ApiKeyState::Absent,
        Some(raw) => match crate::service::authenticate_api_key(app, raw).await? {
            Some(_) => ApiKeyState::Valid,
            None => ApiKeyState::Invalid,
        },
    };
    let ip = super::end_user_ip(
        req,
        body.ip_address.as_deref(),
        api_key == ApiKeyState::Valid,
    );
    super::limit(app, Class::Login, ip)?;
    let trust = req
        .cookie(TRUST_COOKIE)
        .map(str::to_owned)
        .or(body.two_factor_trust_id);
    let outcome = login::login(
        app,
        LoginCommand {
            login_id: body.login_id,
            password: body.password,
            application_id: body.application_id.map(ApplicationId),
            ip: Some(ip.to_string()),
            no_jwt: body.no_jwt.unwrap_or(false),
            two_factor_trust_id: trust,
            api_key,
        },
    )
    .await?;
    Ok(match outcome {
        LoginOutcome::Authenticated(done) => authenticated(app, &done),
        LoginOutcome::TwoFactorRequired(started) => {
            response::json(TWO_FACTOR_REQUIRED, &TwoFactorResponse::from(&*started))
        }
    })
}

pub async fn two_factor_login(app: &App, req: &Request) -> ApiResult {
    let body: TwoFactorLoginRequest = req.json()?;
    super::limit(app, Class::TwoFactorLogin, req.client_ip)?;
    let done = challenge::complete(
        app,
        CompleteCommand {
            two_factor_id: body.two_factor_id,
            code: body.code,
            application_id: body.application_id.map(ApplicationId),
            trust_computer: body.trust_computer.unwrap_or(false),
            no_jwt: body.no_jwt.unwrap_or(false),
            ip: Some(req.client_ip.to_string()),
        },
    )
    .await?;
    Ok(authenticated(app, &done))
}

/// 200 with tokens, or 202 when the user is not registered for the application.
fn authenticated(app: &App, done: &Authenticated) -> Response {
    let status = if done.registered { 200 } else { 202 };
    let mut out = response::json(status, &LoginResponse::from(done));
    if let Some(tokens) = &done.tokens {
        set_token_cookies(&mut out, tokens, app.now());
    }
    if let Some(trust) = &done.trust_id {
        let max_age = 30 * 24 * 3600;
        response::set_cookie(
            &mut out,
            &format!("{TRUST_COOKIE}={trust}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax"),
        );
    }
    out
}

/// FusionAuth's session cookies, for browser clients.
pub fn set_token_cookies(out: &mut Response, tokens: &IssuedTokens, now: Timestamp) {
    let max_age = now.until(tokens.expires).as_secs();
    response::set_cookie(
        out,
        &format!(
            "access_token={}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax",
            tokens.access_token
        ),
    );
    if let Some((raw, _)) = &tokens.refresh {
        response::set_cookie(
            out,
            &format!("refresh_token={raw}; Path=/; HttpOnly; SameSite=Lax"),
        );
    }
}
