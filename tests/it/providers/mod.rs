//! Tests of the SMS providers against Twilio stand-ins (strict in-process stand-in and Prism).
//!
//! - `twilio`: `TwilioProvider` against `tests::twilio_standin` (success, every error code, retries, timeouts);
//! - `console`: the outbox line format and concurrent sends;
//! - `generic`: the generic webhook against a tiny in-test receiver;
//! - `failover`: failing over on transient errors only, with real providers;
//! - `prism`: our requests against Twilio's published OpenAPI spec, served by Stoplight Prism.

mod console;
mod failover;
mod generic;
mod prism;
mod twilio;

use std::time::Duration;

use providers::RetryPolicy;
use providers::twilio::TwilioConfig;
use tests::twilio_standin::{TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_FROM};

/// A Twilio configuration for the stand-in at `url`: test credentials, Twilio's test sender, and tiny
/// backoffs so retries cost milliseconds.
fn twilio_config(url: &str) -> TwilioConfig {
    let mut cfg = TwilioConfig::new(TEST_ACCOUNT_SID, TEST_AUTH_TOKEN);
    cfg.url = url.to_owned();
    cfg.from_phone_number = Some(TEST_FROM.to_owned());
    cfg.connect_timeout = Duration::from_secs(2);
    cfg.request_timeout = Duration::from_secs(5);
    cfg.retry = fast_retries();
    cfg
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_retries: 2,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(20),
    }
}

/// A URL on which nothing listens: a port bound then released.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("bound address");
    drop(listener);
    format!("http://{addr}")
}
