//! The authenticator-app method (RFC 6238) beside SMS: enrolment, login, replay protection,
//! and that a user who last used the app is not texted.

use daemon::clock::Clock;
use reqwest::Method;
use serde_json::json;
use tests::harness::TestDaemon;
use totp_rs::{Algorithm, Builder, Secret};

const PHONE: &str = "+12025550170";

/// What an authenticator app shows for `secret_base32` at the daemon's current time.
fn app_code(daemon: &TestDaemon, secret_base32: &str) -> String {
    let key = data_encoding::BASE32_NOPAD
        .decode(secret_base32.as_bytes())
        .unwrap();
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_secret(Secret::new(key.into_boxed_slice()))
        .build()
        .unwrap();
    totp.generate(daemon.clock.now().secs() as u64).to_string()
}

async fn enrolled() -> (TestDaemon, String, String, String) {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let user = daemon
        .create_user("totp@example.com", "long password", &app, Some(PHONE))
        .await;
    let secret = daemon
        .admin(Method::GET, "/api/two-factor/secret", None)
        .await
        .expect(200);
    assert_eq!(secret["secret"].as_str().unwrap().len(), 20);
    let b32 = secret["secretBase32Encoded"].as_str().unwrap().to_owned();
    let code = app_code(&daemon, &b32);
    daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/{user}"),
            Some(json!({"method": "authenticator", "secretBase32Encoded": b32, "code": code})),
        )
        .await
        .expect(200);
    (daemon, app, user, b32)
}

#[tokio::test]
async fn both_methods_app_code_login_replay_and_no_text_after_app_use() {
    let (daemon, app, _, b32) = enrolled().await;

    let challenge = daemon
        .login("totp@example.com", "long password", Some(&app))
        .await
        .expect(242);
    let methods = challenge["methods"].as_array().unwrap();
    let kinds: Vec<&str> = methods
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["sms", "authenticator"]);
    assert_eq!(
        methods[1]["authenticator"],
        json!({"algorithm": "HmacSHA1", "codeLength": 6, "timeStep": 30})
    );
    assert_eq!(
        daemon.outbox().len(),
        1,
        "SMS was the first method: its code went out"
    );

    // The code that enabled the app was used already.
    let id = challenge["twoFactorId"].as_str().unwrap();
    daemon
        .two_factor_login(id, &app_code(&daemon, &b32))
        .await
        .assert_empty(421);

    daemon.advance(std::time::Duration::from_secs(30));
    let code = app_code(&daemon, &b32);
    let done = daemon.two_factor_login(id, &code).await.expect(200);
    let claims = tests::harness::claims(done["token"].as_str().unwrap());
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));

    // The authenticator is now the last-used method: the next login texts nobody.
    daemon.advance(std::time::Duration::from_secs(5));
    let again = daemon
        .login("totp@example.com", "long password", Some(&app))
        .await
        .expect(242);
    assert_eq!(daemon.outbox().len(), 1);
    assert_eq!(again["methods"][1]["lastUsed"], json!(true));
    let id = again["twoFactorId"].as_str().unwrap();
    daemon.two_factor_login(id, &code).await.assert_empty(421);
    daemon.advance(std::time::Duration::from_secs(30));
    daemon
        .two_factor_login(id, &app_code(&daemon, &b32))
        .await
        .expect(200);
}

#[tokio::test]
async fn the_user_can_still_ask_for_an_sms() {
    let (daemon, app, user, b32) = enrolled().await;
    daemon.advance(std::time::Duration::from_secs(31));
    let first = daemon
        .login("totp@example.com", "long password", Some(&app))
        .await
        .expect(242);
    daemon.advance(std::time::Duration::from_secs(30));
    daemon
        .two_factor_login(
            first["twoFactorId"].as_str().unwrap(),
            &app_code(&daemon, &b32),
        )
        .await
        .expect(200);

    daemon.advance(std::time::Duration::from_secs(31));
    let challenge = daemon
        .login("totp@example.com", "long password", Some(&app))
        .await
        .expect(242);
    let before = daemon.outbox().len();
    let sms = challenge["methods"][0]["id"].as_str().unwrap();
    let id = challenge["twoFactorId"].as_str().unwrap();
    daemon
        .post(
            &format!("/api/two-factor/send/{id}"),
            json!({"methodId": sms}),
        )
        .await
        .assert_empty(200);
    assert_eq!(daemon.outbox().len(), before + 1);
    daemon
        .two_factor_login(id, &daemon.last_code_to(PHONE))
        .await
        .expect(200);
    // Asking for a text for the app method makes no sense.
    let app_method = challenge["methods"][1]["id"].as_str().unwrap();
    let reply = daemon
        .post(
            &format!("/api/two-factor/send/{id}"),
            json!({"methodId": app_method}),
        )
        .await;
    assert!(reply.status == 400 || reply.status == 404);
    let _ = user;
}

#[tokio::test]
async fn enrolment_checks_the_code_and_the_secret() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let user = daemon
        .create_user("new@example.com", "long password", &app, None)
        .await;
    let secret = daemon
        .admin(Method::GET, "/api/two-factor/secret", None)
        .await
        .expect(200);
    let plain = secret["secret"].as_str().unwrap().to_owned();
    let b32 = secret["secretBase32Encoded"].as_str().unwrap().to_owned();
    let enable_path = format!("/api/user/two-factor/{user}");
    let enable = |body: serde_json::Value| daemon.admin(Method::POST, &enable_path, Some(body));
    let wrong = if app_code(&daemon, &b32) == "000000" {
        "111111"
    } else {
        "000000"
    };
    enable(json!({"method": "authenticator", "secret": plain, "code": wrong}))
        .await
        .assert_empty(421);
    let short =
        enable(json!({"method": "authenticator", "secret": "short", "code": "123456"})).await;
    assert_eq!(
        short.field_error("secret").as_deref(),
        Some("[invalid]secret")
    );
    // The plain secret form gives the same key as its Base32 form (FusionAuth's convention).
    let first = enable(
        json!({"method": "authenticator", "secret": plain, "code": app_code(&daemon, &b32)}),
    )
    .await
    .expect(200);
    assert_eq!(
        first["recoveryCodes"].as_array().map(Vec::len),
        Some(10),
        "the first method brings recovery codes"
    );
    daemon
        .anonymous(Method::GET, "/api/two-factor/secret", None)
        .await
        .assert_empty(401);

    // Removing the app needs a fresh code from it.
    let stored = daemon
        .admin(Method::GET, &format!("/api/user/{user}"), None)
        .await
        .expect(200);
    let method_id = stored["user"]["twoFactor"]["methods"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    daemon.advance(std::time::Duration::from_secs(30));
    let code = app_code(&daemon, &b32);
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/two-factor/{user}?methodId={method_id}&code={code}"),
            None,
        )
        .await
        .assert_empty(200);
    daemon
        .login("new@example.com", "long password", Some(&app))
        .await
        .expect(200);
}
