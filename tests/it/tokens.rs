//! `/api/jwt/*` and `/api/logout`.

use reqwest::Method;
use serde_json::json;
use tests::harness::TestDaemon;

async fn logged_in() -> (TestDaemon, serde_json::Value) {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    daemon
        .create_user("link@example.com", "operator three", &app, None)
        .await;
    let body = daemon
        .login("link@example.com", "operator three", Some(&app))
        .await
        .expect(200);
    (daemon, body)
}

#[tokio::test]
async fn validate_accepts_live_tokens_and_refuses_expired_ones() {
    let (daemon, body) = logged_in().await;
    let token = body["token"].as_str().unwrap();
    let reply = daemon
        .http
        .get(format!("{}/api/jwt/validate", daemon.url))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);
    let claims: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(claims["jwt"]["sub"], body["user"]["id"]);

    let missing = daemon
        .anonymous(Method::GET, "/api/jwt/validate", None)
        .await;
    missing.assert_empty(401);
    let forged = daemon
        .request(
            Method::GET,
            "/api/jwt/validate",
            Some(&format!("Bearer {token}x")),
            None,
        )
        .await;
    forged.assert_empty(401);
    daemon.advance(std::time::Duration::from_secs(3601));
    daemon
        .request(
            Method::GET,
            "/api/jwt/validate",
            Some(&format!("Bearer {token}")),
            None,
        )
        .await
        .assert_empty(401);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_work_once() {
    let (daemon, body) = logged_in().await;
    let first = body["refreshToken"].as_str().unwrap().to_owned();
    let refreshed = daemon
        .post("/api/jwt/refresh", json!({"refreshToken": first}))
        .await
        .expect(200);
    let second = refreshed["refreshToken"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let c = tests::harness::claims(refreshed["token"].as_str().unwrap());
    assert_eq!(c["authenticationType"], json!("REFRESH_TOKEN"));
    assert_eq!(c["amr"], json!(["pwd"]));
    let reused = daemon
        .post("/api/jwt/refresh", json!({"refreshToken": first}))
        .await;
    assert_eq!(reused.status, 400);
    assert_eq!(
        reused.field_error("refreshToken").as_deref(),
        Some("[invalid]refreshToken")
    );
    daemon
        .post("/api/jwt/refresh", json!({"refreshToken": second}))
        .await
        .expect(200);
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let (daemon, body) = logged_in().await;
    let refresh = body["refreshToken"].as_str().unwrap().to_owned();
    daemon
        .post("/api/logout", json!({"refreshToken": refresh}))
        .await
        .assert_empty(200);
    assert_eq!(
        daemon
            .post("/api/jwt/refresh", json!({"refreshToken": refresh}))
            .await
            .status,
        400
    );
    // The clients' query-parameter form.
    let again = daemon
        .http
        .post(format!(
            "{}/api/logout?global=true&refreshToken=undefined",
            daemon.url
        ))
        .header("Content-Type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
}

#[tokio::test]
async fn public_keys_are_published() {
    let (daemon, body) = logged_in().await;
    let kid = jsonwebtoken::decode_header(body["token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();
    let all = daemon
        .anonymous(Method::GET, "/api/jwt/public-key", None)
        .await
        .expect(200);
    assert!(
        all["publicKeys"][&kid]
            .as_str()
            .unwrap()
            .contains("BEGIN PUBLIC KEY")
    );
    let one = daemon
        .anonymous(Method::GET, &format!("/api/jwt/public-key?kid={kid}"), None)
        .await
        .expect(200);
    assert!(one["publicKey"].as_str().is_some());
    daemon
        .anonymous(Method::GET, "/api/jwt/public-key?kid=nope", None)
        .await
        .assert_empty(404);
}
