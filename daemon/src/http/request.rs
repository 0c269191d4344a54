//! A request after its body was read: helpers to parse JSON into wire structs (with
//! FusionAuth's error codes for bad JSON), read query parameters the way FusionAuth's
//! clients send them, and pick credentials out of headers and cookies.

use std::net::IpAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, header};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::validation::Violations;

pub struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// The connection's peer.
    pub peer: IpAddr,
    /// The client: the peer, or the address a trusted proxy forwarded (see `http::client_ip`).
    pub client_ip: IpAddr,
    pub request_id: String,
}

impl Request {
    /// Path segments after the leading slash, without empty ones.
    pub fn segments(&self) -> Vec<&str> {
        self.path.split('/').filter(|s| !s.is_empty()).collect()
    }

    fn has_body(&self) -> bool {
        self.body.iter().any(|b| !b.is_ascii_whitespace())
    }

    /// The body as `T`; an empty body is invalid.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if !self.has_body() {
            return Err(ApiError::BadRequest(Violations::one_general(
                "[invalid]",
                "Your request body was empty; this API expects a JSON object.",
            )));
        }
        parse_json(&self.body)
    }

    /// The body as `T`, or `T::default()` when empty (FusionAuth's clients send some POSTs
    /// without a body, with `Content-Type: text/plain`).
    pub fn json_or_default<T: DeserializeOwned + Default>(&self) -> Result<T, ApiError> {
        if self.has_body() {
            parse_json(&self.body)
        } else {
            Ok(T::default())
        }
    }

    /// A query parameter; the literal `undefined` (sent by the TypeScript client for unset
    /// optional parameters) counts as absent.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, v)| k == name && v != "undefined" && v != "null")
            .map(|(_, v)| v.as_str())
    }

    pub fn query_bool(&self, name: &str) -> Result<bool, ApiError> {
        match self.query(name) {
            None => Ok(false),
            Some("true") => Ok(true),
            Some("false") | Some("") => Ok(false),
            Some(_) => Err(ApiError::BadRequest(Violations::one(
                name,
                "couldNotConvert",
                format!("The {name} parameter must be true or false."),
            ))),
        }
    }

    fn authorization(&self) -> Option<&str> {
        self.headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    }

    /// The raw API key: an `Authorization` value without a scheme.
    pub fn api_key(&self) -> Option<&str> {
        let value = self.authorization()?;
        let lower = value.to_ascii_lowercase();
        if value.is_empty()
            || lower.starts_with("bearer ")
            || lower.starts_with("jwt ")
            || lower.starts_with("basic ")
        {
            return None;
        }
        Some(value)
    }

    /// A JWT from `Authorization: Bearer …` (or the older `JWT …`), else the `access_token` cookie.
    pub fn bearer(&self) -> Option<&str> {
        if let Some(value) = self.authorization() {
            for scheme in ["Bearer ", "bearer ", "JWT ", "jwt "] {
                if let Some(token) = value.strip_prefix(scheme) {
                    return Some(token.trim());
                }
            }
        }
        self.cookie("access_token")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// Parses JSON, mapping a syntax error to `[invalid]` and a wrong type or value at a path to
/// `[couldNotConvert]<path>`.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = match result {
        Ok(value) => value,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            let violations = if inner.is_data() && path != "." && !path.is_empty() {
                Violations::one(
                    &path,
                    "couldNotConvert",
                    format!("Invalid value for [{path}]: {inner}"),
                )
            } else {
                Violations::one_general("[invalid]", format!("Your JSON was invalid: {inner}"))
            };
            return Err(ApiError::BadRequest(violations));
        }
    };
    deserializer.end().map_err(|e| {
        ApiError::BadRequest(Violations::one_general(
            "[invalid]",
            format!("Your JSON was invalid: {e}"),
        ))
    })?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Body {
        user: Inner,
    }

    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        active: Option<bool>,
    }

    fn codes(e: ApiError) -> Vec<String> {
        match e {
            ApiError::BadRequest(v) => v.codes().into_iter().map(str::to_owned).collect(),
            other => panic!("expected 400, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_invalid_and_type_errors_name_the_field() {
        assert_eq!(
            codes(parse_json::<Body>(b"{not json").expect_err("bad")),
            vec!["[invalid]"]
        );
        assert_eq!(
            codes(parse_json::<Body>(br#"{"user":{"active":"yes"}}"#).expect_err("bad")),
            vec!["[couldNotConvert]user.active"]
        );
        assert_eq!(
            codes(parse_json::<Body>(br#"{"user":{}} trailing"#).expect_err("bad")),
            vec!["[invalid]"]
        );
        assert!(parse_json::<Body>(br#"{"user":{"active":true},"unknown":1}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        assert!(parse_json::<serde_json::Value>(deep.as_bytes()).is_err());
    }
}
