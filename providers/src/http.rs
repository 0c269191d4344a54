//! HTTP plumbing shared by the Twilio and generic providers: client construction, URL checks, and turning
//! reqwest's transport errors into [`ProviderError`]s with a retry decision.
//!
//! It does not interpret response bodies; each provider knows its own wire format.

use std::time::Duration;

use crate::ProviderError;
use crate::retry::Attempt;

/// Parses and checks an `http` or `https` URL with a host and no credentials, query or fragment.
pub(crate) fn validate_http_url(
    field: &'static str,
    value: &str,
) -> Result<reqwest::Url, ProviderError> {
    let invalid = |message: &str| ProviderError::Invalid {
        field,
        message: message.to_owned(),
    };
    let url = reqwest::Url::parse(value.trim())
        .map_err(|_| invalid("is not a URL (expected http:// or https:// and a host)"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid("must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "must not contain credentials; use the username and password settings",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid("must not contain a #fragment"));
    }
    Ok(url)
}

/// Checks that a timeout is positive (reqwest treats zero as "time out at once").
pub(crate) fn validate_timeout(field: &'static str, value: Duration) -> Result<(), ProviderError> {
    if value.is_zero() {
        return Err(ProviderError::Invalid {
            field,
            message: "must be greater than zero".to_owned(),
        });
    }
    Ok(())
}

/// One client per provider: explicit timeouts, no redirects (a provider API that redirects a POST is a
/// misconfigured URL, and following it could resend credentials elsewhere).
pub(crate) fn build_client(
    connect_timeout: Duration,
    total_timeout: Duration,
    read_timeout: Option<Duration>,
) -> Result<reqwest::Client, ProviderError> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(total_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("twofold/", env!("CARGO_PKG_VERSION")));
    if let Some(read_timeout) = read_timeout {
        builder = builder.read_timeout(read_timeout);
    }
    builder.build().map_err(|error| ProviderError::Unavailable {
        http_status: None,
        message: format!("could not build the HTTP client: {}", describe(error)),
    })
}

/// A transport failure (no HTTP status) as an attempt outcome. Only failures to connect are retried: then the
/// request was never sent. A timeout or a broken connection after sending is final, because the provider may
/// already have sent the SMS and a retry could deliver it twice.
pub(crate) fn transport_failure<T>(error: reqwest::Error, total_timeout: Duration) -> Attempt<T> {
    if error.is_connect() {
        return Attempt::Retry {
            error: ProviderError::Unavailable {
                http_status: None,
                message: format!("could not connect: {}", describe(error)),
            },
            retry_after: None,
        };
    }
    let message = if error.is_timeout() {
        format!(
            "no answer within {} ms; the message may or may not have been sent",
            total_timeout.as_millis()
        )
    } else {
        format!(
            "request failed: {}; the message may or may not have been sent",
            describe(error)
        )
    };
    Attempt::Done(Err(ProviderError::Unavailable {
        http_status: None,
        message,
    }))
}

/// reqwest's error with its chain of causes, without the URL (it may carry a query-string secret).
pub(crate) fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(validate_http_url("url", "https://api.twilio.com").is_ok());
        assert!(validate_http_url("url", "http://127.0.0.1:4010/").is_ok());
        assert!(validate_http_url("url", "http://proxy.local/twilio?x=1").is_ok());
        for bad in [
            "",
            "api.twilio.com",
            "ftp://api.twilio.com",
            "https://",
            "https://user:pass@api.twilio.com",
            "https://api.twilio.com/#x",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(
                    validate_http_url("url", bad),
                    Err(ProviderError::Invalid { field: "url", .. })
                ),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn timeouts_must_be_positive() {
        assert!(validate_timeout("readTimeout", Duration::from_millis(1)).is_ok());
        assert!(validate_timeout("readTimeout", Duration::ZERO).is_err());
    }
}
