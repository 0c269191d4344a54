//! `ApiClient` against a tiny HTTP server in the test (a plain tokio `TcpListener` on
//! 127.0.0.1:0 answering canned responses): exact request shapes (method, path, API key header
//! only on keyed calls, JSON bodies), empty bodies, 242 parsing, Retry-After, error bodies.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::wire::{LoginRequest, Messenger, Secret, TwoFactorLoginRequest};
use super::*;

const KEY: &str = "test-api-key";

/// One canned answer.
struct Canned {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: String,
}

impl Canned {
    fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: vec![("Content-Type", "application/json")],
            body: body.to_string(),
        }
    }

    fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// What the server saw.
#[derive(Debug)]
struct Recorded {
    method: String,
    path: String,
    /// Lower-case names.
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Serves `answers` one connection each, in order; returns the base URL and the requests seen.
async fn server(
    answers: Vec<Canned>,
) -> std::io::Result<(
    String,
    tokio::task::JoinHandle<std::io::Result<Vec<Recorded>>>,
)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        for answer in answers {
            let (mut stream, _) = listener.accept().await?;
            seen.push(read_request(&mut stream).await?);
            let reason = match answer.status {
                200 => "OK",
                242 => "Two-Factor Required",
                _ => "Status",
            };
            let mut head = format!(
                "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
                answer.status,
                answer.body.len()
            );
            for (name, value) in &answer.headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(answer.body.as_bytes()).await?;
            stream.shutdown().await?;
        }
        Ok(seen)
    });
    Ok((base_url, task))
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> std::io::Result<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        if let Some(pos) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed before the head"));
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Recorded {
        method,
        path,
        headers,
        body,
    })
}

/// Runs `call` against a server answering `answer`; returns the result and the one request.
async fn check<T>(
    api_key: Option<&str>,
    answer: Canned,
    call: impl AsyncFnOnce(&ApiClient) -> T,
) -> Result<(T, Recorded), Box<dyn std::error::Error>> {
    let (base_url, task) = server(vec![answer]).await?;
    let client = ApiClient::new(&base_url, api_key.map(str::to_owned))?;
    let result = call(&client).await;
    let mut seen = task.await??;
    let request = seen.pop().ok_or("no request reached the server")?;
    Ok((result, request))
}

fn login_request() -> LoginRequest {
    LoginRequest {
        login_id: "alice@example.com".into(),
        password: "correct horse".into(),
        application_id: Some("app-1".into()),
        two_factor_trust_id: None,
    }
}

fn challenge_json() -> Value {
    json!({
        "twoFactorId": "TFID-1",
        "methods": [{"id":"K3QZ","method":"sms","mobilePhone":"+1******4567","lastUsed":true,
            "codeSent":true,"codeSentReason":null,"codeExpirationInstant":1_700_000_300_000_i64,
            "resendAllowedInstant":1_700_000_030_000_i64}],
        "twoFactorIdExpirationInstant": 1_700_000_300_000_i64,
        "codeAttemptsRemaining": 5
    })
}

#[tokio::test]
async fn login_sends_the_raw_api_key_and_exact_body_and_parses_242() -> TestResult {
    let (result, request) = check(Some(KEY), Canned::json(242, challenge_json()), async |c| {
        c.login(&login_request()).await
    })
    .await?;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/login");
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(
        request.json(),
        json!({"loginId":"alice@example.com","password":"correct horse","applicationId":"app-1"})
    );
    let Ok(LoginOutcome::TwoFactorRequired(challenge)) = result else {
        return Err(format!("expected a 242 challenge, got {result:?}").into());
    };
    assert_eq!(challenge.two_factor_id.expose(), "TFID-1");
    assert_eq!(challenge.code_attempts_remaining, Some(5));
    assert_eq!(
        challenge.methods[0].mobile_phone.as_deref(),
        Some("+1******4567")
    );
    assert_eq!(challenge.methods[0].code_sent, Some(true));
    assert_eq!(
        challenge.methods[0].resend_allowed_instant,
        Some(1_700_000_030_000)
    );
    Ok(())
}

#[tokio::test]
async fn login_without_a_key_sends_no_authorization_and_sends_the_trust_id() -> TestResult {
    let mut body = login_request();
    body.application_id = None;
    body.two_factor_trust_id = Some(Secret::new("TRUST-1"));
    let answer = Canned::json(
        200,
        json!({"token":"a.b.c","tokenExpirationInstant":1,"user":{"id":"u-1","email":"alice@example.com"}}),
    );
    let (result, request) = check(None, answer, async |c| c.login(&body).await).await?;
    assert_eq!(request.header("authorization"), None);
    assert_eq!(
        request.json(),
        json!({"loginId":"alice@example.com","password":"correct horse","twoFactorTrustId":"TRUST-1"})
    );
    let Ok(LoginOutcome::Success(response)) = result else {
        return Err(format!("expected success, got {result:?}").into());
    };
    assert_eq!(response.token.as_ref().map(Secret::expose), Some("a.b.c"));
    assert_eq!(response.user.map(|u| u.id), Some("u-1".to_owned()));
    Ok(())
}

#[tokio::test]
async fn login_statuses_map_to_outcomes_and_errors() -> TestResult {
    let cases: Vec<(Canned, Result<LoginOutcome, ClientError>)> = vec![
        (
            Canned::json(202, json!({"user":{"id":"u-1"}})),
            Ok(LoginOutcome::NotRegistered(serde_json::from_value(
                json!({"user":{"id":"u-1"}}),
            )?)),
        ),
        (Canned::empty(203), Ok(LoginOutcome::PasswordChangeRequired)),
        (Canned::empty(401), Err(ClientError::Unauthorized)),
        (Canned::empty(404), Err(ClientError::NotFound)),
        (Canned::empty(423), Err(ClientError::Locked)),
        (
            Canned::json(
                409,
                json!({"actions":[{"actionId":"A1","expiry":1_700_000_600_000_i64,"localizedReason":"Locked","reason":"Locked","reasonCode":"lock"}]}),
            ),
            Err(ClientError::LoginPrevented {
                actions: serde_json::from_value(
                    json!([{"actionId":"A1","expiry":1_700_000_600_000_i64,"localizedReason":"Locked","reason":"Locked","reasonCode":"lock"}]),
                )?,
            }),
        ),
        (
            Canned::empty(429).header("Retry-After", "7"),
            Err(ClientError::Busy {
                status: 429,
                retry_after_secs: Some(7),
            }),
        ),
        (
            Canned::empty(503),
            Err(ClientError::Busy {
                status: 503,
                retry_after_secs: None,
            }),
        ),
        (
            Canned::json(
                400,
                json!({"fieldErrors":{"loginId":[{"code":"[blank]loginId","message":"Required"}]},"generalErrors":[]}),
            ),
            Err(ClientError::Rejected {
                status: 400,
                errors: serde_json::from_value(
                    json!({"fieldErrors":{"loginId":[{"code":"[blank]loginId","message":"Required"}]}}),
                )?,
            }),
        ),
    ];
    for (answer, expected) in cases {
        let status = answer.status;
        let (result, _) =
            check(Some(KEY), answer, async |c| c.login(&login_request()).await).await?;
        assert_eq!(result, expected, "HTTP {status}");
    }
    Ok(())
}

#[tokio::test]
async fn two_factor_login_never_sends_the_key_and_returns_the_trust_id() -> TestResult {
    let body = TwoFactorLoginRequest {
        two_factor_id: Secret::new("TFID-1"),
        code: Secret::new("123456"),
        application_id: Some("app-1".into()),
        trust_computer: true,
    };
    let answer = Canned::json(200, json!({"token":"a.b.c","twoFactorTrustId":"TRUST-9"}));
    let (result, request) =
        check(Some(KEY), answer, async |c| c.two_factor_login(&body).await).await?;
    assert_eq!(request.path, "/api/two-factor/login");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(
        request.json(),
        json!({"twoFactorId":"TFID-1","code":"123456","applicationId":"app-1","trustComputer":true})
    );
    let Ok(LoginOutcome::Success(response)) = result else {
        return Err(format!("expected success, got {result:?}").into());
    };
    assert_eq!(
        response.two_factor_trust_id.as_ref().map(Secret::expose),
        Some("TRUST-9")
    );
    Ok(())
}

#[tokio::test]
async fn two_factor_login_leaves_out_trust_computer_when_false_and_reads_421() -> TestResult {
    let body = TwoFactorLoginRequest {
        two_factor_id: Secret::new("TFID-1"),
        code: Secret::new("000000"),
        application_id: None,
        trust_computer: false,
    };
    let (result, request) = check(None, Canned::empty(421), async |c| {
        c.two_factor_login(&body).await
    })
    .await?;
    assert_eq!(
        request.json(),
        json!({"twoFactorId":"TFID-1","code":"000000"})
    );
    assert_eq!(result, Err(ClientError::InvalidCode));
    Ok(())
}

#[tokio::test]
async fn send_code_accepts_an_empty_200_without_content_type() -> TestResult {
    let (result, request) = check(Some(KEY), Canned::empty(200), async |c| {
        c.send_two_factor_code(&Secret::new("TFID/1"), "K3QZ").await
    })
    .await?;
    assert_eq!(result, Ok(()));
    assert_eq!(request.path, "/api/two-factor/send/TFID%2F1");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.json(), json!({"methodId":"K3QZ"}));
    Ok(())
}

#[tokio::test]
async fn refresh_and_logout_send_their_bodies_without_the_key() -> TestResult {
    let (result, request) = check(
        Some(KEY),
        Canned::json(
            200,
            json!({"token":"n.e.w","refreshToken":"R2","refreshTokenId":"RID"}),
        ),
        async |c| c.refresh_jwt(&Secret::new("R1")).await,
    )
    .await?;
    assert_eq!(request.path, "/api/jwt/refresh");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.json(), json!({"refreshToken":"R1"}));
    assert_eq!(result.map(|r| r.token), Ok(Secret::new("n.e.w")));

    let (result, request) = check(Some(KEY), Canned::empty(200), async |c| {
        c.logout(Some(&Secret::new("R2"))).await
    })
    .await?;
    assert_eq!(result, Ok(()));
    assert_eq!(request.path, "/api/logout");
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.json(), json!({"global":false,"refreshToken":"R2"}));
    Ok(())
}

#[tokio::test]
async fn messenger_calls_carry_the_key_and_fusionauth_field_names() -> TestResult {
    let listed = json!({"messengers":[{"id":"M1","name":"Twilio","type":"Twilio","url":"https://api.twilio.com",
        "accountSID":"AC1","authToken":"********","fromPhoneNumber":"+15550001111","debug":false}]});
    let (result, request) = check(Some(KEY), Canned::json(200, listed), async |c| {
        c.list_messengers().await
    })
    .await?;
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/api/messenger")
    );
    assert_eq!(request.header("authorization"), Some(KEY));
    assert!(request.body.is_empty());
    let messengers = result?;
    assert_eq!(messengers[0].account_sid.as_deref(), Some("AC1"));

    let update = Messenger {
        kind: Some("Twilio".into()),
        account_sid: Some("AC2".into()),
        from_phone_number: Some(String::new()),
        messaging_service_sid: Some("MG2".into()),
        ..Messenger::default()
    };
    let (result, request) = check(
        Some(KEY),
        Canned::json(200, json!({"messenger":{"id":"M1","type":"Twilio"}})),
        async |c| c.update_messenger("M1", &update).await,
    )
    .await?;
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PATCH", "/api/messenger/M1")
    );
    assert_eq!(
        request.json(),
        json!({"messenger":{"type":"Twilio","accountSID":"AC2","fromPhoneNumber":"","messagingServiceSid":"MG2"}}),
        "no authToken: the stored one is kept"
    );
    assert_eq!(result.map(|m| m.id), Ok(Some("M1".to_owned())));
    Ok(())
}

#[tokio::test]
async fn messenger_tests_return_the_receipt_or_the_provider_error() -> TestResult {
    let (result, request) = check(
        Some(KEY),
        Canned::json(
            200,
            json!({"receipt":{"provider":"twilio","messageId":"SM1","status":"queued"}}),
        ),
        async |c| c.test_saved_messenger("M1", "+15551234567").await,
    )
    .await?;
    assert_eq!(request.path, "/api/messenger/M1/test");
    assert_eq!(request.json(), json!({"phoneNumber":"+15551234567"}));
    assert_eq!(result.map(|r| r.message_id), Ok(Some("SM1".to_owned())));

    let messenger = Messenger {
        kind: Some("Twilio".into()),
        ..Messenger::default()
    };
    let error_body = json!({"generalErrors":[{"code":"[ProviderError]21211",
        "message":"Twilio refused the number: check the To number","data":{"providerCode":21211}}]});
    let (result, request) = check(Some(KEY), Canned::json(502, error_body), async |c| {
        c.test_messenger(&messenger, "+15551234567").await
    })
    .await?;
    assert_eq!(request.path, "/api/messenger/test");
    assert_eq!(
        request.json(),
        json!({"messenger":{"type":"Twilio"},"phoneNumber":"+15551234567"})
    );
    let Err(ClientError::Rejected {
        status: 502,
        errors,
    }) = result
    else {
        return Err(format!("expected a 502 with errors, got {result:?}").into());
    };
    assert_eq!(
        errors.general_errors[0].provider_code().as_deref(),
        Some("21211")
    );
    Ok(())
}

#[tokio::test]
async fn tenant_calls_list_and_patch_the_sms_messenger() -> TestResult {
    let tenants = json!({"tenants":[{"id":"T1","name":"Default",
        "multiFactorConfiguration":{"sms":{"enabled":true,"messengerId":"M0"}}}]});
    let (result, _) = check(Some(KEY), Canned::json(200, tenants), async |c| {
        c.list_tenants().await
    })
    .await?;
    assert_eq!(result?[0].sms_messenger_id(), Some("M0"));

    let (result, request) = check(
        Some(KEY),
        Canned::json(200, json!({"tenant":{}})),
        async |c| c.set_tenant_sms_messenger("T1", "M1").await,
    )
    .await?;
    assert_eq!(result, Ok(()));
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("PATCH", "/api/tenant/T1")
    );
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(
        request.json(),
        json!({"tenant":{"multiFactorConfiguration":{"sms":{"enabled":true,"messengerId":"M1"}}}})
    );
    Ok(())
}

#[tokio::test]
async fn enrolment_calls_send_their_bodies_and_read_recovery_codes() -> TestResult {
    let (result, request) = check(Some(KEY), Canned::empty(200), async |c| {
        c.send_enrolment_code("U1", "+15551234567").await
    })
    .await?;
    assert_eq!(result, Ok(()));
    assert_eq!(request.path, "/api/two-factor/send");
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(
        request.json(),
        json!({"method":"sms","mobilePhone":"+15551234567","userId":"U1"})
    );

    let codes = json!({"recoveryCodes":["QJD73-L6GR5","AAAAA-BBBBB"]});
    let (result, request) = check(Some(KEY), Canned::json(200, codes), async |c| {
        c.enable_sms_two_factor("U1", "+15551234567", &Secret::new("123456"))
            .await
    })
    .await?;
    assert_eq!(request.path, "/api/user/two-factor/U1");
    assert_eq!(
        request.json(),
        json!({"method":"sms","mobilePhone":"+15551234567","code":"123456"})
    );
    assert_eq!(result.map(|c| c.len()), Ok(2));

    let (result, _) = check(Some(KEY), Canned::empty(200), async |c| {
        c.enable_sms_two_factor("U1", "+15551234567", &Secret::new("123456"))
            .await
    })
    .await?;
    assert_eq!(result, Ok(Vec::new()), "a second method gets no codes");
    Ok(())
}

#[tokio::test]
async fn authenticator_calls_fetch_a_secret_and_enable_it_with_a_code() -> TestResult {
    let secret = json!({"secret":"8MJJfCY4ERBtotvenSc3","secretBase32Encoded":"HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT"});
    let (result, request) = check(Some(KEY), Canned::json(200, secret), async |c| {
        c.two_factor_secret().await
    })
    .await?;
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/two-factor/secret");
    assert_eq!(request.header("authorization"), Some(KEY));
    let secret = result?;
    assert_eq!(secret.secret, Secret::new("8MJJfCY4ERBtotvenSc3"));
    assert_eq!(
        secret.secret_base32_encoded,
        Secret::new("HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT")
    );
    assert!(!format!("{secret:?}").contains("HBGU"), "redacted in Debug");

    let b32 = Secret::new("HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT");
    let codes = json!({"recoveryCodes":["QJD73-L6GR5","AAAAA-BBBBB"]});
    let (result, request) = check(Some(KEY), Canned::json(200, codes), async |c| {
        c.enable_authenticator("U1", &b32, &Secret::new("123456"))
            .await
    })
    .await?;
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/user/two-factor/U1");
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(
        request.json(),
        json!({"method":"authenticator","secretBase32Encoded":"HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT","code":"123456"})
    );
    assert_eq!(result.map(|c| c.len()), Ok(2));

    let (result, _) = check(Some(KEY), Canned::empty(200), async |c| {
        c.enable_authenticator("U1", &b32, &Secret::new("123456"))
            .await
    })
    .await?;
    assert_eq!(result, Ok(Vec::new()), "not the first method: no codes");
    let (result, _) = check(Some(KEY), Canned::empty(421), async |c| {
        c.enable_authenticator("U1", &b32, &Secret::new("000000"))
            .await
    })
    .await?;
    assert_eq!(result, Err(ClientError::InvalidCode));
    let invalid = json!({"fieldErrors":{"secretBase32Encoded":[{"code":"[invalid]secretBase32Encoded","message":"secretBase32Encoded is not Base32"}]}});
    let (result, _) = check(Some(KEY), Canned::json(400, invalid), async |c| {
        c.enable_authenticator("U1", &Secret::new("!"), &Secret::new("123456"))
            .await
    })
    .await?;
    assert!(
        matches!(&result, Err(ClientError::Rejected { status: 400, errors }) if errors.field_errors.contains_key("secretBase32Encoded")),
        "{result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn registration_posts_user_and_registration() -> TestResult {
    let body = super::wire::RegistrationRequest {
        user: super::wire::NewUser {
            email: "bob@example.com".into(),
            password: "long enough".into(),
            first_name: Some("Bob".into()),
        },
        registration: super::wire::NewRegistration {
            application_id: "app-1".into(),
        },
    };
    let answer = Canned::json(
        200,
        json!({"user":{"id":"U2","email":"bob@example.com"},"registration":{"applicationId":"app-1"}}),
    );
    let (result, request) = check(Some(KEY), answer, async |c| c.register(&body).await).await?;
    assert_eq!(request.path, "/api/user/registration");
    assert_eq!(request.header("authorization"), Some(KEY));
    assert_eq!(
        request.json(),
        json!({"user":{"email":"bob@example.com","password":"long enough","firstName":"Bob"},
               "registration":{"applicationId":"app-1"}})
    );
    assert_eq!(result.map(|r| r.user.id), Ok("U2".to_owned()));
    Ok(())
}

#[tokio::test]
async fn an_unreachable_daemon_names_the_url_tried_and_the_reason() -> TestResult {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
    let client = ApiClient::new(&format!("http://127.0.0.1:{port}/"), None)?;
    let result = client.login(&login_request()).await;
    let Err(ClientError::Unreachable { url, reason }) = result else {
        return Err(format!("expected Unreachable, got {result:?}").into());
    };
    assert_eq!(url, format!("http://127.0.0.1:{port}/api/login"));
    assert!(
        reason.to_lowercase().contains("refused"),
        "reason should be the OS's: {reason}"
    );
    Ok(())
}

#[tokio::test]
async fn a_success_with_a_broken_body_is_a_decode_error() -> TestResult {
    let answer = Canned {
        status: 242,
        headers: vec![("Content-Type", "application/json")],
        body: "{not json".into(),
    };
    let (result, _) = check(None, answer, async |c| c.login(&login_request()).await).await?;
    assert!(
        matches!(result, Err(ClientError::Decode { .. })),
        "{result:?}"
    );
    Ok(())
}

#[tokio::test]
async fn perform_answers_with_the_matching_response_variant() -> TestResult {
    let request = ApiRequest::SendTwoFactorCode {
        two_factor_id: Secret::new("TFID-1"),
        method_id: "K3QZ".into(),
    };
    let (result, seen) =
        check(None, Canned::empty(200), async |c| c.perform(request).await).await?;
    assert_eq!(result, Ok(ApiResponse::CodeSent));
    assert_eq!(seen.path, "/api/two-factor/send/TFID-1");
    Ok(())
}

#[test]
fn a_url_without_scheme_is_refused_and_an_empty_key_counts_as_none() {
    assert!(matches!(
        ApiClient::new("127.0.0.1:9011", None),
        Err(ClientError::InvalidUrl { .. })
    ));
    assert!(
        ApiClient::new("http://127.0.0.1:9011", Some(String::new()))
            .is_ok_and(|c| !c.has_api_key())
    );
}
