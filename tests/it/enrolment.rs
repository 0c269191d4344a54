//! Adding and removing two-factor methods with codes, and the limits on sending them.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use tests::harness::TestDaemon;

async fn user(daemon: &TestDaemon) -> String {
    let app = daemon.create_application("App").await;
    daemon
        .create_user("enrol@example.com", "long password", &app, None)
        .await
}

#[tokio::test]
async fn enable_needs_the_code_sent_to_the_number() {
    let daemon = TestDaemon::start().await;
    let id = user(&daemon).await;
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "method": "sms", "mobilePhone": "+12025550199"})),
        )
        .await
        .assert_empty(200);
    let code = daemon.last_code_to("+12025550199");
    let wrong = if code == "000001" { "000002" } else { "000001" };
    let enable_path = format!("/api/user/two-factor/{id}");
    let enable = |code: &str| {
        daemon.admin(
            Method::POST,
            &enable_path,
            Some(json!({"method": "sms", "mobilePhone": "+12025550199", "code": code})),
        )
    };
    enable(wrong).await.assert_empty(421);
    let first = enable(&code).await.expect(200);
    assert_eq!(first["recoveryCodes"].as_array().map(Vec::len), Some(10));
    // The code is single use.
    enable(&code).await.assert_empty(421);

    // A second method gives no new recovery codes.
    daemon.advance(Duration::from_secs(31));
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "method": "sms", "mobilePhone": "+12025550198"})),
        )
        .await
        .assert_empty(200);
    let code = daemon.last_code_to("+12025550198");
    daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/{id}"),
            Some(json!({"method": "sms", "mobilePhone": "+12025550198", "code": code})),
        )
        .await
        .assert_empty(200);
    let user = daemon
        .admin(Method::GET, &format!("/api/user/{id}"), None)
        .await
        .expect(200);
    assert_eq!(
        user["user"]["twoFactor"]["methods"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn disable_with_a_sent_code_or_a_recovery_code() {
    let daemon = TestDaemon::start().await;
    let id = user(&daemon).await;
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "method": "sms", "mobilePhone": "+12025550111"})),
        )
        .await
        .assert_empty(200);
    let code = daemon.last_code_to("+12025550111");
    let codes = daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/{id}"),
            Some(json!({"method": "sms", "mobilePhone": "+12025550111", "code": code})),
        )
        .await
        .expect(200)["recoveryCodes"]
        .clone();
    let user = daemon
        .admin(Method::GET, &format!("/api/user/{id}"), None)
        .await
        .expect(200);
    let method_id = user["user"]["twoFactor"]["methods"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Disabling by a code sent for that purpose.
    daemon.advance(Duration::from_secs(31));
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "methodId": method_id})),
        )
        .await
        .assert_empty(200);
    let disable_code = daemon.last_code_to("+12025550111");
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/two-factor/{id}?methodId={method_id}&code=999999x"),
            None,
        )
        .await
        .assert_empty(421);
    daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/two-factor/{id}?methodId={method_id}&code={disable_code}"),
            None,
        )
        .await
        .assert_empty(200);
    let user = daemon
        .admin(Method::GET, &format!("/api/user/{id}"), None)
        .await
        .expect(200);
    assert_eq!(
        user["user"]["twoFactor"]["methods"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let old = codes[0].as_str().unwrap();
    let not_enabled = daemon
        .admin(
            Method::DELETE,
            &format!("/api/user/two-factor/{id}?code={old}"),
            None,
        )
        .await;
    assert_eq!(not_enabled.general_error().as_deref(), Some("[NotEnabled]"));
}

#[tokio::test]
async fn a_recovery_code_removes_every_method() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("App").await;
    let id = daemon
        .create_user(
            "two@example.com",
            "long password",
            &app,
            Some("+12025550122"),
        )
        .await;
    let codes = daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/recovery-code/{id}"),
            None,
        )
        .await
        .expect(200)["recoveryCodes"]
        .clone();
    let remaining = daemon
        .admin(
            Method::GET,
            &format!("/api/user/two-factor/recovery-code/{id}"),
            None,
        )
        .await
        .expect(200);
    assert_eq!(remaining["remaining"], json!(10));
    let code = codes[0].as_str().unwrap();
    daemon
        .admin(Method::DELETE, &format!("/api/user/two-factor/{id}"), None)
        .await
        .expect(400);
    daemon
        .request(
            Method::DELETE,
            &format!("/api/user/two-factor/{id}"),
            Some(tests::harness::API_KEY),
            Some(json!({"code": code})),
        )
        .await
        .assert_empty(200);
    // Without methods, the login is a plain 200.
    daemon
        .login("two@example.com", "long password", Some(&app))
        .await
        .expect(200);
}

#[tokio::test]
async fn numbers_outside_the_allow_list_are_refused() {
    let daemon = TestDaemon::start().await;
    let id = user(&daemon).await;
    let reply = daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "method": "sms", "mobilePhone": "+447400123456"})),
        )
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.field_error("mobilePhone").as_deref(),
        Some("[CountryNotAllowed]mobilePhone")
    );
    assert!(
        reply.json()["fieldErrors"]["mobilePhone"][0]["message"]
            .as_str()
            .unwrap()
            .contains("GB")
    );
    let bad = daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": id, "method": "sms", "mobilePhone": "hello"})),
        )
        .await;
    assert_eq!(
        bad.field_error("mobilePhone").as_deref(),
        Some("[invalid]mobilePhone")
    );
    assert!(daemon.outbox().is_empty());
}

#[tokio::test]
async fn quick_repeated_sends_to_one_number_are_rate_limited() {
    let daemon = TestDaemon::start().await;
    let id = user(&daemon).await;
    let mut limited = 0;
    for _ in 0..10 {
        let reply = daemon
            .admin(
                Method::POST,
                "/api/two-factor/send",
                Some(json!({"userId": id, "method": "sms", "mobilePhone": "+12025550133"})),
            )
            .await;
        match reply.status {
            200 => {}
            429 => {
                assert!(reply.headers.get("retry-after").is_some());
                limited += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    let sent = daemon.outbox().len();
    assert!(sent <= 5, "{sent} sent");
    assert_eq!(sent + limited, 10);
}
