//! HTTP: turns a hyper request into a [`request::Request`] (body read under a size cap and a
//! deadline), routes it, maps failures to FusionAuth's status codes ([`error`]), adds CORS and
//! a request id, and logs one line per request. No other layer sees hyper.

pub mod client_ip;
pub mod cors;
pub mod error;
pub mod rate_limit;
pub mod request;
pub mod response;
pub mod route_pattern;
pub mod router;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http::{HeaderValue, Method, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

use crate::app::App;
use error::ApiError;
use response::Response;

pub use request::Request;

const REQUEST_ID: &str = "x-request-id";

/// Path segments that are secrets (a live twoFactorId, a trust id) and never logged.
fn loggable_path(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::with_capacity(segments.len());
    for (i, segment) in segments.iter().enumerate() {
        let secret = i >= 1
            && matches!(
                (segments.get(i - 1), segments.get(i.wrapping_sub(2))),
                (Some(&"send"), Some(&"two-factor")) | (Some(&"status"), Some(&"two-factor"))
            );
        out.push(if secret { "{redacted}" } else { segment });
    }
    out.join("/")
}

fn request_id(headers: &http::HeaderMap) -> String {
    headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned)
}

/// Reads the body under the configured cap and deadline.
async fn read_body(
    app: &App,
    body: Incoming,
    declared: Option<u64>,
) -> Result<bytes::Bytes, ApiError> {
    let max = app.config.server.max_body_bytes;
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let deadline = Duration::from_secs(app.config.server.body_read_timeout_secs);
    match tokio::time::timeout(deadline, Limited::new(body, max).collect()).await {
        Err(_) => Err(ApiError::RequestTimeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ApiError::PayloadTooLarge),
        Ok(Err(_)) => Err(ApiError::BadRequest(
            crate::domain::validation::Violations::one_general(
                "[invalid]",
                "The request body could not be read.",
            ),
        )),
    }
}

/// Handles one request from the network.
pub async fn handle(app: &App, req: hyper::Request<Incoming>, peer: SocketAddr) -> Response {
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let id = request_id(&parts.headers);
    let path = parts.uri.path().to_owned();
    let origin = cors::allowed_origin(&app.cors_origins(), &parts.headers).map(str::to_owned);

    let mut response = if parts.method == Method::OPTIONS {
        cors::preflight(origin.as_deref())
    } else {
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match read_body(app, body, declared).await {
            Err(e) => e.into_response(),
            Ok(bytes) => {
                let query = parts
                    .uri
                    .query()
                    .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                    .unwrap_or_default();
                let client_ip = client_ip::resolve(
                    peer.ip(),
                    &parts.headers,
                    &app.config.server.trusted_proxies,
                );
                let request = Request {
                    method: parts.method.clone(),
                    path: path.clone(),
                    query,
                    headers: parts.headers,
                    body: bytes,
                    peer: peer.ip(),
                    client_ip,
                    request_id: id.clone(),
                };
                dispatch(app, &request).await
            }
        }
    };
    if let Some(origin) = &origin {
        cors::decorate(&mut response, origin);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    let took = started.elapsed();
    app.metrics.observe_request(
        &parts.method,
        &route_pattern::pattern(&path),
        response.status().as_u16(),
        took,
    );
    tracing::info!(
        target: "twofold::access",
        method = %parts.method,
        path = %loggable_path(&path),
        status = response.status().as_u16(),
        latency_ms = format!("{:.2}", took.as_secs_f64() * 1000.0),
        request_id = %id,
        "request"
    );
    response
}

/// Routes an already-read request; also used by kickstart.
pub async fn dispatch(app: &App, request: &Request) -> Response {
    router::route(app, request)
        .await
        .unwrap_or_else(ApiError::into_response)
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn secret_path_segments_are_not_logged() {
        assert_eq!(
            loggable_path("/api/two-factor/send/abc"),
            "/api/two-factor/send/{redacted}"
        );
        assert_eq!(
            loggable_path("/api/two-factor/status/xyz"),
            "/api/two-factor/status/{redacted}"
        );
        assert_eq!(loggable_path("/api/user/1234"), "/api/user/1234");
        assert_eq!(
            loggable_path("/api/two-factor/send"),
            "/api/two-factor/send"
        );
    }
}

#[cfg(test)]
mod fuzz;
