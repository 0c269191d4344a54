//! Failover with real providers: Twilio (stand-in or unreachable) as primary, the console outbox as
//! fallback. Transient failures fail over and say so; rejections do not.

use std::sync::Arc;

use providers::console::{ConsoleProvider, read_outbox};
use providers::failover::FailoverProvider;
use providers::twilio::TwilioProvider;
use providers::{ProviderError, Sms, SmsProvider};
use tests::twilio_standin::{Failure, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TwilioStandin};

use super::{closed_port_url, twilio_config};

fn failover(twilio_url: &str, outbox: &std::path::Path) -> FailoverProvider {
    let primary = TwilioProvider::new(twilio_config(twilio_url)).expect("valid config");
    FailoverProvider::new(Arc::new(primary), Arc::new(ConsoleProvider::new(outbox)))
}

fn sms(to: &str) -> Sms {
    Sms::new(to, "Your code is 482913")
}

#[tokio::test]
async fn an_unreachable_primary_fails_over_to_the_fallback() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = dir.path().join("outbox.jsonl");
    let provider = failover(&closed_port_url(), &outbox);
    assert_eq!(provider.kind(), "failover");

    let receipt = provider
        .send(&sms("+14155551234"))
        .await
        .expect("fell back");
    assert_eq!(receipt.provider, "console");
    let (from, error_text) = receipt.failed_over_from.expect("failover is reported");
    assert_eq!(from, "twilio");
    assert!(error_text.contains("could not connect"), "{error_text}");
    assert_eq!(read_outbox(&outbox).expect("outbox").len(), 1);
}

#[tokio::test]
async fn server_errors_after_retries_fail_over() {
    let standin = TwilioStandin::start(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN).await;
    for _ in 0..3 {
        standin.fail_next(Failure::ServerError);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = dir.path().join("outbox.jsonl");
    let receipt = failover(&standin.url, &outbox)
        .send(&sms("+14155551234"))
        .await
        .expect("fell back");
    assert_eq!(receipt.provider, "console");
    let (_, error_text) = receipt.failed_over_from.expect("failover is reported");
    assert!(error_text.contains("HTTP 500"), "{error_text}");
    assert_eq!(
        standin.requests().len(),
        3,
        "the primary spent its retries first"
    );
    assert_eq!(read_outbox(&outbox).expect("outbox").len(), 1);
}

#[tokio::test]
async fn the_primary_is_used_when_it_works() {
    let standin = TwilioStandin::start(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = dir.path().join("outbox.jsonl");
    let receipt = failover(&standin.url, &outbox)
        .send(&sms("+14155551234"))
        .await
        .expect("sent");
    assert_eq!(receipt.provider, "twilio");
    assert_eq!(receipt.failed_over_from, None);
    assert_eq!(read_outbox(&outbox).expect("outbox"), Vec::new());
}

#[tokio::test]
async fn rejections_do_not_fail_over() {
    let standin = TwilioStandin::start(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let outbox = dir.path().join("outbox.jsonl");
    let provider = failover(&standin.url, &outbox);

    // A bad number (magic 21211) would be just as bad through the fallback.
    let error = provider
        .send(&sms("+15005550001"))
        .await
        .expect_err("rejected");
    assert_eq!(error.code(), Some(21211));

    // Bad credentials are a configuration error the fallback must not hide.
    let mut cfg = twilio_config(&standin.url);
    cfg.auth_token = "ffffffffffffffffffffffffffffffff".into();
    let primary = TwilioProvider::new(cfg).expect("valid config");
    let provider =
        FailoverProvider::new(Arc::new(primary), Arc::new(ConsoleProvider::new(&outbox)));
    let error = provider
        .send(&sms("+14155551234"))
        .await
        .expect_err("rejected");
    assert!(
        matches!(
            error,
            ProviderError::Rejected {
                code: Some(20003),
                ..
            }
        ),
        "{error:?}"
    );

    assert_eq!(read_outbox(&outbox).expect("outbox"), Vec::new());
}
