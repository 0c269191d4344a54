//! Messengers, the tenant's SMS setting, "test configuration", and a 242 login that texts
//! through a Twilio-compatible server (the strict in-process stand-in).

use reqwest::Method;
use serde_json::{Value, json};
use tests::harness::{TestDaemon, extract_code};
use tests::twilio_standin::{Failure, TwilioStandin};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "stand-in-auth-token-0123456789";
const FROM: &str = "+15005550006";

fn twilio(url: &str, token: &str) -> Value {
    json!({"type": "Twilio", "name": "Twilio", "url": url, "accountSID": SID, "authToken": token, "fromPhoneNumber": FROM})
}

async fn tenant_id(daemon: &TestDaemon) -> String {
    let tenants = daemon
        .admin(Method::GET, "/api/tenant", None)
        .await
        .expect(200);
    tenants["tenants"][0]["id"].as_str().unwrap().to_owned()
}

async fn use_messenger(daemon: &TestDaemon, messenger_id: &str) {
    let tenant = tenant_id(daemon).await;
    daemon
        .admin(
            Method::PATCH,
            &format!("/api/tenant/{tenant}"),
            Some(json!({"tenant": {"multiFactorConfiguration": {"sms": {"enabled": true, "messengerId": messenger_id}}}})),
        )
        .await
        .expect(200);
}

#[tokio::test]
async fn a_fresh_install_uses_the_console_messenger() {
    let daemon = TestDaemon::start().await;
    let list = daemon
        .admin(Method::GET, "/api/messenger", None)
        .await
        .expect(200);
    assert_eq!(list["messengers"][0]["type"], json!("Console"));
    let tenants = daemon
        .admin(Method::GET, "/api/tenant", None)
        .await
        .expect(200);
    assert_eq!(
        tenants["tenants"][0]["multiFactorConfiguration"]["sms"]["messengerId"],
        list["messengers"][0]["id"]
    );
}

#[tokio::test]
async fn a_242_login_texts_the_code_through_twilio() {
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon = TestDaemon::start().await;
    let created = daemon
        .admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": twilio(&standin.url, TOKEN)})),
        )
        .await
        .expect(200);
    let messenger = created["messenger"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["messenger"]["authToken"], json!("********"));
    use_messenger(&daemon, &messenger).await;

    let app = daemon.create_application("App").await;
    daemon
        .create_user(
            "tw@example.com",
            "long password",
            &app,
            Some("+12025550160"),
        )
        .await;
    let challenge = daemon
        .login("tw@example.com", "long password", Some(&app))
        .await
        .expect(242);
    assert_eq!(challenge["methods"][0]["codeSent"], json!(true));

    let messages = standin.messages();
    assert_eq!(messages.len(), 1, "exactly one Messages.json POST");
    let sent = &messages[0];
    assert_eq!(
        sent.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(sent.basic_user.as_deref(), Some(SID));
    assert_eq!(sent.param("To"), Some("+12025550160"));
    assert_eq!(sent.param("From"), Some(FROM));
    let code = extract_code(sent.param("Body").unwrap());
    assert!(daemon.outbox().is_empty(), "nothing goes to the console");
    daemon
        .two_factor_login(challenge["twoFactorId"].as_str().unwrap(), &code)
        .await
        .expect(200);
}

#[tokio::test]
async fn the_token_is_stored_sealed_and_never_shown() {
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon = TestDaemon::start().await;
    let created = daemon
        .admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": twilio(&standin.url, TOKEN)})),
        )
        .await
        .expect(200);
    let id = created["messenger"]["id"].as_str().unwrap().to_owned();
    let read = daemon
        .admin(Method::GET, &format!("/api/messenger/{id}"), None)
        .await;
    assert!(!String::from_utf8_lossy(&read.body).contains(TOKEN));
    // Patching other fields keeps the token; the masked value sent back is not taken literally.
    let patched = daemon
        .admin(
            Method::PATCH,
            &format!("/api/messenger/{id}"),
            Some(json!({"messenger": {"name": "Renamed", "authToken": "********"}})),
        )
        .await
        .expect(200);
    assert_eq!(patched["messenger"]["name"], json!("Renamed"));
    daemon
        .admin(
            Method::POST,
            &format!("/api/messenger/{id}/test"),
            Some(json!({"phoneNumber": "+12025550161"})),
        )
        .await
        .expect(200);
    let dir = daemon.stop().await;
    let raw = std::fs::read(dir.path().join("data").join("twofold.redb")).unwrap();
    assert!(
        !raw.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
        "the token is encrypted at rest"
    );
}

#[tokio::test]
async fn test_configuration_reports_the_receipt_or_what_to_fix() {
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon = TestDaemon::start().await;
    let created = daemon
        .admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": twilio(&standin.url, TOKEN)})),
        )
        .await
        .expect(200);
    let id = created["messenger"]["id"].as_str().unwrap().to_owned();
    let test_path = format!("/api/messenger/{id}/test");
    let test = |phone: &str| {
        daemon.admin(
            Method::POST,
            &test_path,
            Some(json!({"phoneNumber": phone})),
        )
    };

    let ok = test("+12025550162").await.expect(200);
    assert!(
        ok["receipt"]["messageId"]
            .as_str()
            .unwrap()
            .starts_with("SM")
    );
    assert_eq!(standin.messages().len(), 1);
    assert!(
        standin.messages()[0]
            .param("Body")
            .unwrap()
            .contains("successfully configured")
    );

    standin.fail_next(Failure::InvalidNumber);
    let invalid = test("+12025550163").await;
    assert_eq!(invalid.status, 400);
    let error = &invalid.json()["generalErrors"][0];
    assert_eq!(error["code"], json!("[ProviderError]21211"));
    assert_eq!(error["data"]["providerCode"], json!(21211));
    assert!(
        error["message"].as_str().unwrap().contains("0163"),
        "names the number: {error}"
    );

    // Unsaved, with a wrong token: Twilio's 20003 says "credentials".
    let wrong = daemon
        .admin(Method::POST, "/api/messenger/test", Some(json!({"messenger": twilio(&standin.url, "wrong-token"), "phoneNumber": "+12025550164"})))
        .await;
    assert_eq!(wrong.status, 400);
    let error = &wrong.json()["generalErrors"][0];
    assert_eq!(error["code"], json!("[ProviderError]20003"));
    assert!(
        error["message"].as_str().unwrap().contains("credentials"),
        "{error}"
    );

    standin.fail_next(Failure::ServerError);
    standin.fail_next(Failure::ServerError);
    standin.fail_next(Failure::ServerError);
    let down = test("+12025550165").await;
    assert_eq!(down.status, 502);

    let blank = daemon
        .admin(
            Method::POST,
            &format!("/api/messenger/{id}/test"),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        blank.field_error("phoneNumber").as_deref(),
        Some("[blank]phoneNumber")
    );
}

#[tokio::test]
async fn messenger_validation() {
    let daemon = TestDaemon::start().await;
    let create = |m: Value| {
        daemon.admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": m})),
        )
    };
    let bad_sid = create(json!({"type": "Twilio", "name": "x", "accountSID": "AC123", "authToken": "t", "fromPhoneNumber": FROM})).await;
    assert_eq!(
        bad_sid.field_error("messenger.accountSID").as_deref(),
        Some("[invalid]messenger.accountSID")
    );
    let no_sender =
        create(json!({"type": "Twilio", "name": "x", "accountSID": SID, "authToken": "t"})).await;
    assert_eq!(
        no_sender
            .field_error("messenger.fromPhoneNumber")
            .as_deref(),
        Some("[blank]messenger.fromPhoneNumber")
    );
    let both = create(json!({"type": "Twilio", "name": "x", "accountSID": SID, "authToken": "t", "fromPhoneNumber": FROM,
                             "messagingServiceSid": "MG0123456789abcdef0123456789abcdef"})).await;
    assert_eq!(
        both.field_error("messenger.messagingServiceSid").as_deref(),
        Some("[invalid]messenger.messagingServiceSid")
    );
    let no_token =
        create(json!({"type": "Twilio", "name": "x", "accountSID": SID, "fromPhoneNumber": FROM}))
            .await;
    assert_eq!(
        no_token.field_error("messenger.authToken").as_deref(),
        Some("[blank]messenger.authToken")
    );
    let service = create(json!({"type": "Twilio", "name": "svc", "accountSID": SID, "authToken": "t",
                                "messagingServiceSid": "MG0123456789abcdef0123456789abcdef", "fromPhoneNumber": ""})).await;
    service.expect(200);
    let kind = create(json!({"type": "Kafka", "name": "k"})).await;
    assert_eq!(
        kind.field_error("messenger.type").as_deref(),
        Some("[invalid]messenger.type")
    );
}

#[tokio::test]
async fn the_active_messenger_cannot_be_deleted() {
    let daemon = TestDaemon::start().await;
    let list = daemon
        .admin(Method::GET, "/api/messenger", None)
        .await
        .expect(200);
    let console = list["messengers"][0]["id"].as_str().unwrap().to_owned();
    let refused = daemon
        .admin(Method::DELETE, &format!("/api/messenger/{console}"), None)
        .await;
    assert_eq!(refused.general_error().as_deref(), Some("[InUse]"));
    let tenant = tenant_id(&daemon).await;
    let bad = daemon
        .admin(
            Method::PATCH,
            &format!("/api/tenant/{tenant}"),
            Some(json!({"tenant": {"multiFactorConfiguration": {"sms": {"messengerId": uuid::Uuid::new_v4()}}}})),
        )
        .await;
    assert_eq!(
        bad.field_error("tenant.multiFactorConfiguration.sms.messengerId")
            .as_deref(),
        Some("[invalid]tenant.multiFactorConfiguration.sms.messengerId")
    );
}

#[tokio::test]
async fn a_transient_failure_falls_back_but_a_refusal_does_not() {
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon = TestDaemon::start().await;
    let list = daemon
        .admin(Method::GET, "/api/messenger", None)
        .await
        .expect(200);
    let console = list["messengers"][0]["id"].as_str().unwrap().to_owned();
    let mut primary = twilio(&standin.url, TOKEN);
    primary["fallbackMessengerId"] = json!(console);
    let created = daemon
        .admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": primary})),
        )
        .await
        .expect(200);
    use_messenger(&daemon, created["messenger"]["id"].as_str().unwrap()).await;
    let app = daemon.create_application("App").await;
    daemon
        .create_user(
            "fo@example.com",
            "long password",
            &app,
            Some("+12025550166"),
        )
        .await;

    for _ in 0..3 {
        standin.fail_next(Failure::ServerError);
    }
    let challenge = daemon
        .login("fo@example.com", "long password", Some(&app))
        .await
        .expect(242);
    assert_eq!(challenge["methods"][0]["codeSent"], json!(true));
    let code = daemon.last_code_to("+12025550166");
    daemon
        .two_factor_login(challenge["twoFactorId"].as_str().unwrap(), &code)
        .await
        .expect(200);

    let user_events = daemon
        .admin(Method::GET, "/api/system/audit-log/search?limit=50", None)
        .await
        .expect(200);
    assert!(
        user_events.to_string().contains("after twilio failed"),
        "the failover is recorded"
    );
}

#[tokio::test]
async fn tenant_settings_are_validated() {
    let daemon = TestDaemon::start().await;
    let tenant = tenant_id(&daemon).await;
    let tenant_path = format!("/api/tenant/{tenant}");
    let patch = |t: Value| daemon.admin(Method::PATCH, &tenant_path, Some(json!({"tenant": t})));
    let too_long = patch(json!({"externalIdentifierConfiguration": {"twoFactorOneTimeCodeIdTimeToLiveInSeconds": 900}})).await;
    assert_eq!(
        too_long
            .field_error(
                "tenant.externalIdentifierConfiguration.twoFactorOneTimeCodeIdTimeToLiveInSeconds"
            )
            .as_deref(),
        Some(
            "[tooLarge]tenant.externalIdentifierConfiguration.twoFactorOneTimeCodeIdTimeToLiveInSeconds"
        )
    );
    let zero = patch(json!({"failedAuthenticationConfiguration": {"tooManyAttempts": 0}})).await;
    assert_eq!(
        zero.field_error("tenant.failedAuthenticationConfiguration.tooManyAttempts")
            .as_deref(),
        Some("[tooSmall]tenant.failedAuthenticationConfiguration.tooManyAttempts")
    );
    let ok = patch(json!({"failedAuthenticationConfiguration": {"tooManyAttempts": 3, "actionDuration": 1, "actionDurationUnit": "HOURS"},
                          "smsConfiguration": {"allowedCountries": ["us", "gb"]}}))
    .await
    .expect(200);
    assert_eq!(
        ok["tenant"]["failedAuthenticationConfiguration"]["actionDuration"],
        json!(60)
    );
    assert_eq!(
        ok["tenant"]["smsConfiguration"]["allowedCountries"],
        json!(["US", "GB"])
    );
    let wrong_tenant = daemon
        .admin(
            Method::GET,
            &format!("/api/tenant/{}", uuid::Uuid::new_v4()),
            None,
        )
        .await;
    wrong_tenant.assert_empty(404);
}

/// Twilio's `X-Twilio-Signature`: HMAC-SHA1 of the URL followed by the sorted parameters.
fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_owned();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = hmac::Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn delivery_reports_are_recorded_when_signed_by_twilio() {
    let standin = TwilioStandin::start(SID, TOKEN).await;
    let daemon =
        TestDaemon::start_with(|c| c.sms.public_url = Some("https://auth.example.com".to_owned()))
            .await;
    let created = daemon
        .admin(
            Method::POST,
            "/api/messenger",
            Some(json!({"messenger": twilio(&standin.url, TOKEN)})),
        )
        .await
        .expect(200);
    let id = created["messenger"]["id"].as_str().unwrap().to_owned();
    daemon
        .admin(
            Method::POST,
            &format!("/api/messenger/{id}/test"),
            Some(json!({"phoneNumber": "+12025550167"})),
        )
        .await
        .expect(200);
    let callback = standin.messages()[0]
        .param("StatusCallback")
        .map(str::to_owned);
    assert_eq!(
        callback.as_deref(),
        Some(format!("https://auth.example.com/api/messenger/{id}/status").as_str())
    );

    let params = [
        ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        ("MessageStatus", "undelivered"),
        ("ErrorCode", "30003"),
    ];
    let url = callback.unwrap();
    let post = |signature: String| {
        daemon
            .http
            .post(format!("{}/api/messenger/{id}/status", daemon.url))
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
    };
    assert_eq!(post("forged".to_owned()).await.unwrap().status(), 401);
    assert_eq!(
        post(twilio_signature(TOKEN, &url, &params))
            .await
            .unwrap()
            .status(),
        200
    );
    let log = daemon
        .admin(Method::GET, "/api/system/audit-log/search", None)
        .await
        .expect(200);
    let text = log.to_string();
    assert!(
        text.contains("sms.delivery") && text.contains("undelivered") && text.contains("30003"),
        "{text}"
    );
}
