//! `/api/messenger`: SMS provider configurations, their test sends and delivery reports.

use crate::app::App;
use crate::domain::ids::MessengerId;
use crate::domain::messenger::{Messenger, MessengerKind, TWILIO_TOKEN_PURPOSE};
use crate::domain::validation::Violations;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::{Request, parse_json};
use crate::http::response;
use crate::service::messengers;
use crate::wire::merge_patch;
use crate::wire::messenger::{MessengerOut, MessengerRequest, TestRequest};

fn missing() -> ApiError {
    ApiError::BadRequest(Violations::one(
        "messenger",
        "missing",
        "You must specify the messenger object.",
    ))
}

fn envelope(m: &Messenger) -> serde_json::Value {
    serde_json::json!({ "messenger": MessengerOut::from(m) })
}

pub async fn create(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: Option<MessengerId> = id.map(|s| super::parse_id(s, "messengerId")).transpose()?;
    let body: MessengerRequest = req.json()?;
    let created =
        messengers::create(app, id, body.messenger.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&created)))
}

pub async fn retrieve(app: &App, req: &Request, id: Option<&str>) -> ApiResult {
    super::require_api_key(app, req).await?;
    match id {
        Some(id) => {
            let found = messengers::get(app, super::parse_id(id, "messengerId")?).await?;
            Ok(response::json(200, &envelope(&found)))
        }
        None => {
            let all: Vec<MessengerOut> = messengers::list(app)
                .await?
                .iter()
                .map(MessengerOut::from)
                .collect();
            Ok(response::json(
                200,
                &serde_json::json!({ "messengers": all }),
            ))
        }
    }
}

pub async fn update(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: MessengerId = super::parse_id(id, "messengerId")?;
    let body: MessengerRequest = req.json()?;
    let updated =
        messengers::update(app, id, body.messenger.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&updated)))
}

/// PATCH merges into the current messenger; secrets left out are kept.
pub async fn patch(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let id: MessengerId = super::parse_id(id, "messengerId")?;
    let patch: serde_json::Value = req.json()?;
    let current = messengers::get(app, id).await?;
    let mut document = envelope(&current);
    merge_patch(&mut document, patch);
    let merged = serde_json::to_vec(&document).map_err(|e| ApiError::Internal(e.to_string()))?;
    let body: MessengerRequest = parse_json(&merged)?;
    let updated =
        messengers::update(app, id, body.messenger.ok_or_else(missing)?.into_draft()).await?;
    Ok(response::json(200, &envelope(&updated)))
}

pub async fn delete(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    messengers::delete(app, super::parse_id(id, "messengerId")?).await?;
    Ok(response::empty(200))
}

fn receipt_body(receipt: &providers::Receipt) -> serde_json::Value {
    serde_json::json!({
        "receipt": {
            "provider": receipt.provider,
            "messageId": receipt.message_id,
            "status": receipt.status,
        }
    })
}

/// `POST /api/messenger/{id}/test` `{phoneNumber}`: a real message through a saved messenger.
pub async fn test_saved(app: &App, req: &Request, id: &str) -> ApiResult {
    super::require_api_key(app, req).await?;
    let messenger = messengers::get(app, super::parse_id(id, "messengerId")?).await?;
    let body: TestRequest = req.json()?;
    let receipt = messengers::test(app, &messenger, body.phone_number).await?;
    Ok(response::json(200, &receipt_body(&receipt)))
}

/// `POST /api/messenger/test` `{messenger, phoneNumber}`: the same before saving.
pub async fn test_unsaved(app: &App, req: &Request) -> ApiResult {
    super::require_api_key(app, req).await?;
    let body: TestRequest = req.json()?;
    let draft = body.messenger.ok_or_else(missing)?.into_draft();
    let messenger = messengers::build(app, MessengerId::random(), &draft, None)?;
    let receipt = messengers::test(app, &messenger, body.phone_number).await?;
    Ok(response::json(200, &receipt_body(&receipt)))
}

/// `POST /api/messenger/{id}/status`: Twilio's `StatusCallback`, checked with
/// `X-Twilio-Signature` against the messenger's auth token and the configured public URL.
pub async fn status_callback(app: &App, req: &Request, id: &str) -> ApiResult {
    let id: MessengerId = super::parse_id(id, "messengerId")?;
    let messenger = messengers::get(app, id).await?;
    let MessengerKind::Twilio {
        auth_token: Some(sealed),
        ..
    } = &messenger.kind
    else {
        return Err(ApiError::NotFound);
    };
    let Some(base) = app.config.sms.public_url.as_deref() else {
        return Err(ApiError::NotFound);
    };
    let url = format!("{}/api/messenger/{id}/status", base.trim_end_matches('/'));
    let token = app
        .keyring
        .open(TWILIO_TOKEN_PURPOSE, sealed)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let token = String::from_utf8_lossy(&token).into_owned();
    let params: Vec<(String, String)> = form_urlencoded::parse(&req.body).into_owned().collect();
    let signature = req
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !providers::twilio::validate_signature(&token, &url, &params, signature) {
        return Err(ApiError::Unauthorized);
    }
    let field = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    messengers::record_delivery(
        app,
        id,
        field("MessageSid").unwrap_or_default(),
        field("MessageStatus").unwrap_or_else(|| "unknown".to_owned()),
        field("ErrorCode"),
    )
    .await?;
    Ok(response::empty(200))
}
