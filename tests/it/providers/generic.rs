//! The generic webhook provider against a tiny in-test hyper receiver: the JSON FusionAuth sends, Basic
//! auth and extra headers, 2xx receipts, 4xx rejections (not retried) and 5xx retries.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use providers::generic::{GenericConfig, GenericProvider};
use providers::{ProviderError, Secret, Sms, SmsProvider};
use tokio::task::JoinHandle;

use super::fast_retries;

/// What the receiver saw.
#[derive(Debug, Clone)]
struct Received {
    content_type: Option<String>,
    authorization: Option<String>,
    api_key: Option<String>,
    body: serde_json::Value,
}

#[derive(Default)]
struct ReceiverState {
    /// Scripted answers (status, body); when empty: 200 `{"id":"gen-1"}`.
    script: VecDeque<(u16, &'static str)>,
    received: Vec<Received>,
}

struct Receiver {
    url: String,
    state: Arc<Mutex<ReceiverState>>,
    server: JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Receiver {
    async fn start(script: &[(u16, &'static str)]) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(ReceiverState {
            script: script.iter().copied().collect(),
            received: Vec::new(),
        }));
        let server_state = Arc::clone(&state);
        let server = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&server_state);
                connections.spawn(async move {
                    let service =
                        service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                            let state = Arc::clone(&state);
                            async move {
                                let header = |name: &str| {
                                    request
                                        .headers()
                                        .get(name)
                                        .and_then(|v| v.to_str().ok())
                                        .map(str::to_owned)
                                };
                                let (content_type, authorization, api_key) = (
                                    header("content-type"),
                                    header("authorization"),
                                    header("x-api-key"),
                                );
                                let bytes = request
                                    .into_body()
                                    .collect()
                                    .await
                                    .map(|body| body.to_bytes())
                                    .unwrap_or_default();
                                let body = serde_json::from_slice(&bytes)
                                    .unwrap_or(serde_json::Value::Null);
                                let (status, answer) = {
                                    let mut state = state.lock().expect("lock");
                                    state.received.push(Received {
                                        content_type,
                                        authorization,
                                        api_key,
                                        body,
                                    });
                                    state
                                        .script
                                        .pop_front()
                                        .unwrap_or((200, r#"{"id":"gen-1"}"#))
                                };
                                let mut response = Response::new(Full::new(Bytes::from(answer)));
                                *response.status_mut() =
                                    StatusCode::from_u16(status).expect("a valid status");
                                Ok::<_, Infallible>(response)
                            }
                        });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Receiver { url, state, server }
    }

    fn received(&self) -> Vec<Received> {
        self.state.lock().expect("lock").received.clone()
    }
}

fn config(url: &str) -> GenericConfig {
    let mut cfg = GenericConfig::new(url);
    cfg.connect_timeout = Duration::from_secs(2);
    cfg.read_timeout = Duration::from_secs(5);
    cfg.retry = fast_retries();
    cfg
}

fn sms() -> Sms {
    Sms::new("+14155551234", "Two Factor Code: 482913")
}

#[tokio::test]
async fn posts_fusionauths_json_with_basic_auth_and_headers() {
    let receiver = Receiver::start(&[]).await;
    let mut cfg = config(&receiver.url);
    cfg.http_authentication_username = Some("fusion".to_owned());
    cfg.http_authentication_password = Some(Secret::new("s3cret-pass"));
    cfg.headers = vec![("X-Api-Key".to_owned(), "key-123456".to_owned())];
    let provider = GenericProvider::new(cfg).expect("valid");
    assert_eq!(provider.kind(), "generic");

    let receipt = provider.send(&sms()).await.expect("sent");
    assert_eq!(receipt.provider, "generic");
    assert_eq!(receipt.message_id.as_deref(), Some("gen-1"));

    let received = receiver.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert_eq!(
        request.body,
        serde_json::json!({
            "phoneNumber": "+14155551234",
            "textMessage": "Two Factor Code: 482913",
            "type": "SMS",
        })
    );
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    let expected_auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("fusion:s3cret-pass")
    );
    assert_eq!(
        request.authorization.as_deref(),
        Some(expected_auth.as_str())
    );
    assert_eq!(request.api_key.as_deref(), Some("key-123456"));
}

#[tokio::test]
async fn message_ids_come_from_id_or_message_id_and_are_optional() {
    let receiver = Receiver::start(&[(202, r#"{"messageId": "abc-9"}"#), (204, "")]).await;
    let provider = GenericProvider::new(config(&receiver.url)).expect("valid");
    let receipt = provider.send(&sms()).await.expect("sent");
    assert_eq!(receipt.message_id.as_deref(), Some("abc-9"));
    let receipt = provider.send(&sms()).await.expect("sent");
    assert_eq!(receipt.message_id, None);
}

#[tokio::test]
async fn a_4xx_is_a_rejection_and_not_retried() {
    // A careless receiver that echoes the request: the error must not carry the code or the number.
    let receiver = Receiver::start(&[(
        400,
        r#"bad request: {"phoneNumber":"+14155551234","textMessage":"Two Factor Code: 482913"}"#,
    )])
    .await;
    let provider = GenericProvider::new(config(&receiver.url)).expect("valid");
    let error = provider.send(&sms()).await.expect_err("rejected");
    let ProviderError::Rejected {
        http_status: 400,
        code: None,
        message,
        ..
    } = &error
    else {
        panic!("expected Rejected 400, got {error:?}");
    };
    assert!(message.contains("bad request"), "{message}");
    let texts = format!("{error} {error:?} {}", error.hint());
    for secret in ["+14155551234", "482913", "Two Factor Code"] {
        assert!(!texts.contains(secret), "{secret} leaked: {texts}");
    }
    assert!(!error.is_transient());
    assert_eq!(receiver.received().len(), 1);
}

#[tokio::test]
async fn a_5xx_is_retried_then_unavailable() {
    let receiver = Receiver::start(&[(503, "busy"), (200, r#"{"id": 7}"#)]).await;
    let provider = GenericProvider::new(config(&receiver.url)).expect("valid");
    let receipt = provider.send(&sms()).await.expect("sent on retry");
    assert_eq!(receipt.message_id.as_deref(), Some("7"));
    assert_eq!(receiver.received().len(), 2);

    let receiver = Receiver::start(&[(500, "a"), (502, "b"), (503, "c"), (200, "{}")]).await;
    let provider = GenericProvider::new(config(&receiver.url)).expect("valid");
    let error = provider.send(&sms()).await.expect_err("down");
    assert!(
        matches!(
            error,
            ProviderError::Unavailable {
                http_status: Some(503),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_transient());
    assert_eq!(receiver.received().len(), 3, "1 attempt + 2 retries");
}
