//! The one place where failures become status codes. `From<DomainError>` is an exhaustive
//! match without a catch-all, so a new failure cannot compile until it has a status.

use std::time::Duration;

use http::header;
use serde::Serialize;

use super::response::{self, INVALID_CODE, Response};
use crate::domain::DomainError;
use crate::domain::lockout::LockAction;
use crate::domain::validation::{Violation, Violations};
use crate::store::StoreError;

#[derive(Debug)]
pub enum ApiError {
    /// 400 with FusionAuth's Errors JSON.
    BadRequest(Violations),
    /// 401, empty.
    Unauthorized,
    /// 404, empty.
    NotFound,
    /// 405, empty.
    MethodNotAllowed,
    /// 408: the client was too slow sending the body.
    RequestTimeout,
    /// 409 with the active "prevent login" actions.
    LoginPrevented(Vec<LockAction>),
    /// 410: user expired.
    Gone,
    /// 413: body too large.
    PayloadTooLarge,
    /// 421: wrong one-time code.
    InvalidCode,
    /// 423: user deactivated.
    Locked,
    /// 429 with `Retry-After`.
    TooManyRequests(Duration),
    /// 502 with Errors JSON: an upstream provider failed.
    BadGateway(Violations),
    /// 501, empty: this install cannot do it (e.g. an online backup of its store).
    NotImplemented(String),
    /// 503 with `Retry-After`.
    Unavailable(Duration),
    /// 500, empty; the cause is logged, never sent.
    Internal(String),
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Validation(v) => ApiError::BadRequest(v),
            DomainError::NotFound | DomainError::BadCredentials => ApiError::NotFound,
            DomainError::InvalidCode => ApiError::InvalidCode,
            DomainError::Unauthorized => ApiError::Unauthorized,
            DomainError::LoginPrevented(actions) => ApiError::LoginPrevented(actions),
            DomainError::UserDeactivated => ApiError::Locked,
            DomainError::UserExpired => ApiError::Gone,
            DomainError::RateLimited { retry_after } => ApiError::TooManyRequests(retry_after),
            DomainError::Overloaded { retry_after } => ApiError::Unavailable(retry_after),
            DomainError::Provider {
                unreachable: false,
                errors,
            } => ApiError::BadRequest(errors),
            DomainError::Provider {
                unreachable: true,
                errors,
            } => ApiError::BadGateway(errors),
            DomainError::Store(e) => ApiError::from(e),
            DomainError::Internal(message) => ApiError::Internal(message),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(message) => {
                tracing::warn!(%message, "the store refused a write");
                ApiError::Unavailable(Duration::from_secs(5))
            }
            StoreError::Conflict { field } => ApiError::BadRequest(Violations::one(
                field,
                "duplicate",
                "This value is already taken.",
            )),
            StoreError::Corrupt(message)
            | StoreError::Backend(message)
            | StoreError::Locked(message) => ApiError::Internal(message),
            StoreError::SchemaMismatch { found, expected } => {
                ApiError::Internal(format!("schema mismatch {found} != {expected}"))
            }
            StoreError::Aborted => ApiError::Internal("a transaction was rolled back".to_owned()),
            StoreError::Unsupported(what) => ApiError::NotImplemented(what),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorItem<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<serde_json::Map<String, serde_json::Value>>,
}

impl<'a> From<&'a Violation> for ErrorItem<'a> {
    fn from(v: &'a Violation) -> Self {
        let data = (!v.data.is_empty()).then(|| {
            v.data
                .iter()
                .map(|(k, val)| {
                    let value = val.parse::<i64>().map_or_else(
                        |_| serde_json::Value::String(val.clone()),
                        serde_json::Value::from,
                    );
                    (k.clone(), value)
                })
                .collect()
        });
        Self {
            code: &v.code,
            message: &v.message,
            data,
        }
    }
}

/// The Errors body: `{"fieldErrors": {...}, "generalErrors": [...]}`.
pub fn errors_body(v: &Violations) -> serde_json::Value {
    let field_errors: serde_json::Map<String, serde_json::Value> = v
        .fields
        .iter()
        .map(|(field, list)| {
            let items: Vec<ErrorItem<'_>> = list.iter().map(ErrorItem::from).collect();
            (
                field.clone(),
                serde_json::to_value(items).unwrap_or_default(),
            )
        })
        .collect();
    let general: Vec<ErrorItem<'_>> = v.general.iter().map(ErrorItem::from).collect();
    serde_json::json!({
        "fieldErrors": field_errors,
        "generalErrors": general,
    })
}

fn retry_after(response: Response, wait: Duration) -> Response {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response::with_header(response, header::RETRY_AFTER, &secs.max(1).to_string())
}

impl ApiError {
    pub fn status(&self) -> u16 {
        match self {
            ApiError::BadRequest(_) => 400,
            ApiError::Unauthorized => 401,
            ApiError::NotFound => 404,
            ApiError::MethodNotAllowed => 405,
            ApiError::RequestTimeout => 408,
            ApiError::LoginPrevented(_) => 409,
            ApiError::Gone => 410,
            ApiError::PayloadTooLarge => 413,
            ApiError::InvalidCode => INVALID_CODE,
            ApiError::Locked => 423,
            ApiError::TooManyRequests(_) => 429,
            ApiError::Internal(_) => 500,
            ApiError::BadGateway(_) => 502,
            ApiError::NotImplemented(_) => 501,
            ApiError::Unavailable(_) => 503,
        }
    }

    pub fn into_response(self) -> Response {
        let status = self.status();
        match self {
            ApiError::BadRequest(v) | ApiError::BadGateway(v) => {
                response::json(status, &errors_body(&v))
            }
            ApiError::LoginPrevented(actions) => {
                let actions: Vec<serde_json::Value> = actions
                    .iter()
                    .map(|a| {
                        serde_json::json!({
                            "actionId": a.action_id,
                            "actionerUserId": null,
                            "expiry": a.expiry.millis(),
                            "startInstant": a.start.millis(),
                            "localizedName": "Prevent Login Action",
                            "name": "Prevent Login Action",
                            "localizedReason": a.reason_text(),
                            "reason": a.reason_text(),
                            "reasonCode": a.reason_code(),
                        })
                    })
                    .collect();
                response::json(status, &serde_json::json!({ "actions": actions }))
            }
            ApiError::TooManyRequests(wait) | ApiError::Unavailable(wait) => {
                retry_after(response::empty(status), wait)
            }
            ApiError::Internal(cause) => {
                tracing::error!(%cause, "internal error");
                response::empty(status)
            }
            ApiError::NotImplemented(what) => {
                tracing::info!(%what, "not implemented by this install");
                response::empty(status)
            }
            ApiError::Unauthorized
            | ApiError::NotFound
            | ApiError::MethodNotAllowed
            | ApiError::RequestTimeout
            | ApiError::Gone
            | ApiError::PayloadTooLarge
            | ApiError::InvalidCode
            | ApiError::Locked => response::empty(status),
        }
    }
}

pub type ApiResult = Result<Response, ApiError>;
