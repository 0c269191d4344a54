//! SMS providers for twofold: the object-safe [`SmsProvider`] interface the daemon picks at run time,
//! and its implementations.
//!
//! # Layout
//!
//! - this file: the trait, [`Sms`], [`Receipt`], [`ProviderError`] (with [`ProviderError::hint`]) and
//!   [`Secret`];
//! - [`validate`]: the shape checks shared with the daemon and mirrored by the TUI (Account SID, Messaging
//!   Service SID, E.164) and [`mask_phone`];
//! - [`retry`]: [`RetryPolicy`], the bounded retry loop used by the HTTP providers;
//! - [`twilio`]: Twilio's `Messages.json` API, and `X-Twilio-Signature` checking;
//! - [`console`]: the offline default, which appends each message to an outbox file and never delivers it;
//! - [`generic`]: FusionAuth's "Generic" messenger, a JSON webhook;
//! - [`failover`]: a primary provider with a fallback used only on transient failures.
//!
//! # What this crate does not do
//!
//! It does not generate or check codes, render message templates, rate-limit users or store anything but the
//! console outbox. It never logs an auth token or a message body, and it logs phone numbers only masked.

use std::fmt;

pub mod console;
pub mod failover;
pub mod generic;
mod http;
mod redact;
pub mod retry;
pub mod twilio;
pub mod validate;

pub use retry::RetryPolicy;
pub use validate::{
    mask_phone, validate_account_sid, validate_e164_shape, validate_messaging_service_sid,
};

/// A way to send an SMS, chosen at run time (hence `dyn` and `async_trait`).
#[async_trait::async_trait]
pub trait SmsProvider: Send + Sync + fmt::Debug {
    /// Short name for logs and metrics: "twilio", "console", "generic", "failover".
    fn kind(&self) -> &'static str;

    /// Sends one message. Implementations validate `sms` first and answer [`ProviderError::Invalid`]
    /// without any request when it cannot be sent.
    async fn send(&self, sms: &Sms) -> Result<Receipt, ProviderError>;
}

/// One text message to send.
///
/// `Debug` never shows the body (it holds a code) and shows the number masked.
#[derive(Clone, PartialEq, Eq)]
pub struct Sms {
    /// The destination in E.164 (`+` then 2 to 15 digits, the first not 0).
    pub to: String,
    /// The text, which usually carries a one-time code.
    pub body: String,
}

impl Sms {
    pub fn new(to: impl Into<String>, body: impl Into<String>) -> Self {
        Sms {
            to: to.into(),
            body: body.into(),
        }
    }
}

impl fmt::Debug for Sms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sms")
            .field("to", &mask_phone(&self.to))
            .field(
                "body",
                &format_args!("<redacted, {} chars>", self.body.chars().count()),
            )
            .finish()
    }
}

/// What a provider reports after accepting a message. Acceptance is not delivery: Twilio reports delivery
/// later, through the Message resource or a status callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The [`SmsProvider::kind`] of the provider that accepted the message (for a failover, the one that
    /// really delivered it, never "failover").
    pub provider: &'static str,
    /// The provider's id for the message (Twilio's `SM…` sid, the console's `console-…`), if it gave one.
    pub message_id: Option<String>,
    /// The provider's status word (Twilio: `queued`, `accepted`, …), if it gave one.
    pub status: Option<String>,
    /// Set by [`failover::FailoverProvider`] when the primary failed transiently and the fallback sent the
    /// message: the primary's kind and its error text (already free of secrets and full numbers).
    pub failed_over_from: Option<(&'static str, String)>,
}

impl Receipt {
    /// A receipt from `provider` with no id, no status and no failover.
    pub fn new(provider: &'static str) -> Self {
        Receipt {
            provider,
            message_id: None,
            status: None,
            failed_over_from: None,
        }
    }
}

/// Why a message was not sent.
///
/// `Display` never contains an auth token, a message body or a full destination number: texts that come
/// from a provider are scrubbed before they are stored here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// Refused before any request: the configuration or the message has the wrong shape.
    /// `field` uses FusionAuth's messenger field names where there is one (`accountSID`, `fromPhoneNumber`,
    /// `messagingServiceSid`, `url`, …), else `to` or `body`.
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },

    /// The provider answered with a 4xx status. Retrying the same request will not help (apart from 429,
    /// which is only returned here once the retries are spent).
    #[error("{}", rejected_text(*http_status, *code, message))]
    Rejected {
        http_status: u16,
        /// Twilio's error code (e.g. 21211), kept as Twilio sent it.
        code: Option<u32>,
        /// The provider's message, scrubbed (numbers masked, body and token removed).
        message: String,
        /// Twilio's link to the error's documentation.
        more_info: Option<String>,
        /// The destination number, masked (`+*******4567`), so a hint can name it.
        to_masked: Option<String>,
    },

    /// The provider could not be reached, timed out, or answered 5xx (or something unexpected), after the
    /// bounded retries. The message may or may not have been sent when a request timed out after it was
    /// written.
    #[error("{}", unavailable_text(*http_status, message))]
    Unavailable {
        http_status: Option<u16>,
        message: String,
    },

    /// The console outbox could not be written.
    #[error("console outbox: {0}")]
    Io(String),
}

fn rejected_text(http_status: u16, code: Option<u32>, message: &str) -> String {
    match code {
        Some(code) => {
            format!("rejected by the SMS provider (HTTP {http_status}, code {code}): {message}")
        }
        None => format!("rejected by the SMS provider (HTTP {http_status}): {message}"),
    }
}

fn unavailable_text(http_status: Option<u16>, message: &str) -> String {
    match http_status {
        Some(status) => format!("SMS provider unavailable (HTTP {status}): {message}"),
        None => format!("SMS provider unavailable: {message}"),
    }
}

impl ProviderError {
    /// The provider's error code (Twilio's `code`), when it gave one.
    pub fn code(&self) -> Option<u32> {
        match self {
            ProviderError::Rejected { code, .. } => *code,
            _ => None,
        }
    }

    /// True only for [`ProviderError::Unavailable`]: another provider might succeed. A 4xx (a bad number, an
    /// opted-out recipient, bad credentials) would fail the same way or is a configuration error, so
    /// failover must not hide it.
    pub fn is_transient(&self) -> bool {
        matches!(self, ProviderError::Unavailable { .. })
    }

    /// Plain-language advice on what to fix, for an administrator. Keyed on Twilio's error code, then on the
    /// HTTP status.
    pub fn hint(&self) -> String {
        match self {
            ProviderError::Invalid { field, message } => {
                format!("Fix the `{field}` setting or value: {message}.")
            }
            ProviderError::Io(_) => "The console provider could not write its outbox file: check that the \
                 outbox path is writable by the daemon and that the disk is not full."
                .to_owned(),
            ProviderError::Unavailable { http_status, .. } => match http_status {
                Some(status) if *status >= 500 => format!(
                    "The SMS provider failed (HTTP {status}) even after retries: it may be having an \
                     outage; check its status page and try again later, or configure a fallback provider."
                ),
                _ => "The SMS provider could not be reached in time: check its URL, DNS, the firewall \
                      and outbound network access of the daemon, or configure a fallback provider."
                    .to_owned(),
            },
            ProviderError::Rejected {
                http_status,
                code,
                more_info,
                to_masked,
                ..
            } => {
                let number = to_masked.as_deref().unwrap_or("the destination number");
                let text = match code {
                    Some(20003) => "Twilio refused the credentials: check the Account SID and Auth Token \
                         (copy them again from the Twilio console, without stray spaces; test credentials \
                         only work with Twilio's test numbers)."
                        .to_owned(),
                    Some(21211) => format!(
                        "Twilio says {number} is not a valid phone number: check the user's mobile \
                         number (E.164, for example +14155550123)."
                    ),
                    Some(21408) => format!(
                        "This Twilio account may not send SMS to the country of {number}: enable that \
                         country under Messaging > Settings > Geo permissions in the Twilio console."
                    ),
                    Some(21610) => format!(
                        "The recipient {number} replied STOP to this sender, so Twilio blocks messages \
                         to them: they must text START to the sender number to receive messages again."
                    ),
                    Some(21614) => format!(
                        "{number} is not a mobile number (a landline or a number that cannot receive \
                         SMS): ask the user for a mobile number."
                    ),
                    Some(21606 | 21212) => "The From number is not valid, not owned by this Twilio \
                         account, or not SMS-capable: check fromPhoneNumber, or use a Messaging Service \
                         SID instead."
                        .to_owned(),
                    Some(21612) => format!(
                        "Twilio cannot route a message from this sender to {number}: check that the From \
                         number or Messaging Service can send to that destination (country, carrier, \
                         number type)."
                    ),
                    Some(21611) => "The sender's SMS queue is full: retry later, slow down, or add \
                         numbers to a Messaging Service."
                        .to_owned(),
                    Some(20429) => "Twilio is rate limiting this account: retry later and lower the \
                         sending rate."
                        .to_owned(),
                    None if *http_status == 401 || *http_status == 403 => "The SMS provider refused \
                         the credentials: check the username and password (or token) configured for it."
                        .to_owned(),
                    _ if *http_status == 429 => "The SMS provider is rate limiting requests: retry \
                         later and lower the sending rate."
                        .to_owned(),
                    Some(code) => format!(
                        "The SMS provider refused the message (HTTP {http_status}, code {code}): look the \
                         code up in the provider's documentation and fix the configuration or the number."
                    ),
                    None => format!(
                        "The SMS provider refused the message (HTTP {http_status}): check its URL, \
                         credentials and the receiver's logs."
                    ),
                };
                match more_info {
                    Some(link) if !link.is_empty() => format!("{text} More: {link}"),
                    _ => text,
                }
            }
        }
    }
}

/// A secret string (an auth token, a password). `Debug` and `Display` print `***`; the value is only
/// reachable through [`Secret::expose`], so it cannot slip into a log by accident. Equality is constant-time.
#[derive(Clone, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Call it only where the value is needed (an `Authorization` header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for Secret {}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_debug_masks_number_and_hides_body() {
        let sms = Sms::new("+14155551234", "Your code is 482913");
        let text = format!("{sms:?}");
        assert!(!text.contains("482913"), "{text}");
        assert!(!text.contains("Your code"), "{text}");
        assert!(!text.contains("+14155551234"), "{text}");
        assert!(!text.contains("4155"), "{text}");
        assert!(text.contains("1234"), "{text}");
        assert_eq!(
            text,
            r#"Sms { to: "+*******1234", body: <redacted, 19 chars> }"#
        );
    }

    #[test]
    fn secret_debug_and_display_redact() {
        let secret = Secret::new("0123456789abcdef0123456789abcdef");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert_eq!(secret.expose(), "0123456789abcdef0123456789abcdef");
        assert_eq!(secret, Secret::from("0123456789abcdef0123456789abcdef"));
        assert_ne!(secret, Secret::from("0123456789abcdef0123456789abcdeX"));
        assert_ne!(secret, Secret::from(""));
    }

    #[test]
    fn secret_deserializes_from_a_plain_string() {
        let secret: Secret = serde_json::from_str(r#""tok""#).expect("a JSON string");
        assert_eq!(secret.expose(), "tok");
    }

    fn rejected(http_status: u16, code: Option<u32>) -> ProviderError {
        ProviderError::Rejected {
            http_status,
            code,
            message: "m".to_owned(),
            more_info: None,
            to_masked: Some("+*******0001".to_owned()),
        }
    }

    #[test]
    fn only_unavailable_is_transient() {
        let unavailable = ProviderError::Unavailable {
            http_status: Some(503),
            message: "down".to_owned(),
        };
        assert!(unavailable.is_transient());
        assert!(!rejected(400, Some(21211)).is_transient());
        assert!(!rejected(429, Some(20429)).is_transient());
        assert!(
            !ProviderError::Invalid {
                field: "to",
                message: "x".to_owned()
            }
            .is_transient()
        );
        assert!(!ProviderError::Io("disk full".to_owned()).is_transient());
    }

    #[test]
    fn code_is_kept_only_for_rejections() {
        assert_eq!(rejected(400, Some(21610)).code(), Some(21610));
        assert_eq!(rejected(400, None).code(), None);
        let unavailable = ProviderError::Unavailable {
            http_status: None,
            message: "x".to_owned(),
        };
        assert_eq!(unavailable.code(), None);
    }

    #[test]
    fn hints_name_what_to_fix() {
        let check = |code: u32, status: u16, needle: &str| {
            let hint = rejected(status, Some(code)).hint();
            assert!(
                hint.contains(needle),
                "hint for {code} lacks {needle:?}: {hint}"
            );
        };
        check(20003, 401, "credentials");
        check(20003, 401, "Account SID and Auth Token");
        check(21211, 400, "+*******0001");
        check(21211, 400, "not a valid phone number");
        check(21408, 400, "Geo permissions");
        check(21610, 400, "STOP");
        check(21610, 400, "START");
        check(21614, 400, "not a mobile number");
        check(21606, 400, "From number");
        check(21212, 400, "From number");
        check(21612, 400, "cannot route");
        check(21611, 400, "queue is full");
        check(20429, 429, "rate limiting");
        let plain_429 = rejected(429, None).hint();
        assert!(plain_429.contains("rate limiting"), "{plain_429}");
        let other = rejected(400, Some(12345)).hint();
        assert!(other.contains("12345"), "{other}");
        let unavailable = ProviderError::Unavailable {
            http_status: None,
            message: "connection refused".to_owned(),
        };
        assert!(unavailable.hint().contains("could not be reached"));
        let invalid = ProviderError::Invalid {
            field: "accountSID",
            message: "must start with AC".to_owned(),
        };
        assert!(invalid.hint().contains("accountSID"));
    }

    #[test]
    fn hint_appends_more_info_link() {
        let error = ProviderError::Rejected {
            http_status: 400,
            code: Some(21211),
            message: "m".to_owned(),
            more_info: Some("https://www.twilio.com/docs/errors/21211".to_owned()),
            to_masked: None,
        };
        let hint = error.hint();
        assert!(
            hint.ends_with("More: https://www.twilio.com/docs/errors/21211"),
            "{hint}"
        );
        assert!(hint.contains("the destination number"), "{hint}");
    }

    #[test]
    fn display_texts() {
        assert_eq!(
            rejected(400, Some(21211)).to_string(),
            "rejected by the SMS provider (HTTP 400, code 21211): m"
        );
        assert_eq!(
            ProviderError::Unavailable {
                http_status: None,
                message: "timed out".to_owned()
            }
            .to_string(),
            "SMS provider unavailable: timed out"
        );
        assert_eq!(
            ProviderError::Invalid {
                field: "to",
                message: "must be E.164".to_owned()
            }
            .to_string(),
            "invalid to: must be E.164"
        );
    }
}
