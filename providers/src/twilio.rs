//! Twilio's Programmable Messaging API: `POST {url}/2010-04-01/Accounts/{AccountSid}/Messages.json`.
//!
//! [`TwilioProvider`] validates its configuration once ([`TwilioProvider::new`]) and each message before any
//! request, sends the form Twilio documents (`To`, `Body`, and `From` or `MessagingServiceSid`, optionally
//! `StatusCallback`) with HTTP Basic auth, and maps the answer: 201 → [`Receipt`] (`sid`, `status`), 4xx →
//! [`ProviderError::Rejected`] with Twilio's code, 5xx and network failures → [`ProviderError::Unavailable`].
//! It retries only requests Twilio did not act on: failed connections, 429 (honouring `Retry-After`) and
//! 5xx. It never retries a timeout after the request was written, nor any other 4xx.
//!
//! [`validate_signature`] checks the `X-Twilio-Signature` of Twilio's webhooks (status callbacks).
//!
//! It does not: fetch delivery status, use Twilio Verify, send MMS/WhatsApp, accept alphanumeric or
//! short-code senders (From must have the E.164 shape), or log the auth token or the message body.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;

use crate::http::{build_client, describe, transport_failure, validate_http_url, validate_timeout};
use crate::redact::{Scrubber, snippet};
use crate::retry::{self, Attempt, RetryPolicy, parse_retry_after};
use crate::{
    ProviderError, Receipt, Secret, Sms, SmsProvider, mask_phone, validate_account_sid,
    validate_e164_shape, validate_messaging_service_sid,
};

/// Twilio's API base URL, FusionAuth's default for the messenger's `url`.
pub const DEFAULT_URL: &str = "https://api.twilio.com";

/// Twilio's limit for `Body`, in characters.
pub const MAX_BODY_CHARS: usize = 1600;

/// The settings of a Twilio messenger. `Debug` shows `auth_token` as `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    /// API base URL, `https://api.twilio.com` unless testing (FusionAuth's `url`).
    pub url: String,
    /// `AC` + 32 hex (FusionAuth's `accountSID`); also the Basic-auth user.
    pub account_sid: String,
    pub auth_token: Secret,
    /// An E.164 number owned by the account (FusionAuth's `fromPhoneNumber`). Exactly one of this and
    /// `messaging_service_sid` must be set; an empty string counts as unset.
    pub from_phone_number: Option<String>,
    /// `MG` + 32 hex (FusionAuth's `messagingServiceSid`).
    pub messaging_service_sid: Option<String>,
    /// Sent as `StatusCallback`, so Twilio reports delivery there (check it with [`validate_signature`]).
    pub status_callback: Option<String>,
    /// Time allowed to open the connection (default 5 s).
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, connection included (default 10 s).
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl TwilioConfig {
    /// A configuration with the defaults (Twilio's URL, 5 s / 10 s timeouts, 2 retries) and no sender yet:
    /// set `from_phone_number` or `messaging_service_sid`.
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<Secret>) -> Self {
        TwilioConfig {
            url: DEFAULT_URL.to_owned(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            from_phone_number: None,
            messaging_service_sid: None,
            status_callback: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Sender {
    From(String),
    MessagingService(String),
}

/// Sends SMS through Twilio. Build it once per configuration: it owns its HTTP client (connection pool).
pub struct TwilioProvider {
    http: reqwest::Client,
    /// The full `…/Messages.json` URL.
    endpoint: String,
    account_sid: String,
    auth_token: Secret,
    sender: Sender,
    status_callback: Option<String>,
    request_timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for TwilioProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioProvider")
            .field("endpoint", &self.endpoint)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &self.auth_token)
            .field("sender", &self.sender)
            .field("status_callback", &self.status_callback)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

impl TwilioProvider {
    /// Validates `cfg` (URL, SIDs, sender, timeouts) and builds the HTTP client. Errors are
    /// [`ProviderError::Invalid`] naming the FusionAuth field.
    pub fn new(cfg: TwilioConfig) -> Result<Self, ProviderError> {
        let url = validate_http_url("url", &cfg.url)?;
        if url.query().is_some() {
            return Err(ProviderError::Invalid {
                field: "url",
                message: "must not contain a ?query".to_owned(),
            });
        }
        validate_account_sid(&cfg.account_sid)?;
        let token = cfg.auth_token.expose();
        if token.is_empty() {
            return Err(ProviderError::Invalid {
                field: "authToken",
                message: "is empty".to_owned(),
            });
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(ProviderError::Invalid {
                field: "authToken",
                message: "contains whitespace (check for a stray space or line break when pasting)"
                    .to_owned(),
            });
        }
        let sender = match (
            non_empty(cfg.from_phone_number),
            non_empty(cfg.messaging_service_sid),
        ) {
            (Some(from), None) => {
                validate_e164_shape("fromPhoneNumber", &from)?;
                Sender::From(from)
            }
            (None, Some(service)) => {
                validate_messaging_service_sid(&service)?;
                Sender::MessagingService(service)
            }
            (None, None) => {
                return Err(ProviderError::Invalid {
                    field: "fromPhoneNumber",
                    message: "set either fromPhoneNumber or messagingServiceSid".to_owned(),
                });
            }
            (Some(_), Some(_)) => {
                return Err(ProviderError::Invalid {
                    field: "messagingServiceSid",
                    message: "set only one of fromPhoneNumber and messagingServiceSid, not both"
                        .to_owned(),
                });
            }
        };
        let status_callback = match non_empty(cfg.status_callback) {
            Some(callback) => Some(validate_http_url("statusCallback", &callback)?.to_string()),
            None => None,
        };
        validate_timeout("connectTimeout", cfg.connect_timeout)?;
        validate_timeout("requestTimeout", cfg.request_timeout)?;
        let http = build_client(cfg.connect_timeout, cfg.request_timeout, None)?;
        let endpoint = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            url.as_str().trim_end_matches('/'),
            cfg.account_sid
        );
        Ok(TwilioProvider {
            http,
            endpoint,
            account_sid: cfg.account_sid,
            auth_token: cfg.auth_token,
            sender,
            status_callback,
            request_timeout: cfg.request_timeout,
            retry: cfg.retry,
        })
    }

    /// The `Messages.json` URL this provider posts to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    async fn attempt(
        &self,
        form: &[(&str, &str)],
        to_masked: &str,
        scrubber: &Scrubber<'_>,
    ) -> Attempt<Receipt> {
        let sent = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return transport_failure(error, self.request_timeout),
        };
        let status = response.status();
        let retry_after = parse_retry_after(response.headers().get(RETRY_AFTER));
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(error) => {
                return Attempt::Done(Err(ProviderError::Unavailable {
                    http_status: Some(status.as_u16()),
                    message: format!(
                        "reading Twilio's answer failed: {}; the message may or may not have been sent",
                        describe(error)
                    ),
                }));
            }
        };
        classify(status, retry_after, &body, to_masked, scrubber)
    }
}

/// Maps one HTTP answer from Twilio to an attempt outcome.
fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    to_masked: &str,
    scrubber: &Scrubber<'_>,
) -> Attempt<Receipt> {
    let http_status = status.as_u16();
    if status.is_success() {
        return Attempt::Done(parse_message(http_status, body, scrubber));
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Attempt::Retry {
            error: parse_error(http_status, body, to_masked, scrubber),
            retry_after,
        };
    }
    if status.is_server_error() {
        let message = match parse_error(http_status, body, to_masked, scrubber) {
            ProviderError::Rejected {
                code: Some(code),
                message,
                ..
            } => format!("Twilio error {code}: {message}"),
            ProviderError::Rejected { message, .. } => message,
            other => other.to_string(),
        };
        return Attempt::Retry {
            error: ProviderError::Unavailable {
                http_status: Some(http_status),
                message,
            },
            retry_after,
        };
    }
    if status.is_client_error() {
        return Attempt::Done(Err(parse_error(http_status, body, to_masked, scrubber)));
    }
    Attempt::Done(Err(ProviderError::Unavailable {
        http_status: Some(http_status),
        message: format!(
            "unexpected answer from the Twilio URL: {}",
            scrubber.scrub(&snippet(body))
        ),
    }))
}

/// Twilio's Message resource; every field is nullable and only these two are used.
#[derive(serde::Deserialize)]
struct MessageResource {
    sid: Option<String>,
    status: Option<String>,
}

fn parse_message(
    http_status: u16,
    body: &[u8],
    scrubber: &Scrubber<'_>,
) -> Result<Receipt, ProviderError> {
    match serde_json::from_slice::<MessageResource>(body) {
        Ok(message) => Ok(Receipt {
            provider: "twilio",
            message_id: message.sid,
            status: message.status,
            failed_over_from: None,
        }),
        Err(_) => Err(ProviderError::Unavailable {
            http_status: Some(http_status),
            message: format!(
                "answered {http_status} without Twilio's message JSON (is the url right?): {}",
                scrubber.scrub(&snippet(body))
            ),
        }),
    }
}

/// Twilio's error JSON: `{"code": 21211, "message": "…", "more_info": "https://…", "status": 400}`. Extra
/// fields are ignored; `code` may also come as a numeric string.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: Option<serde_json::Value>,
    message: Option<String>,
    more_info: Option<String>,
}

/// Any non-2xx answer as [`ProviderError::Rejected`], keeping Twilio's code. A body that is not Twilio's
/// error JSON still gives the status and the start of the body.
fn parse_error(
    http_status: u16,
    body: &[u8],
    to_masked: &str,
    scrubber: &Scrubber<'_>,
) -> ProviderError {
    let parsed = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .filter(|error| error.code.is_some() || error.message.is_some());
    let (code, message, more_info) = match parsed {
        Some(error) => {
            let code = match &error.code {
                Some(serde_json::Value::Number(n)) => {
                    n.as_u64().and_then(|n| u32::try_from(n).ok())
                }
                Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
                _ => None,
            };
            let message = error
                .message
                .map(|m| scrubber.scrub(&m))
                .unwrap_or_else(|| "(no message)".to_owned());
            let more_info = error
                .more_info
                .filter(|link| !link.is_empty())
                .map(|link| scrubber.scrub(&link));
            (code, message, more_info)
        }
        None => (
            None,
            format!(
                "HTTP {http_status} without Twilio's error JSON: {}",
                scrubber.scrub(&snippet(body))
            ),
            None,
        ),
    };
    ProviderError::Rejected {
        http_status,
        code,
        message,
        more_info,
        to_masked: Some(to_masked.to_owned()),
    }
}

fn validate_body(body: &str) -> Result<(), ProviderError> {
    if body.trim().is_empty() {
        return Err(ProviderError::Invalid {
            field: "body",
            message: "is empty".to_owned(),
        });
    }
    let n_chars = body.chars().count();
    if n_chars > MAX_BODY_CHARS {
        return Err(ProviderError::Invalid {
            field: "body",
            message: format!("has {n_chars} characters; Twilio accepts at most {MAX_BODY_CHARS}"),
        });
    }
    Ok(())
}

#[async_trait::async_trait]
impl SmsProvider for TwilioProvider {
    fn kind(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, sms: &Sms) -> Result<Receipt, ProviderError> {
        validate_e164_shape("to", &sms.to)?;
        validate_body(&sms.body)?;
        let to_masked = mask_phone(&sms.to);
        let scrubber = Scrubber::new(sms).with_secret(self.auth_token.expose());
        let mut form: Vec<(&str, &str)> = vec![("To", &sms.to)];
        match &self.sender {
            Sender::From(from) => form.push(("From", from)),
            Sender::MessagingService(service) => form.push(("MessagingServiceSid", service)),
        }
        form.push(("Body", &sms.body));
        if let Some(callback) = &self.status_callback {
            form.push(("StatusCallback", callback));
        }
        tracing::debug!(
            account_sid = %self.account_sid,
            to = %to_masked,
            "sending SMS through Twilio"
        );
        let (form, to_masked_ref, scrubber_ref) = (&form, to_masked.as_str(), &scrubber);
        let result = retry::run(&self.retry, "twilio", move || {
            self.attempt(form, to_masked_ref, scrubber_ref)
        })
        .await;
        match &result {
            Ok(receipt) => tracing::debug!(
                to = %to_masked,
                sid = receipt.message_id.as_deref().unwrap_or("-"),
                status = receipt.status.as_deref().unwrap_or("-"),
                "Twilio accepted the SMS"
            ),
            Err(error) => tracing::warn!(
                to = %to_masked,
                code = error.code(),
                error = %error,
                "Twilio did not accept the SMS"
            ),
        }
        result
    }
}

/// Checks an `X-Twilio-Signature` header: Base64 of HMAC-SHA1, keyed with the auth token, over the full URL
/// Twilio called (scheme, host, path, query) followed by every POST parameter, sorted by name (byte order,
/// case-sensitive; equal names by value), each as name then value with no separator. The comparison is
/// constant-time. `params` are the decoded form fields.
pub fn validate_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    signature_b64: &str,
) -> bool {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    use subtle::ConstantTimeEq;

    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()) else {
        return false;
    };
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    expected
        .as_bytes()
        .ct_eq(signature_b64.trim().as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "f00dfeedf00dfeedf00dfeedf00dfeed";

    fn config() -> TwilioConfig {
        let mut cfg = TwilioConfig::new(SID, TOKEN);
        cfg.from_phone_number = Some("+15005550006".to_owned());
        cfg
    }

    fn invalid_field(cfg: TwilioConfig) -> &'static str {
        match TwilioProvider::new(cfg) {
            Err(ProviderError::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn new_accepts_a_from_number_or_a_messaging_service() {
        let provider = TwilioProvider::new(config()).expect("valid");
        assert_eq!(
            provider.endpoint(),
            format!("https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json")
        );
        let mut cfg = config();
        cfg.from_phone_number = Some(String::new());
        cfg.messaging_service_sid = Some("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned());
        cfg.url = "http://127.0.0.1:4010/".to_owned();
        let provider = TwilioProvider::new(cfg).expect("valid");
        assert_eq!(
            provider.endpoint(),
            format!("http://127.0.0.1:4010/2010-04-01/Accounts/{SID}/Messages.json")
        );
    }

    #[test]
    fn new_refuses_bad_configurations() {
        let mut cfg = config();
        cfg.account_sid = "AC123".to_owned();
        assert_eq!(invalid_field(cfg), "accountSID");

        let mut cfg = config();
        cfg.auth_token = Secret::new("");
        assert_eq!(invalid_field(cfg), "authToken");

        let mut cfg = config();
        cfg.auth_token = Secret::new(format!("{TOKEN} "));
        assert_eq!(invalid_field(cfg), "authToken");

        let mut cfg = config();
        cfg.from_phone_number = None;
        assert_eq!(invalid_field(cfg), "fromPhoneNumber");

        let mut cfg = config();
        cfg.messaging_service_sid = Some("MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".to_owned());
        assert_eq!(invalid_field(cfg), "messagingServiceSid");

        let mut cfg = config();
        cfg.from_phone_number = None;
        cfg.messaging_service_sid = Some("MG123".to_owned());
        assert_eq!(invalid_field(cfg), "messagingServiceSid");

        let mut cfg = config();
        cfg.from_phone_number = Some("15005550006".to_owned());
        assert_eq!(invalid_field(cfg), "fromPhoneNumber");

        let mut cfg = config();
        cfg.url = "api.twilio.com".to_owned();
        assert_eq!(invalid_field(cfg), "url");

        let mut cfg = config();
        cfg.url = "https://api.twilio.com?x=1".to_owned();
        assert_eq!(invalid_field(cfg), "url");

        let mut cfg = config();
        cfg.status_callback = Some("not a uri".to_owned());
        assert_eq!(invalid_field(cfg), "statusCallback");

        let mut cfg = config();
        cfg.request_timeout = Duration::ZERO;
        assert_eq!(invalid_field(cfg), "requestTimeout");
    }

    #[test]
    fn debug_of_config_and_provider_hides_the_token() {
        let cfg = config();
        let text = format!("{cfg:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("auth_token: ***"), "{text}");
        let provider = TwilioProvider::new(cfg).expect("valid");
        let text = format!("{provider:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains(SID), "{text}");
    }

    fn scrubber_for(sms: &Sms) -> Scrubber<'_> {
        Scrubber::new(sms).with_secret(TOKEN)
    }

    #[test]
    fn parses_twilio_error_json_and_keeps_the_code() {
        let sms = Sms::new("+15005550001", "Your code is 123456");
        let body = br#"{"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        let error = parse_error(400, body, "+*******0001", &scrubber_for(&sms));
        assert_eq!(
            error,
            ProviderError::Rejected {
                http_status: 400,
                code: Some(21211),
                message: "The 'To' number +*******0001 is not a valid phone number.".to_owned(),
                more_info: Some("https://www.twilio.com/docs/errors/21211".to_owned()),
                to_masked: Some("+*******0001".to_owned()),
            }
        );
        assert!(!error.to_string().contains("+15005550001"));
        assert!(error.hint().contains("+*******0001"));
    }

    #[test]
    fn parses_string_codes_and_extra_fields() {
        let sms = Sms::new("+15005550006", "hi there");
        let body = br#"{"code": "20429", "message": "Too Many Requests", "status": 429, "details": {"x": 1}}"#;
        let error = parse_error(429, body, "+*******0006", &scrubber_for(&sms));
        assert_eq!(error.code(), Some(20429));
        assert!(matches!(
            error,
            ProviderError::Rejected {
                http_status: 429,
                more_info: None,
                ..
            }
        ));
    }

    #[test]
    fn non_json_error_bodies_still_explain() {
        let sms = Sms::new("+15005550006", "Your code is 123456");
        let html = format!("<html><body>{}</body></html>", "Bad Gateway ".repeat(50));
        let error = parse_error(400, html.as_bytes(), "+*******0006", &scrubber_for(&sms));
        let ProviderError::Rejected { code, message, .. } = &error else {
            panic!("expected Rejected, got {error:?}");
        };
        assert_eq!(*code, None);
        assert!(
            message.starts_with("HTTP 400 without Twilio's error JSON: <html><body>Bad Gateway")
        );
        assert!(message.chars().count() < 260, "{message}");

        for body in [&b""[..], b"{}", b"[1,2]", b"null", &[0xff, 0x00, 0x80]] {
            let error = parse_error(400, body, "+*******0006", &scrubber_for(&sms));
            assert!(error.to_string().contains("HTTP 400"), "{error}");
        }
    }

    #[test]
    fn errors_never_echo_token_body_or_number() {
        let sms = Sms::new("+14155551234", "Your twofold code is 482913");
        let body = format!(
            r#"{{"code": 20003, "message": "echo To=+14155551234 Body=Your twofold code is 482913 token={TOKEN} code 482913", "status": 401}}"#
        );
        let error = parse_error(401, body.as_bytes(), "+*******1234", &scrubber_for(&sms));
        let text = format!("{error} {error:?} {}", error.hint());
        for secret in [
            "+14155551234",
            "4155551234",
            "482913",
            TOKEN,
            "Your twofold code",
        ] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }

    #[test]
    fn classification() {
        let sms = Sms::new("+15005550006", "Your code is 123456");
        let scrubber = scrubber_for(&sms);
        let masked = "+*******0006";
        let created = br#"{"sid": "SM0123456789abcdef0123456789abcdef", "status": "queued", "num_segments": "1", "price": null}"#;
        match classify(StatusCode::CREATED, None, created, masked, &scrubber) {
            Attempt::Done(Ok(receipt)) => {
                assert_eq!(receipt.provider, "twilio");
                assert_eq!(
                    receipt.message_id.as_deref(),
                    Some("SM0123456789abcdef0123456789abcdef")
                );
                assert_eq!(receipt.status.as_deref(), Some("queued"));
                assert_eq!(receipt.failed_over_from, None);
            }
            _ => panic!("201 must succeed"),
        }
        match classify(
            StatusCode::CREATED,
            None,
            br#"{"sid": null}"#,
            masked,
            &scrubber,
        ) {
            Attempt::Done(Ok(receipt)) => assert_eq!(receipt.message_id, None),
            _ => panic!("nullable fields"),
        }
        assert!(matches!(
            classify(StatusCode::OK, None, b"<html>", masked, &scrubber),
            Attempt::Done(Err(ProviderError::Unavailable {
                http_status: Some(200),
                ..
            }))
        ));
        assert!(matches!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                Some(Duration::from_secs(1)),
                br#"{"code":20429,"message":"Too Many Requests","status":429}"#,
                masked,
                &scrubber
            ),
            Attempt::Retry {
                error: ProviderError::Rejected {
                    code: Some(20429),
                    ..
                },
                retry_after: Some(_)
            }
        ));
        assert!(matches!(
            classify(
                StatusCode::INTERNAL_SERVER_ERROR,
                None,
                b"oops",
                masked,
                &scrubber
            ),
            Attempt::Retry {
                error: ProviderError::Unavailable {
                    http_status: Some(500),
                    ..
                },
                ..
            }
        ));
        assert!(matches!(
            classify(
                StatusCode::BAD_REQUEST,
                None,
                br#"{"code":21610,"message":"unsubscribed","status":400}"#,
                masked,
                &scrubber
            ),
            Attempt::Done(Err(ProviderError::Rejected {
                code: Some(21610),
                ..
            }))
        ));
        assert!(matches!(
            classify(StatusCode::MOVED_PERMANENTLY, None, b"", masked, &scrubber),
            Attempt::Done(Err(ProviderError::Unavailable {
                http_status: Some(301),
                ..
            }))
        ));
    }

    #[test]
    fn body_limits() {
        assert!(validate_body("Your code is 123456").is_ok());
        assert!(validate_body(&"é".repeat(MAX_BODY_CHARS)).is_ok());
        assert!(validate_body(&"x".repeat(MAX_BODY_CHARS + 1)).is_err());
        assert!(validate_body("  ").is_err());
    }

    #[tokio::test]
    async fn send_refuses_a_bad_number_before_any_request() {
        let mut cfg = config();
        // Nothing listens on port 9: a request would fail differently.
        cfg.url = "http://127.0.0.1:9".to_owned();
        let provider = TwilioProvider::new(cfg).expect("valid");
        for to in ["4155551234", "+1 415 555 1234", ""] {
            let error = provider
                .send(&Sms::new(to, "code 123456"))
                .await
                .expect_err("bad number");
            assert!(
                matches!(error, ProviderError::Invalid { field: "to", .. }),
                "{error:?}"
            );
        }
        let error = provider
            .send(&Sms::new("+14155551234", ""))
            .await
            .expect_err("empty body");
        assert!(matches!(
            error,
            ProviderError::Invalid { field: "body", .. }
        ));
    }

    /// Twilio's published request-validation example (twilio-php's docs): token `12345`, this URL and these
    /// parameters sign to `RSOYDt4T1cUTdK1PDd93/VVr8B8=`. Recomputed independently from the definition
    /// (Python `hmac`/`hashlib` and `openssl dgst -sha1 -hmac`) over the string
    /// `https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212`.
    #[test]
    fn signature_matches_twilios_published_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = pairs(&[
            ("To", "+18005551212"),
            ("Digits", "1234"),
            ("CallSid", "CA1234567890ABCDE"),
            ("From", "+14158675309"),
            ("Caller", "+14158675309"),
        ]);
        assert!(validate_signature(
            "12345",
            url,
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!validate_signature(
            "12346",
            url,
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!validate_signature(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=3",
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        ));
        assert!(!validate_signature(
            "12345",
            url,
            &params,
            "RSOYDt4T1cUTdK1PDd93/VVr8B8"
        ));
        assert!(!validate_signature("12345", url, &params, ""));
    }

    /// A vector built for this crate: a status callback with an empty parameter, a lower-case name
    /// (`apiVersion` sorts after `To` in byte order) and an encoded query. The signed string is the
    /// concatenation of `https://login.example.org/twilio/status?tenant=a%20b`,
    /// `AccountSidAC0123456789abcdef0123456789abcdef`, `ErrorCode`,
    /// `MessageSidSM0123456789abcdef0123456789abcdef`, `MessageStatusdelivered`, `To+15005550006` and
    /// `apiVersion2010-04-01`, signed with HMAC-SHA1 and the key `f00dfeedf00dfeedf00dfeedf00dfeed`. The
    /// expected value was computed with `openssl dgst -sha1 -hmac … -binary | base64` and Python's `hmac`.
    #[test]
    fn signature_sorts_names_case_sensitively() {
        let url = "https://login.example.org/twilio/status?tenant=a%20b";
        let params = pairs(&[
            ("MessageStatus", "delivered"),
            ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
            ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("To", "+15005550006"),
            ("apiVersion", "2010-04-01"),
            ("ErrorCode", ""),
        ]);
        assert!(validate_signature(
            TOKEN,
            url,
            &params,
            "QiyjuxYASqZTXTFhViaY0WQNU7g="
        ));
        let mut tampered = params.clone();
        tampered[0].1 = "failed".to_owned();
        assert!(!validate_signature(
            TOKEN,
            url,
            &tampered,
            "QiyjuxYASqZTXTFhViaY0WQNU7g="
        ));
        let mut missing = params;
        missing.pop();
        assert!(!validate_signature(
            TOKEN,
            url,
            &missing,
            "QiyjuxYASqZTXTFhViaY0WQNU7g="
        ));
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }
}
