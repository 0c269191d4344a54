//! Building responses. JSON bodies carry `Content-Type: application/json`; empty bodies
//! carry no content type at all (FusionAuth's TypeScript client rejects a JSON-typed empty
//! 2xx).

use bytes::Bytes;
use http::{HeaderValue, StatusCode, header};
use http_body_util::Full;
use serde::Serialize;

pub type Response = http::Response<Full<Bytes>>;

/// FusionAuth's non-standard statuses.
pub const TWO_FACTOR_REQUIRED: u16 = 242;
pub const INVALID_CODE: u16 = 421;

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub fn empty(code: u16) -> Response {
    let mut response = http::Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status(code);
    response
}

pub fn json<T: Serialize>(code: u16, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = http::Response::new(Full::new(Bytes::from(bytes)));
            *response.status_mut() = status(code);
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=UTF-8"),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "a response could not be serialised");
            empty(500)
        }
    }
}

/// Adds a `Set-Cookie` header.
pub fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub fn with_header(mut response: Response, name: header::HeaderName, value: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
    response
}
