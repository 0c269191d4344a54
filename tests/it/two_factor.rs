//! The seed's flow: password → 242 → SMS code → 200, and every way it can go wrong.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{API_KEY, TestDaemon, claims};

const PHONE: &str = "+12025550143";

async fn setup() -> (TestDaemon, String, String) {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("Seed").await;
    let user = daemon
        .create_user("alice@example.com", "correct horse", &app, Some(PHONE))
        .await;
    (daemon, app, user)
}

async fn start_login(daemon: &TestDaemon, app: &str) -> Value {
    let reply = daemon
        .login("alice@example.com", "correct horse", Some(app))
        .await;
    assert_eq!(
        reply.status,
        242,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.json()
}

#[tokio::test]
async fn the_seed_flow_password_then_sms_code_then_token() {
    let (daemon, app, user) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let two_factor_id = challenge["twoFactorId"].as_str().unwrap();
    assert!(two_factor_id.len() >= 22, "≥ 128 bits");
    let methods = challenge["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 1);
    assert_eq!(methods[0]["method"], json!("sms"));
    assert_eq!(methods[0]["mobilePhone"], json!("+1******0143"));
    assert_eq!(methods[0]["codeSent"], json!(true));
    assert!(challenge.get("user").is_none());

    let outbox = daemon.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0].to, PHONE);
    let code = daemon.last_code_to(PHONE);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    daemon
        .two_factor_login(two_factor_id, wrong)
        .await
        .assert_empty(421);

    let done = daemon
        .two_factor_login(two_factor_id, &code)
        .await
        .expect(200);
    let c = claims(done["token"].as_str().unwrap());
    assert_eq!(c["sub"], json!(user));
    assert_eq!(c["amr"], json!(["pwd", "sms", "mfa"]));
    assert!(done["refreshToken"].is_string());

    daemon
        .two_factor_login(two_factor_id, &code)
        .await
        .assert_empty(404);
}

#[tokio::test]
async fn five_wrong_codes_kill_the_challenge() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let id = challenge["twoFactorId"].as_str().unwrap();
    assert_eq!(challenge["codeAttemptsRemaining"], json!(5));
    let code = daemon.last_code_to(PHONE);
    let wrong = if code == "999999" { "888888" } else { "999999" };
    for _ in 0..5 {
        daemon.two_factor_login(id, wrong).await.assert_empty(421);
    }
    daemon.two_factor_login(id, &code).await.assert_empty(404);
}

#[tokio::test]
async fn an_expired_challenge_is_404() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let code = daemon.last_code_to(PHONE);
    daemon.advance(Duration::from_secs(301));
    daemon
        .two_factor_login(challenge["twoFactorId"].as_str().unwrap(), &code)
        .await
        .assert_empty(404);
    daemon
        .two_factor_login("not-a-real-id", "123456")
        .await
        .assert_empty(404);
    let blank = daemon
        .post("/api/two-factor/login", json!({"twoFactorId": "x"}))
        .await;
    assert_eq!(blank.field_error("code").as_deref(), Some("[blank]code"));
}

#[tokio::test]
async fn resend_repeats_the_live_code_with_a_cooldown_and_a_cap() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let id = challenge["twoFactorId"].as_str().unwrap();
    let method_id = challenge["methods"][0]["id"].as_str().unwrap();
    let first = daemon.last_code_to(PHONE);
    let send_path = format!("/api/two-factor/send/{id}");
    let send = |body: Value| daemon.post(&send_path, body);

    // Inside 30 s: 200, nothing sent.
    send(json!({"methodId": method_id})).await.assert_empty(200);
    assert_eq!(daemon.outbox().len(), 1);

    daemon.advance(Duration::from_secs(31));
    send(json!({"methodId": method_id})).await.assert_empty(200);
    assert_eq!(daemon.outbox().len(), 2);
    assert_eq!(
        daemon.last_code_to(PHONE),
        first,
        "one live code per challenge"
    );

    daemon.advance(Duration::from_secs(31));
    send(json!({"methodId": method_id})).await.assert_empty(200);
    daemon.advance(Duration::from_secs(31));
    let capped = send(json!({"methodId": method_id})).await;
    assert_eq!(capped.status, 400);
    assert_eq!(capped.general_error().as_deref(), Some("[TooManySends]"));
    assert_eq!(daemon.outbox().len(), 3);

    let unknown_method = send(json!({"methodId": "ZZZZ"})).await;
    assert_eq!(
        unknown_method.field_error("methodId").as_deref(),
        Some("[invalid]methodId")
    );
    daemon
        .post("/api/two-factor/send/nope", json!({"methodId": method_id}))
        .await
        .assert_empty(404);
    daemon.two_factor_login(id, &first).await.expect(200);
}

#[tokio::test]
async fn an_expired_code_is_replaced_on_resend() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let id = challenge["twoFactorId"].as_str().unwrap();
    let method_id = challenge["methods"][0]["id"].as_str().unwrap();
    let first = daemon.last_code_to(PHONE);
    // Codes live five minutes, challenges too: shorten the code to see it replaced.
    daemon.advance(Duration::from_secs(299));
    daemon
        .post(
            &format!("/api/two-factor/send/{id}"),
            json!({"methodId": method_id}),
        )
        .await
        .assert_empty(200);
    daemon.advance(Duration::from_secs(2));
    // The challenge itself has now expired.
    daemon.two_factor_login(id, &first).await.assert_empty(404);
}

#[tokio::test]
async fn two_concurrent_correct_codes_give_exactly_one_200() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let id = challenge["twoFactorId"].as_str().unwrap().to_owned();
    let code = daemon.last_code_to(PHONE);
    let (a, b) = tokio::join!(
        daemon.two_factor_login(&id, &code),
        daemon.two_factor_login(&id, &code)
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 404]);
}

#[tokio::test]
async fn recovery_codes_complete_a_login_once() {
    let daemon = TestDaemon::start().await;
    let app = daemon.create_application("Seed").await;
    let user = daemon
        .create_user("bob@example.com", "battery staple", &app, None)
        .await;
    // Enrol through the API: send a code to the new number, confirm it.
    daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": user, "method": "sms", "mobilePhone": "(202) 555-0178"})),
        )
        .await;
    let sent = daemon
        .admin(
            Method::POST,
            "/api/two-factor/send",
            Some(json!({"userId": user, "method": "sms", "mobilePhone": "+1 202 555 0178"})),
        )
        .await;
    let _ = sent;
    let code = daemon.last_code_to("+12025550178");
    let enabled = daemon
        .admin(
            Method::POST,
            &format!("/api/user/two-factor/{user}"),
            Some(json!({"method": "sms", "mobilePhone": "+12025550178", "code": code})),
        )
        .await
        .expect(200);
    let codes: Vec<String> = enabled["recoveryCodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);

    let challenge = daemon
        .login("bob@example.com", "battery staple", Some(&app))
        .await
        .expect(242);
    let id = challenge["twoFactorId"].as_str().unwrap();
    let done = daemon
        .two_factor_login(id, &codes[3].to_lowercase())
        .await
        .expect(200);
    assert_eq!(
        claims(done["token"].as_str().unwrap())["amr"],
        json!(["pwd", "kba", "mfa"])
    );

    daemon.advance(Duration::from_secs(31));
    let again = daemon
        .login("bob@example.com", "battery staple", Some(&app))
        .await
        .expect(242);
    daemon
        .two_factor_login(again["twoFactorId"].as_str().unwrap(), &codes[3])
        .await
        .assert_empty(421);
    daemon
        .two_factor_login(again["twoFactorId"].as_str().unwrap(), &codes[4])
        .await
        .expect(200);
}

#[tokio::test]
async fn a_trusted_device_skips_the_challenge_until_the_password_changes() {
    let (daemon, app, user) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let code = daemon.last_code_to(PHONE);
    let done = daemon
        .post(
            "/api/two-factor/login",
            json!({"twoFactorId": challenge["twoFactorId"], "code": code, "trustComputer": true}),
        )
        .await
        .expect(200);
    let trust = done["twoFactorTrustId"].as_str().unwrap().to_owned();

    let login = |trust: &str| {
        daemon.post(
            "/api/login",
            json!({"loginId": "alice@example.com", "password": "correct horse", "applicationId": app, "twoFactorTrustId": trust}),
        )
    };
    daemon.advance(Duration::from_secs(31));
    login(&trust).await.expect(200);
    let status = daemon
        .request(
            Method::GET,
            &format!("/api/two-factor/status/{trust}?userId={user}"),
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status.status, 200);
    let status = daemon
        .request(
            Method::GET,
            &format!("/api/two-factor/status/nope?userId={user}"),
            Some(API_KEY),
            None,
        )
        .await;
    assert_eq!(status.status, 242);

    daemon
        .admin(
            Method::PATCH,
            &format!("/api/user/{user}"),
            Some(json!({"user": {"password": "a new horse"}})),
        )
        .await
        .expect(200);
    let after = daemon
        .post("/api/login", json!({"loginId": "alice@example.com", "password": "a new horse", "applicationId": app, "twoFactorTrustId": trust}))
        .await;
    assert_eq!(after.status, 242, "a password change ends the trust");
}

#[tokio::test]
async fn a_refused_automatic_send_still_answers_242() {
    let (daemon, app, _) = setup().await;
    start_login(&daemon, &app).await;
    // A second login inside 30 s may not text the same phone again.
    let second = start_login(&daemon, &app).await;
    assert_eq!(second["methods"][0]["codeSent"], json!(false));
    assert_eq!(
        second["methods"][0]["codeSentReason"],
        json!("[RateLimited]")
    );
    assert_eq!(daemon.outbox().len(), 1);
    // The user can ask again once the gap has passed.
    daemon.advance(Duration::from_secs(31));
    let id = second["twoFactorId"].as_str().unwrap();
    let method = second["methods"][0]["id"].as_str().unwrap();
    daemon
        .post(
            &format!("/api/two-factor/send/{id}"),
            json!({"methodId": method}),
        )
        .await
        .assert_empty(200);
    let code = daemon.last_code_to(PHONE);
    daemon.two_factor_login(id, &code).await.expect(200);
}

#[tokio::test]
async fn wrong_codes_count_toward_the_account_lockout() {
    let (daemon, app, _) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let id = challenge["twoFactorId"].as_str().unwrap();
    let code = daemon.last_code_to(PHONE);
    let wrong = if code == "123123" { "321321" } else { "123123" };
    for _ in 0..5 {
        daemon.two_factor_login(id, wrong).await.assert_empty(421);
    }
    // The challenge is dead (404) and the lock shows on the next login.
    daemon.two_factor_login(id, &code).await.assert_empty(404);
    let locked = daemon
        .login("alice@example.com", "correct horse", Some(&app))
        .await;
    assert_eq!(locked.status, 409);
}

#[tokio::test]
async fn the_audit_log_records_the_flow_without_secrets() {
    let (daemon, app, user) = setup().await;
    let challenge = start_login(&daemon, &app).await;
    let code = daemon.last_code_to(PHONE);
    daemon
        .two_factor_login(challenge["twoFactorId"].as_str().unwrap(), &code)
        .await
        .expect(200);
    let log = daemon
        .admin(
            Method::GET,
            &format!("/api/system/audit-log/search?userId={user}"),
            None,
        )
        .await
        .expect(200);
    let text = log.to_string();
    let events: Vec<&str> = log["auditLogs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    for expected in [
        "two-factor.challenged",
        "two-factor.code-sent",
        "two-factor.succeeded",
    ] {
        assert!(events.contains(&expected), "{events:?}");
    }
    assert!(!text.contains(&code), "no codes in the audit log");
    assert!(
        !text.contains(PHONE),
        "no full phone numbers in the audit log"
    );
    assert!(!text.contains(challenge["twoFactorId"].as_str().unwrap()));
}
