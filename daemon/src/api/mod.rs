//! Handlers, one module per URL resource: parse the request into a use-case call, run it,
//! and shape its outcome into FusionAuth's response. Status codes come from `http::error`
//! for failures and from here only for the non-error outcomes (200, 202, 242).

pub mod api_key;
pub mod application;
pub mod jwt;
pub mod login;
pub mod messenger;
pub mod metrics;
pub mod registration;
pub mod status;
pub mod system;
pub mod tenant;
pub mod two_factor;
pub mod user;
pub mod user_action;

use std::str::FromStr;

use crate::app::App;
use crate::domain::api_key::ApiKey;
use crate::domain::validation::Violations;
use crate::http::error::ApiError;
use crate::http::rate_limit::Class;
use crate::http::request::Request;
use crate::service;

/// The caller's API key, or 401.
pub async fn require_api_key(app: &App, req: &Request) -> Result<ApiKey, ApiError> {
    let raw = req.api_key().ok_or(ApiError::Unauthorized)?;
    service::authenticate_api_key(app, raw)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// Parses an id from the path, answering FusionAuth's `[couldNotConvert]<field>` when it is
/// not a UUID.
pub fn parse_id<T: FromStr>(segment: &str, field: &str) -> Result<T, ApiError> {
    segment.parse::<T>().map_err(|_| {
        ApiError::BadRequest(Violations::one(
            field,
            "couldNotConvert",
            format!("Invalid {field} [{segment}]: it must be a UUID."),
        ))
    })
}

/// The address to record for the end user: a trusted back end (valid API key) may name it
/// in the body's `ipAddress`; otherwise it is the connection's peer.
pub fn end_user_ip(req: &Request, body_ip: Option<&str>, trusted: bool) -> std::net::IpAddr {
    body_ip
        .filter(|_| trusted)
        .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        .unwrap_or(req.client_ip)
}

/// Counts a request against the client's limit for `class`; 429 when it is spent.
pub fn limit(app: &App, class: Class, ip: std::net::IpAddr) -> Result<(), ApiError> {
    app.limiter
        .check(class, ip, app.now())
        .map_err(ApiError::TooManyRequests)
}
