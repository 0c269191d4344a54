//! FusionAuth's "Generic" messenger: a JSON webhook. Each message is
//! `POST {url}` with `{"phoneNumber":"+1…","textMessage":"…","type":"SMS"}`, optional HTTP Basic auth and
//! extra headers; the receiver sends the SMS itself.
//!
//! Any 2xx is success; the receipt takes the message id from a JSON `id` or `messageId` field if the receiver
//! returns one. A 4xx is [`ProviderError::Rejected`] (not retried, except 429); a 5xx or a failed connection
//! is retried with the [`RetryPolicy`] and ends as [`ProviderError::Unavailable`].
//!
//! It does not: send FusionAuth's optional `userId`, `message` (voice) or `code` fields, support client
//! certificates (`sslCertificateId`), follow redirects, or log the body, the password or header values.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use crate::http::{build_client, describe, transport_failure, validate_http_url, validate_timeout};
use crate::redact::{Scrubber, snippet};
use crate::retry::{self, Attempt, RetryPolicy, parse_retry_after};
use crate::{ProviderError, Receipt, Secret, Sms, SmsProvider, mask_phone, validate_e164_shape};

/// The settings of a Generic messenger, named after FusionAuth's fields. `Debug` hides the password and
/// header values (they often carry API keys).
#[derive(Clone, PartialEq, Eq)]
pub struct GenericConfig {
    pub url: String,
    /// FusionAuth's `connectTimeout` (default 1 s).
    pub connect_timeout: Duration,
    /// FusionAuth's `readTimeout` (default 2 s): the longest wait for each read of the answer. The whole
    /// request is also capped at `connect_timeout + read_timeout`.
    pub read_timeout: Duration,
    /// Extra request headers (FusionAuth's `headers`).
    pub headers: Vec<(String, String)>,
    pub http_authentication_username: Option<String>,
    pub http_authentication_password: Option<Secret>,
    pub retry: RetryPolicy,
}

impl GenericConfig {
    pub fn new(url: impl Into<String>) -> Self {
        GenericConfig {
            url: url.into(),
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(2),
            headers: Vec::new(),
            http_authentication_username: None,
            http_authentication_password: None,
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for GenericConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("GenericConfig")
            .field("url", &self.url)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("headers (values hidden)", &header_names)
            .field(
                "http_authentication_username",
                &self.http_authentication_username,
            )
            .field(
                "http_authentication_password",
                &self.http_authentication_password,
            )
            .field("retry", &self.retry)
            .finish()
    }
}

/// Posts each message to a webhook.
pub struct GenericProvider {
    http: reqwest::Client,
    url: reqwest::Url,
    headers: HeaderMap,
    basic_auth: Option<(String, Option<Secret>)>,
    total_timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for GenericProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(HeaderName::as_str).collect();
        f.debug_struct("GenericProvider")
            .field("url", &self.url.as_str())
            .field("headers (values hidden)", &header_names)
            .field(
                "basic_auth_user",
                &self.basic_auth.as_ref().map(|(user, _)| user),
            )
            .field("retry", &self.retry)
            .finish()
    }
}

impl GenericProvider {
    /// Validates `cfg` (URL, timeouts, header names and values) and builds the HTTP client.
    pub fn new(cfg: GenericConfig) -> Result<Self, ProviderError> {
        let url = validate_http_url("url", &cfg.url)?;
        validate_timeout("connectTimeout", cfg.connect_timeout)?;
        validate_timeout("readTimeout", cfg.read_timeout)?;
        let mut headers = HeaderMap::new();
        for (name, value) in &cfg.headers {
            let header_name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
                ProviderError::Invalid {
                    field: "headers",
                    message: format!("{name:?} is not a valid header name"),
                }
            })?;
            let mut header_value =
                HeaderValue::from_str(value).map_err(|_| ProviderError::Invalid {
                    field: "headers",
                    message: format!("the value of {name:?} is not a valid header value"),
                })?;
            header_value.set_sensitive(true);
            headers.append(header_name, header_value);
        }
        let username = cfg
            .http_authentication_username
            .filter(|user| !user.is_empty());
        let password = cfg
            .http_authentication_password
            .filter(|password| !password.is_empty());
        let basic_auth = match (username, password) {
            (Some(user), password) => {
                if user.contains(':') {
                    return Err(ProviderError::Invalid {
                        field: "httpAuthenticationUsername",
                        message: "must not contain ':' (HTTP Basic auth cannot carry it)"
                            .to_owned(),
                    });
                }
                Some((user, password))
            }
            (None, Some(_)) => {
                return Err(ProviderError::Invalid {
                    field: "httpAuthenticationUsername",
                    message: "is required when a password is set".to_owned(),
                });
            }
            (None, None) => None,
        };
        if basic_auth.is_some() && headers.contains_key(reqwest::header::AUTHORIZATION) {
            return Err(ProviderError::Invalid {
                field: "headers",
                message: "set either an Authorization header or the HTTP authentication username, \
                          not both"
                    .to_owned(),
            });
        }
        let total_timeout = cfg.connect_timeout.saturating_add(cfg.read_timeout);
        let http = build_client(cfg.connect_timeout, total_timeout, Some(cfg.read_timeout))?;
        Ok(GenericProvider {
            http,
            url,
            headers,
            basic_auth,
            total_timeout,
            retry: cfg.retry,
        })
    }

    async fn attempt(
        &self,
        payload: &serde_json::Value,
        to_masked: &str,
        scrubber: &Scrubber<'_>,
    ) -> Attempt<Receipt> {
        let mut request = self
            .http
            .post(self.url.clone())
            .headers(self.headers.clone())
            .json(payload);
        if let Some((user, password)) = &self.basic_auth {
            request = request.basic_auth(user, password.as_ref().map(Secret::expose));
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return transport_failure(error, self.total_timeout),
        };
        let status = response.status();
        let http_status = status.as_u16();
        let retry_after = parse_retry_after(response.headers().get(RETRY_AFTER));
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) if status.is_success() => {
                // The receiver said yes; only its (optional) body is lost.
                tracing::debug!(error = %describe(error), "generic SMS receiver's body unreadable");
                Default::default()
            }
            Err(error) => {
                return Attempt::Done(Err(ProviderError::Unavailable {
                    http_status: Some(http_status),
                    message: format!("reading the answer failed: {}", describe(error)),
                }));
            }
        };
        if status.is_success() {
            return Attempt::Done(Ok(receipt_from(&body)));
        }
        let text = scrubber.scrub(&snippet(&body));
        if status.is_client_error() {
            let error = ProviderError::Rejected {
                http_status,
                code: None,
                message: format!("the receiver answered HTTP {http_status}: {text}"),
                more_info: None,
                to_masked: Some(to_masked.to_owned()),
            };
            return if http_status == 429 {
                Attempt::Retry { error, retry_after }
            } else {
                Attempt::Done(Err(error))
            };
        }
        let error = ProviderError::Unavailable {
            http_status: Some(http_status),
            message: format!("the receiver answered HTTP {http_status}: {text}"),
        };
        if status.is_server_error() {
            Attempt::Retry { error, retry_after }
        } else {
            Attempt::Done(Err(error))
        }
    }
}

/// The receipt for a 2xx answer: `id` or `messageId` (string or number) and `status` when the body is a JSON
/// object that has them.
fn receipt_from(body: &[u8]) -> Receipt {
    let mut receipt = Receipt::new("generic");
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(body) {
        let text = |key: &str| match object.get(key) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
            Some(serde_json::Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        receipt.message_id = text("id").or_else(|| text("messageId"));
        receipt.status = text("status");
    }
    receipt
}

#[async_trait::async_trait]
impl SmsProvider for GenericProvider {
    fn kind(&self) -> &'static str {
        "generic"
    }

    async fn send(&self, sms: &Sms) -> Result<Receipt, ProviderError> {
        validate_e164_shape("to", &sms.to)?;
        if sms.body.trim().is_empty() {
            return Err(ProviderError::Invalid {
                field: "body",
                message: "is empty".to_owned(),
            });
        }
        let to_masked = mask_phone(&sms.to);
        let mut scrubber = Scrubber::new(sms);
        if let Some((_, Some(password))) = &self.basic_auth {
            scrubber = scrubber.with_secret(password.expose());
        }
        for value in self.headers.values() {
            if let Ok(value) = value.to_str() {
                scrubber = scrubber.with_secret(value);
            }
        }
        let payload = serde_json::json!({
            "phoneNumber": sms.to,
            "textMessage": sms.body,
            "type": "SMS",
        });
        tracing::debug!(url = %self.url, to = %to_masked, "sending SMS through the generic webhook");
        let (payload, to_masked_ref, scrubber_ref) = (&payload, to_masked.as_str(), &scrubber);
        let result = retry::run(&self.retry, "generic", move || {
            self.attempt(payload, to_masked_ref, scrubber_ref)
        })
        .await;
        if let Err(error) = &result {
            tracing::warn!(to = %to_masked, error = %error, "generic SMS webhook did not accept the SMS");
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipt_ids() {
        assert_eq!(
            receipt_from(br#"{"id":"abc","status":"sent"}"#)
                .message_id
                .as_deref(),
            Some("abc")
        );
        assert_eq!(
            receipt_from(br#"{"messageId":42}"#).message_id.as_deref(),
            Some("42")
        );
        assert_eq!(receipt_from(b"").message_id, None);
        assert_eq!(receipt_from(b"OK").message_id, None);
        assert_eq!(receipt_from(b"[1]").message_id, None);
        assert_eq!(
            receipt_from(br#"{"id":"abc","status":"sent"}"#)
                .status
                .as_deref(),
            Some("sent")
        );
    }

    #[test]
    fn config_validation() {
        assert!(GenericProvider::new(GenericConfig::new("https://sms.example.com/hook")).is_ok());
        let invalid = |cfg: GenericConfig| match GenericProvider::new(cfg) {
            Err(ProviderError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        };
        assert_eq!(invalid(GenericConfig::new("sms.example.com")), "url");
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.read_timeout = Duration::ZERO;
        assert_eq!(invalid(cfg), "readTimeout");
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.headers = vec![("bad name".to_owned(), "x".to_owned())];
        assert_eq!(invalid(cfg), "headers");
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.headers = vec![("X-Key".to_owned(), "line\nbreak".to_owned())];
        assert_eq!(invalid(cfg), "headers");
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.http_authentication_password = Some(Secret::new("pw"));
        assert_eq!(invalid(cfg), "httpAuthenticationUsername");
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.http_authentication_username = Some("user".to_owned());
        cfg.headers = vec![("Authorization".to_owned(), "Bearer x".to_owned())];
        assert_eq!(invalid(cfg), "headers");
    }

    #[test]
    fn debug_hides_password_and_header_values() {
        let mut cfg = GenericConfig::new("https://sms.example.com/hook");
        cfg.http_authentication_username = Some("user".to_owned());
        cfg.http_authentication_password = Some(Secret::new("hunter2-password"));
        cfg.headers = vec![("X-Api-Key".to_owned(), "key-0123456789".to_owned())];
        let text = format!("{cfg:?}");
        assert!(!text.contains("hunter2-password"), "{text}");
        assert!(!text.contains("key-0123456789"), "{text}");
        assert!(text.contains("X-Api-Key"), "{text}");
        let provider = GenericProvider::new(cfg).expect("valid");
        let text = format!("{provider:?}");
        assert!(!text.contains("hunter2-password"), "{text}");
        assert!(!text.contains("key-0123456789"), "{text}");
        assert!(text.contains("x-api-key"), "{text}");
    }
}
