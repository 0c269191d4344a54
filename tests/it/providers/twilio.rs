//! `TwilioProvider` against the strict in-process stand-in: the request Twilio would see, every error code
//! mapped to the right `ProviderError` and hint, and the retry rules (5xx and 429 retried, other 4xx and
//! timeouts not).

use std::time::{Duration, Instant};

use providers::twilio::TwilioProvider;
use providers::{ProviderError, RetryPolicy, Sms, SmsProvider};
use tests::twilio_standin::{Failure, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM, TwilioStandin};

use super::{closed_port_url, twilio_config};

const TO: &str = "+14155551234";
const BODY: &str = "Your twofold code is 482913";

fn sms() -> Sms {
    Sms::new(TO, BODY)
}

async fn standin() -> TwilioStandin {
    TwilioStandin::start(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN).await
}

fn provider_for(standin: &TwilioStandin) -> TwilioProvider {
    TwilioProvider::new(twilio_config(&standin.url)).expect("valid config")
}

/// Asserts nothing secret or complete leaks into the error's texts.
#[track_caller]
fn assert_no_leak(error: &ProviderError, to: &str) {
    let texts = format!("{error} | {error:?} | {}", error.hint());
    for secret in [to, &to[1..], BODY, "482913", TEST_AUTH_TOKEN] {
        assert!(!texts.contains(secret), "{secret:?} leaked: {texts}");
    }
}

#[tokio::test]
async fn sends_one_well_formed_post_and_returns_the_sid() {
    let standin = standin().await;
    let receipt = provider_for(&standin).send(&sms()).await.expect("sent");

    assert_eq!(receipt.provider, "twilio");
    let sid = receipt.message_id.expect("a sid");
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    assert_eq!(receipt.status.as_deref(), Some("queued"));
    assert_eq!(receipt.failed_over_from, None);

    let requests = standin.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{TEST_ACCOUNT_SID}/Messages.json")
    );
    assert_eq!(request.basic_user.as_deref(), Some(TEST_ACCOUNT_SID));
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(request.status, Some(201));
    let names: Vec<&str> = request.form.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["To", "From", "Body"]);
    assert_eq!(request.param("To"), Some(TO));
    assert_eq!(request.param("From"), Some(TEST_FROM));
    assert_eq!(request.param("Body"), Some(BODY));
    assert_eq!(standin.messages().len(), 1);
}

#[tokio::test]
async fn sends_through_a_messaging_service_with_a_status_callback() {
    let standin = standin().await;
    let mut cfg = twilio_config(&standin.url);
    cfg.from_phone_number = None;
    cfg.messaging_service_sid = Some("MG0123456789abcdef0123456789abcdef".to_owned());
    cfg.status_callback = Some("https://login.example.org/twilio/status".to_owned());
    let receipt = TwilioProvider::new(cfg)
        .expect("valid config")
        .send(&sms())
        .await
        .expect("sent");
    assert_eq!(receipt.status.as_deref(), Some("accepted"));

    let request = &standin.requests()[0];
    assert_eq!(request.param("From"), None);
    assert_eq!(
        request.param("MessagingServiceSid"),
        Some("MG0123456789abcdef0123456789abcdef")
    );
    assert_eq!(
        request.param("StatusCallback"),
        Some("https://login.example.org/twilio/status")
    );
}

#[tokio::test]
async fn a_body_with_form_special_characters_arrives_intact() {
    let standin = standin().await;
    let body = "Code: 482913 & more = 100% + émoji 👍\nline two";
    provider_for(&standin)
        .send(&Sms::new(TO, body))
        .await
        .expect("sent");
    assert_eq!(standin.requests()[0].param("Body"), Some(body));
}

/// How a rejection must come out: status, code kept, a hint naming the fix, no retry, nothing leaked.
struct Rejection {
    http_status: u16,
    code: u32,
    hint_contains: &'static str,
}

async fn check_rejection(
    setup: impl FnOnce(&TwilioStandin),
    sms: Sms,
    from: &str,
    want: Rejection,
) {
    let standin = standin().await;
    setup(&standin);
    let mut cfg = twilio_config(&standin.url);
    cfg.from_phone_number = Some(from.to_owned());
    let provider = TwilioProvider::new(cfg).expect("valid config");
    let error = provider.send(&sms).await.expect_err("rejected");

    let ProviderError::Rejected {
        http_status,
        code,
        to_masked,
        more_info,
        ..
    } = &error
    else {
        panic!("expected Rejected, got {error:?}");
    };
    assert_eq!(*http_status, want.http_status, "{error:?}");
    assert_eq!(*code, Some(want.code), "{error:?}");
    assert_eq!(error.code(), Some(want.code));
    assert_eq!(
        more_info.as_deref(),
        Some(format!("https://www.twilio.com/docs/errors/{}", want.code).as_str())
    );
    assert_eq!(
        to_masked.as_deref(),
        Some(providers::mask_phone(&sms.to).as_str())
    );
    assert!(!error.is_transient(), "{error:?}");
    let hint = error.hint();
    assert!(
        hint.contains(want.hint_contains),
        "hint for {} lacks {:?}: {hint}",
        want.code,
        want.hint_contains
    );
    assert_eq!(standin.requests().len(), 1, "a 4xx must not be retried");
    assert_no_leak(&error, &sms.to);
}

fn reject(http_status: u16, code: u32, hint_contains: &'static str) -> Rejection {
    Rejection {
        http_status,
        code,
        hint_contains,
    }
}

#[tokio::test]
async fn scripted_rejections_keep_twilios_code_and_explain_the_fix() {
    let cases = [
        (Failure::InvalidNumber, reject(400, 21211, "+*******1234")),
        (
            Failure::NotMobile,
            reject(400, 21614, "not a mobile number"),
        ),
        (
            Failure::RegionNotEnabled,
            reject(400, 21408, "Geo permissions"),
        ),
        (Failure::Unsubscribed, reject(400, 21610, "START")),
        (Failure::CannotRoute, reject(400, 21612, "cannot route")),
    ];
    for (failure, want) in cases {
        check_rejection(|standin| standin.fail_next(failure), sms(), TEST_FROM, want).await;
    }
}

#[tokio::test]
async fn magic_test_numbers_give_twilios_errors() {
    let to_cases = [
        ("+15005550001", reject(400, 21211, "+*******0001")),
        ("+15005550002", reject(400, 21612, "cannot route")),
        ("+15005550003", reject(400, 21408, "Geo permissions")),
        ("+15005550004", reject(400, 21610, "STOP")),
        ("+15005550009", reject(400, 21614, "not a mobile number")),
    ];
    for (to, want) in to_cases {
        check_rejection(|_| {}, Sms::new(to, BODY), TEST_FROM, want).await;
    }
    let from_cases = [
        ("+15005550001", reject(400, 21212, "From number")),
        ("+15005550007", reject(400, 21606, "From number")),
        ("+15005550008", reject(400, 21611, "queue is full")),
    ];
    for (from, want) in from_cases {
        check_rejection(|_| {}, sms(), from, want).await;
    }
}

#[tokio::test]
async fn wrong_credentials_give_20003_and_a_credentials_hint() {
    let standin = standin().await;
    let mut cfg = twilio_config(&standin.url);
    cfg.auth_token = "ffffffffffffffffffffffffffffffff".into();
    let error = TwilioProvider::new(cfg)
        .expect("valid config")
        .send(&sms())
        .await
        .expect_err("bad credentials");
    assert!(
        matches!(
            error,
            ProviderError::Rejected {
                http_status: 401,
                code: Some(20003),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.hint().contains("credentials"), "{}", error.hint());
    assert!(
        !error
            .to_string()
            .contains("ffffffffffffffffffffffffffffffff")
    );
    assert!(!error.is_transient());
    let requests = standin.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, Some(401));
}

#[tokio::test]
async fn another_accounts_sid_is_refused_by_the_standin() {
    let standin = standin().await;
    let mut cfg = twilio_config(&standin.url);
    cfg.account_sid = "AC11111111111111111111111111111111".to_owned();
    let error = TwilioProvider::new(cfg)
        .expect("valid config")
        .send(&sms())
        .await
        .expect_err("wrong account");
    assert_eq!(error.code(), Some(20003));
}

#[tokio::test]
async fn a_server_error_is_retried_then_succeeds() {
    let standin = standin().await;
    standin.fail_next(Failure::ServerError);
    let receipt = provider_for(&standin)
        .send(&sms())
        .await
        .expect("sent on retry");
    assert!(receipt.message_id.is_some());
    let statuses: Vec<Option<u16>> = standin.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(500), Some(201)]);
}

#[tokio::test]
async fn persistent_server_errors_end_as_unavailable_after_the_retries() {
    let standin = standin().await;
    for _ in 0..3 {
        standin.fail_next(Failure::ServerError);
    }
    let error = provider_for(&standin).send(&sms()).await.expect_err("down");
    assert!(
        matches!(
            error,
            ProviderError::Unavailable {
                http_status: Some(500),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(error.to_string().contains("20500"), "{error}");
    assert_eq!(standin.requests().len(), 3, "1 attempt + max_retries (2)");
    assert_eq!(standin.messages().len(), 0);
}

#[tokio::test]
async fn max_retries_zero_means_a_single_attempt() {
    let standin = standin().await;
    standin.fail_next(Failure::ServerError);
    let mut cfg = twilio_config(&standin.url);
    cfg.retry = RetryPolicy::none();
    let error = TwilioProvider::new(cfg)
        .expect("valid")
        .send(&sms())
        .await
        .expect_err("no retry");
    assert!(error.is_transient());
    assert_eq!(standin.requests().len(), 1);
}

#[tokio::test]
async fn rate_limiting_is_retried_honouring_retry_after_capped_by_max_backoff() {
    let standin = standin().await;
    standin.fail_next(Failure::RateLimited {
        retry_after_secs: Some(1),
    });
    let mut cfg = twilio_config(&standin.url);
    // Retry-After: 1 s is capped to 150 ms; without Retry-After the first backoff would be 1 ms.
    cfg.retry = RetryPolicy {
        max_retries: 2,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(150),
    };
    let started = Instant::now();
    let receipt = TwilioProvider::new(cfg)
        .expect("valid")
        .send(&sms())
        .await
        .expect("sent after the rate limit");
    let elapsed = started.elapsed();
    assert!(receipt.message_id.is_some());
    assert!(
        elapsed >= Duration::from_millis(150),
        "Retry-After was not honoured: {elapsed:?}"
    );
    let statuses: Vec<Option<u16>> = standin.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(429), Some(201)]);
}

#[tokio::test]
async fn persistent_rate_limiting_ends_as_a_20429_rejection() {
    let standin = standin().await;
    for _ in 0..3 {
        standin.fail_next(Failure::RateLimited {
            retry_after_secs: None,
        });
    }
    let error = provider_for(&standin)
        .send(&sms())
        .await
        .expect_err("limited");
    assert!(
        matches!(
            error,
            ProviderError::Rejected {
                http_status: 429,
                code: Some(20429),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.hint().contains("rate limiting"), "{}", error.hint());
    assert_eq!(standin.requests().len(), 3);
}

#[tokio::test]
async fn a_400_is_never_retried() {
    let standin = standin().await;
    standin.fail_next(Failure::InvalidNumber);
    let error = provider_for(&standin).send(&sms()).await.expect_err("400");
    assert_eq!(error.code(), Some(21211));
    assert_eq!(standin.requests().len(), 1);
    // The next message goes through: the failure was used up by one request.
    provider_for(&standin).send(&sms()).await.expect("sent");
}

#[tokio::test]
async fn no_answer_times_out_as_unavailable_without_a_retry() {
    let standin = standin().await;
    standin.fail_next(Failure::NoAnswer);
    let mut cfg = twilio_config(&standin.url);
    cfg.request_timeout = Duration::from_millis(300);
    let error = TwilioProvider::new(cfg)
        .expect("valid")
        .send(&sms())
        .await
        .expect_err("timed out");
    assert!(
        matches!(
            error,
            ProviderError::Unavailable {
                http_status: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert!(
        error.to_string().contains("no answer within 300 ms"),
        "{error}"
    );
    // The request was written, so Twilio may have acted on it: a retry could send the code twice.
    let requests = standin.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].status, None);
}

#[tokio::test]
async fn an_unreachable_url_is_unavailable_after_the_retries() {
    let mut cfg = twilio_config(&closed_port_url());
    cfg.retry = super::fast_retries();
    let error = TwilioProvider::new(cfg)
        .expect("valid")
        .send(&sms())
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(
            error,
            ProviderError::Unavailable {
                http_status: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("could not connect"), "{error}");
    assert!(
        error.hint().contains("could not be reached"),
        "{}",
        error.hint()
    );
}

#[tokio::test]
async fn non_json_error_bodies_give_useful_errors() {
    let standin = standin().await;
    standin.fail_next(Failure::NonJson { status: 403 });
    let error = provider_for(&standin).send(&sms()).await.expect_err("403");
    let ProviderError::Rejected {
        http_status: 403,
        code: None,
        message,
        ..
    } = &error
    else {
        panic!("expected Rejected 403, got {error:?}");
    };
    assert!(message.contains("HTTP 403"), "{message}");
    assert!(message.contains("<html>"), "{message}");
    assert!(message.chars().count() <= 260, "{message}");

    for _ in 0..3 {
        standin.fail_next(Failure::NonJson { status: 502 });
    }
    let error = provider_for(&standin).send(&sms()).await.expect_err("502");
    assert!(
        matches!(
            error,
            ProviderError::Unavailable {
                http_status: Some(502),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("Bad Gateway"), "{error}");
}

#[tokio::test]
async fn an_invalid_destination_never_reaches_twilio() {
    let standin = standin().await;
    let provider = provider_for(&standin);
    for to in ["4155551234", "+1 (415) 555-1234", "+04155551234", ""] {
        let error = provider
            .send(&Sms::new(to, BODY))
            .await
            .expect_err("invalid");
        assert!(
            matches!(error, ProviderError::Invalid { field: "to", .. }),
            "{error:?}"
        );
    }
    assert_eq!(standin.requests(), Vec::new());
}
