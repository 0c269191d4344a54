//! `/api/two-factor/*` and `/api/user/two-factor/*`.

use crate::app::App;
use crate::domain::DomainError;
use crate::domain::ids::UserId;
use crate::http::error::{ApiError, ApiResult};
use crate::http::rate_limit::Class;
use crate::http::request::Request;
use crate::http::response::{self, TWO_FACTOR_REQUIRED};
use crate::service::two_factor::challenge;
use crate::service::two_factor::enrol::{self, SendPurpose};
use crate::service::two_factor::totp;
use crate::wire::two_factor::{
    DisableRequest, EnableRequest, RecoveryCodesOut, SendForLoginRequest, SendRequest,
    StatusRequest,
};

/// `POST /api/two-factor/send/{twoFactorId}`: no API key; the twoFactorId is the credential.
pub async fn send_for_login(app: &App, req: &Request, two_factor_id: &str) -> ApiResult {
    let body: SendForLoginRequest = req.json_or_default()?;
    super::limit(app, Class::TwoFactorSend, req.client_ip)?;
    challenge::send(
        app,
        two_factor_id,
        body.method_id,
        Some(req.client_ip.to_string()),
    )
    .await?;
    Ok(response::empty(200))
}

/// `POST /api/two-factor/send` with an API key: a code to enable (method + mobilePhone) or
/// disable (methodId) a method.
pub async fn send(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let body: SendRequest = req.json()?;
    super::limit(app, Class::TwoFactorSend, req.client_ip)?;
    let user_id = body.user_id.map(UserId).ok_or_else(|| {
        DomainError::validation("userId", "blank", "You must specify the userId.")
    })?;
    let purpose = match (body.method_id, body.method.as_deref()) {
        (Some(method_id), _) => SendPurpose::Disable { method_id },
        (None, Some("sms")) => SendPurpose::Enable {
            mobile_phone: body.mobile_phone,
        },
        (None, Some(other)) => {
            return Err(DomainError::validation(
                "method",
                "invalid",
                format!("Codes are sent for sms methods, not [{other}]."),
            )
            .into());
        }
        (None, None) => {
            return Err(DomainError::validation(
                "method",
                "blank",
                "You must specify the method or the methodId.",
            )
            .into());
        }
    };
    enrol::send_code(app, user_id, purpose, Some(req.client_ip.to_string())).await?;
    Ok(response::empty(200))
}

/// `POST /api/user/two-factor/{userId}`: enable SMS (with the code sent to the number) or an
/// authenticator app (with a code from it).
pub async fn enable(app: &App, req: &Request, user_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let body: EnableRequest = req.json()?;
    let ip = Some(req.client_ip.to_string());
    let codes = match body.method.as_deref() {
        Some("sms") => enrol::enable_sms(app, user_id, body.mobile_phone, body.code, ip).await?,
        Some("authenticator") => {
            enrol::enable_authenticator(
                app,
                user_id,
                body.secret,
                body.secret_base32_encoded,
                body.code,
                ip,
            )
            .await?
        }
        Some(other) => {
            return Err(DomainError::validation(
                "method",
                "invalid",
                format!("Unsupported two-factor method [{other}]; use sms or authenticator."),
            )
            .into());
        }
        None => {
            return Err(
                DomainError::validation("method", "blank", "You must specify the method.").into(),
            );
        }
    };
    Ok(match codes {
        Some(recovery_codes) => response::json(200, &RecoveryCodesOut { recovery_codes }),
        None => response::empty(200),
    })
}

/// `GET /api/two-factor/secret` (API key, or a user's JWT): a fresh authenticator secret in
/// FusionAuth's two forms.
pub async fn secret(app: &App, req: &Request) -> ApiResult {
    let authorized = match req.bearer() {
        Some(token) => crate::service::tokens::validate(app, token).is_ok(),
        None => super::require_api_key(app, req).await.is_ok(),
    };
    if !authorized {
        return Err(ApiError::Unauthorized);
    }
    let generated = totp::generate_secret().map_err(DomainError::from)?;
    Ok(response::json(
        200,
        &serde_json::json!({ "secret": generated.secret, "secretBase32Encoded": generated.secret_base32 }),
    ))
}

/// `DELETE /api/user/two-factor/{userId}?methodId=&code=` (or the same as a JSON body).
pub async fn disable(app: &App, req: &Request, user_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let body: DisableRequest = req.json_or_default()?;
    let method_id = body
        .method_id
        .or_else(|| req.query("methodId").map(str::to_owned));
    let code = body.code.or_else(|| req.query("code").map(str::to_owned));
    enrol::disable(
        app,
        user_id,
        method_id,
        code,
        Some(req.client_ip.to_string()),
    )
    .await?;
    Ok(response::empty(200))
}

/// `POST /api/user/two-factor/recovery-code/{userId}`: a fresh set, shown once.
pub async fn regenerate_recovery_codes(app: &App, req: &Request, user_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let recovery_codes = enrol::regenerate_recovery_codes(app, user_id).await?;
    Ok(response::json(200, &RecoveryCodesOut { recovery_codes }))
}

/// `GET /api/user/two-factor/recovery-code/{userId}`: codes are hashed at rest (as in
/// FusionAuth 1.68+), so only how many remain can be told.
pub async fn recovery_code_status(app: &App, req: &Request, user_id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let user_id: UserId = super::parse_id(user_id, "userId")?;
    let remaining = enrol::remaining_recovery_codes(app, user_id).await?;
    Ok(response::json(
        200,
        &serde_json::json!({ "recoveryCodes": [], "remaining": remaining }),
    ))
}

/// `GET /api/two-factor/status/{trustId}?userId=` and `POST /api/two-factor/status`:
/// 200 when no challenge would be needed, 242 when one would.
pub async fn status(app: &App, req: &Request, trust_id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let body: StatusRequest = req.json_or_default()?;
    let user_id = match body.user_id {
        Some(id) => UserId(id),
        None => match req.query("userId") {
            Some(raw) => super::parse_id(raw, "userId")?,
            None => {
                return Err(DomainError::validation(
                    "userId",
                    "blank",
                    "You must specify the userId.",
                )
                .into());
            }
        },
    };
    let raw_trust = trust_id.map(str::to_owned).or(body.two_factor_trust_id);
    let (challenge_needed, trust) = challenge::status(app, user_id, raw_trust.clone())
        .await
        .map_err(ApiError::from)?;
    let trusts: Vec<serde_json::Value> = trust
        .iter()
        .map(|t| {
            serde_json::json!({
                "applicationId": t.application_id.map(|a| a.0),
                "expiration": t.expires.millis(),
                "startInstant": t.created.millis(),
            })
        })
        .collect();
    let body = serde_json::json!({
        "trusts": trusts,
        "twoFactorTrustId": if trust.is_some() { raw_trust } else { None },
    });
    Ok(response::json(
        if challenge_needed {
            TWO_FACTOR_REQUIRED
        } else {
            200
        },
        &body,
    ))
}
