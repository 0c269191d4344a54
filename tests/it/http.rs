//! HTTP behaviour: limits, malformed input, methods, CORS, request ids.

use reqwest::Method;
use serde_json::json;
use tests::harness::{API_KEY, TestDaemon};

#[tokio::test]
async fn bodies_over_the_cap_get_413() {
    let daemon = TestDaemon::start().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let reply = daemon
        .http
        .post(format!("{}/api/login", daemon.url))
        .header("Content-Type", "application/json")
        .body(format!("{{\"loginId\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 413);
    daemon
        .anonymous(Method::GET, "/api/status", None)
        .await
        .expect(200);
}

#[tokio::test]
async fn malformed_json_is_400_and_the_daemon_keeps_serving() {
    let daemon = TestDaemon::start().await;
    let samples = [
        "{",
        "[]",
        "null",
        "\"x\"",
        "{\"loginId\": 5}",
        "{\"password\": [1,2]}",
        "{\"loginId\":\"a\",}",
        "\u{0}\u{1}",
        "{\"applicationId\": {}}",
        "{\"noJWT\": \"yes\"}",
    ];
    for i in 0..200 {
        let body = samples[i % samples.len()].repeat(1 + i / samples.len() % 3);
        let reply = daemon
            .http
            .post(format!("{}/api/login", daemon.url))
            .header("Content-Type", "application/json")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 400, "{body:?}");
        let errors: serde_json::Value = reply.json().await.expect("400 is always JSON");
        assert!(errors["generalErrors"].is_array() && errors["fieldErrors"].is_object());
    }
    daemon
        .anonymous(Method::GET, "/api/status", None)
        .await
        .expect(200);
}

#[tokio::test]
async fn unknown_paths_404_and_wrong_methods_405() {
    let daemon = TestDaemon::start().await;
    daemon
        .anonymous(Method::GET, "/api/nope", None)
        .await
        .assert_empty(404);
    daemon
        .anonymous(Method::GET, "/", None)
        .await
        .assert_empty(404);
    daemon
        .anonymous(Method::GET, "/api/login", None)
        .await
        .assert_empty(405);
    daemon
        .request(Method::DELETE, "/api/status", Some(API_KEY), None)
        .await
        .assert_empty(405);
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let daemon = TestDaemon::start_with(|c| {
        c.server.cors_allowed_origins = vec!["https://app.example.com".to_owned()]
    })
    .await;
    let preflight = daemon
        .http
        .request(Method::OPTIONS, format!("{}/api/login", daemon.url))
        .header("Origin", "https://app.example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    assert_eq!(
        preflight.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    assert!(
        preflight.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("Authorization")
    );
    let other = daemon
        .http
        .get(format!("{}/api/status", daemon.url))
        .header("Origin", "https://evil.example.com")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let daemon = TestDaemon::start().await;
    let given = daemon
        .http
        .get(format!("{}/api/status", daemon.url))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "abc-123");
    let made = daemon.anonymous(Method::GET, "/api/status", None).await;
    assert_eq!(made.headers["x-request-id"].len(), 32);
    let _ = json!({});
}
