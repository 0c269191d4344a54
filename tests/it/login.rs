//! `POST /api/login`: every status it can answer, and the token it hands out.

use jsonwebtoken::{Algorithm, Validation};
use reqwest::Method;
use serde_json::json;
use tests::harness::{API_KEY, TestDaemon, claims};

async fn setup() -> (TestDaemon, String) {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("Seed").await;
    (daemon, app)
}

#[tokio::test]
async fn a_good_password_gets_200_and_a_token_that_verifies_against_the_jwks() {
    let (daemon, app) = setup().await;
    let reply = daemon
        .admin(
            Method::POST,
            "/api/user/registration",
            Some(json!({"user": {"email": "neo@example.com", "username": "Neo", "password": "followthewhiterabbit"},
                        "registration": {"applicationId": app, "roles": ["admin"]}})),
        )
        .await;
    let user_id = reply.expect(200)["user"]["id"].as_str().unwrap().to_owned();

    let login = daemon
        .login("NEO@example.com", "followthewhiterabbit", Some(&app))
        .await;
    let body = login.expect(200);
    assert!(
        login
            .content_type()
            .unwrap()
            .starts_with("application/json")
    );
    let token = body["token"].as_str().unwrap();
    assert!(body["refreshToken"].as_str().is_some_and(|r| r.len() >= 40));
    assert!(body["tokenExpirationInstant"].as_i64().unwrap() > 1_600_000_000_000);
    assert_eq!(body["user"]["id"], json!(user_id));
    assert!(body["user"].get("password").is_none());
    assert!(body["user"]["lastLoginInstant"].as_i64().is_some());

    // Verify with nothing but the published JWKS, as a resource server would.
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&[app.as_str()]);
    validation.set_issuer(&["twofold"]);
    let c = daemon.verify_with_jwks(token, &validation).await;
    assert_eq!(c["sub"], json!(user_id));
    assert_eq!(c["aud"], json!(app));
    assert_eq!(c["applicationId"], json!(app));
    assert_eq!(c["roles"], json!(["admin"]));
    assert_eq!(c["email"], json!("neo@example.com"));
    assert_eq!(c["email_verified"], json!(true));
    assert_eq!(c["preferred_username"], json!("Neo"));
    assert_eq!(c["authenticationType"], json!("PASSWORD"));
    assert_eq!(c["amr"], json!(["pwd"]));
    assert_eq!(c["tid"].as_str().map(str::len), Some(36));
    assert!(c["jti"].as_str().is_some_and(|j| !j.is_empty()));
    assert!(c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());
    assert!(c["auth_time"].as_i64().is_some());
    assert_eq!(c["sid"], body["refreshTokenId"]);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_are_the_same_404() {
    let (daemon, app) = setup().await;
    daemon
        .create_user("trinity@example.com", "correct horse battery", &app, None)
        .await;
    daemon
        .login("trinity@example.com", "wrong password", Some(&app))
        .await
        .assert_empty(404);
    daemon
        .login("nobody@example.com", "wrong password", Some(&app))
        .await
        .assert_empty(404);
    daemon
        .login("nobody@example.com", "correct horse battery", None)
        .await
        .assert_empty(404);
}

#[tokio::test]
async fn blank_fields_are_400_with_fusionauth_codes() {
    let (daemon, _) = setup().await;
    let reply = daemon
        .post("/api/login", json!({"loginId": "", "password": "x"}))
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.field_error("loginId").as_deref(),
        Some("[blank]loginId")
    );
    let reply = daemon
        .post("/api/login", json!({"loginId": "a@b.co"}))
        .await;
    assert_eq!(
        reply.field_error("password").as_deref(),
        Some("[blank]password")
    );
    let reply = daemon
        .post(
            "/api/login",
            json!({"loginId": "a@b.co", "password": "x", "applicationId": "nope"}),
        )
        .await;
    assert_eq!(
        reply.field_error("applicationId").as_deref(),
        Some("[couldNotConvert]applicationId")
    );
    let reply = daemon
        .post(
            "/api/login",
            json!({"loginId": "a@b.co", "password": "x", "applicationId": uuid::Uuid::new_v4()}),
        )
        .await;
    assert_eq!(
        reply.field_error("applicationId").as_deref(),
        Some("[invalid]applicationId")
    );
}

#[tokio::test]
async fn a_user_not_registered_for_the_application_gets_202_without_a_refresh_token() {
    let (daemon, app) = setup().await;
    let other = daemon.create_application("Other").await;
    daemon
        .create_user("morpheus@example.com", "nebuchadnezzar", &app, None)
        .await;
    let reply = daemon
        .login("morpheus@example.com", "nebuchadnezzar", Some(&other))
        .await;
    let body = reply.expect(202);
    assert!(body.get("refreshToken").is_none());
    let c = claims(body["token"].as_str().unwrap());
    assert!(c.get("applicationId").is_none());
    assert!(c.get("roles").is_none());
    // Without an application id there are no app claims, no refresh token, and 200.
    let body = daemon
        .login("morpheus@example.com", "nebuchadnezzar", None)
        .await
        .expect(200);
    assert!(body.get("refreshToken").is_none());
}

#[tokio::test]
async fn a_deactivated_user_gets_423_only_after_the_password_matched() {
    let (daemon, app) = setup().await;
    let id = daemon
        .create_user("cypher@example.com", "steak is good", &app, None)
        .await;
    daemon
        .admin(Method::DELETE, &format!("/api/user/{id}"), None)
        .await
        .assert_empty(200);
    daemon
        .login("cypher@example.com", "steak is good", Some(&app))
        .await
        .assert_empty(423);
    daemon
        .login("cypher@example.com", "steak is bad!", Some(&app))
        .await
        .assert_empty(404);
    // Reactivated, the user logs in again.
    daemon
        .admin(
            Method::PUT,
            &format!("/api/user/{id}?reactivate=true"),
            None,
        )
        .await
        .expect(200);
    daemon
        .login("cypher@example.com", "steak is good", Some(&app))
        .await
        .expect(200);
}

#[tokio::test]
async fn an_expired_user_gets_410() {
    let (daemon, app) = setup().await;
    let id = daemon
        .create_user("apoc@example.com", "unplugged!!", &app, None)
        .await;
    let past = daemon.clock.as_ref().now_millis() - 1000;
    daemon
        .admin(
            Method::PATCH,
            &format!("/api/user/{id}"),
            Some(json!({"user": {"expiry": past}})),
        )
        .await
        .expect(200);
    daemon
        .login("apoc@example.com", "unplugged!!", Some(&app))
        .await
        .assert_empty(410);
}

#[tokio::test]
async fn an_application_may_require_an_api_key() {
    let (daemon, _) = setup().await;
    let reply = daemon
        .admin(
            Method::POST,
            "/api/application",
            Some(json!({"application": {"name": "Locked", "loginConfiguration": {"requireAuthentication": true}}})),
        )
        .await;
    let app = reply.expect(200)["application"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    daemon
        .create_user("switch@example.com", "white clothes", &app, None)
        .await;
    let body =
        json!({"loginId": "switch@example.com", "password": "white clothes", "applicationId": app});
    daemon
        .post("/api/login", body.clone())
        .await
        .assert_empty(401);
    daemon
        .request(
            Method::POST,
            "/api/login",
            Some("not-a-key"),
            Some(body.clone()),
        )
        .await
        .assert_empty(401);
    daemon
        .request(Method::POST, "/api/login", Some(API_KEY), Some(body))
        .await
        .expect(200);
}

#[tokio::test]
async fn no_jwt_skips_the_tokens() {
    let (daemon, app) = setup().await;
    daemon
        .create_user("dozer@example.com", "operator one", &app, None)
        .await;
    let body = daemon
        .post("/api/login", json!({"loginId": "dozer@example.com", "password": "operator one", "applicationId": app, "noJWT": true}))
        .await
        .expect(200);
    assert!(body.get("token").is_none());
    assert!(body.get("refreshToken").is_none());
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_until_the_lock_expires() {
    let (daemon, app) = setup().await;
    daemon
        .create_user("mouse@example.com", "the lady in red", &app, None)
        .await;
    for _ in 0..5 {
        daemon
            .login("mouse@example.com", "not the password", Some(&app))
            .await
            .assert_empty(404);
    }
    let reply = daemon
        .login("mouse@example.com", "the lady in red", Some(&app))
        .await;
    let body = reply.expect(409);
    let action = &body["actions"][0];
    assert_eq!(action["reasonCode"], json!("too_many_attempts"));
    assert!(action["expiry"].as_i64().unwrap() > daemon.clock.now_millis());
    // A right password while locked does not restart the lock.
    daemon.advance(std::time::Duration::from_secs(181));
    daemon
        .login("mouse@example.com", "the lady in red", Some(&app))
        .await
        .expect(200);
}

trait NowMillis {
    fn now_millis(&self) -> i64;
}

impl NowMillis for daemon::clock::ManualClock {
    fn now_millis(&self) -> i64 {
        use daemon::clock::Clock;
        self.now().millis()
    }
}
