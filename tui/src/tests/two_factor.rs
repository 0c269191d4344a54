//! Two-factor code screen transitions: verify (200/421/404/409/423/400/429), resend and its
//! cooldown, method choice, recovery codes, trust-this-device, and expiry by the clock.

use crossterm::event::KeyCode;

use super::*;
use crate::client::wire::{LoginPreventedAction, TwoFactorLoginRequest};
use crate::screens::TwoFactorScreen;
use crate::testing::{ctrl, press};

fn screen(app: &App) -> Result<&TwoFactorScreen, String> {
    match app.screen() {
        Screen::TwoFactor(screen) => Ok(screen),
        other => Err(format!("expected the two-factor screen, got {other:?}")),
    }
}

fn challenge_with_methods(methods: serde_json::Value) -> TwoFactorChallenge {
    serde_json::from_value(serde_json::json!({"twoFactorId": "TFID-2", "methods": methods}))
        .unwrap_or_default()
}

#[test]
fn enter_sends_the_code_to_two_factor_login() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let effects = type_keys(&mut app, "123456\n");
    let (_, request) = single_call(&effects)?;
    assert_eq!(
        request,
        ApiRequest::TwoFactorLogin(TwoFactorLoginRequest {
            two_factor_id: Secret::new("TFID-1"),
            code: Secret::new("123456"),
            application_id: Some("app-1".into()),
            trust_computer: false,
        })
    );
    assert!(screen(&app)?.is_busy());
    Ok(())
}

#[test]
fn an_empty_code_is_not_sent() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    assert_eq!(press(&mut app, KeyCode::Enter), vec![]);
    assert_eq!(screen(&app)?.code.error(), Some("type the code first"));
    Ok(())
}

#[test]
fn status_200_signs_in() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::TwoFactorLogin(LoginOutcome::Success(
            signed_in_response(Some("rt")),
        ))),
    );
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    assert_eq!(app.trust_id(), None, "no trust asked for, none kept");
    Ok(())
}

#[test]
fn status_421_counts_down_the_tries_and_stays() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
    reply(&mut app, id, Err(ClientError::InvalidCode));
    let two_factor = screen(&app)?;
    assert_eq!(two_factor.attempts_left, 4);
    assert_eq!(two_factor.code.value(), "", "the wrong code is cleared");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: wrong code, 4 tries left")
    );
    for expected in ["3 tries", "2 tries", "1 try"] {
        let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
        reply(&mut app, id, Err(ClientError::InvalidCode));
        assert_eq!(
            message_text(&app),
            Some(format!("Error: wrong code, {expected} left"))
        );
    }
    let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
    reply(&mut app, id, Err(ClientError::InvalidCode));
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: wrong code, no tries left — sign in again")
    );
    Ok(())
}

#[test]
fn tries_default_to_five_without_code_attempts_remaining() -> TestResult {
    let challenge = challenge_with_methods(serde_json::json!([
        {"id": "K3QZ", "method": "sms", "mobilePhone": "+1******4567"}
    ]));
    let app = at_two_factor(challenge)?;
    assert_eq!(screen(&app)?.attempts_left, 5);
    Ok(())
}

#[test]
fn status_404_returns_to_login_because_the_attempt_expired() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    reply(&mut app, id, Err(ClientError::NotFound));
    let Screen::Login(login) = app.screen() else {
        return Err("expected login".into());
    };
    assert_eq!(
        login.login_id.value(),
        "alice",
        "login id kept for the retry"
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: the login attempt expired — sign in again")
    );
    Ok(())
}

#[test]
fn status_409_and_423_return_to_login_with_their_message() -> TestResult {
    let cases = [
        (
            ClientError::LoginPrevented {
                actions: vec![LoginPreventedAction::default()],
            },
            "Error: too many attempts — try again later",
        ),
        (ClientError::Locked, "Error: account locked (deactivated)"),
    ];
    for (error, expected) in cases {
        let mut app = at_two_factor(sms_challenge())?;
        let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
        reply(&mut app, id, Err(error));
        assert!(matches!(app.screen(), Screen::Login(_)));
        assert_eq!(message_text(&app).as_deref(), Some(expected));
    }
    Ok(())
}

#[test]
fn status_429_and_network_errors_stay_with_a_message() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Busy {
            status: 429,
            retry_after_secs: Some(5),
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: busy, retry in 5 s")
    );
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    reply(&mut app, id, Err(unreachable("/api/two-factor/login")));
    assert!(matches!(app.screen(), Screen::TwoFactor(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: could not reach http://127.0.0.1:9011/api/two-factor/login: Connection refused (os error 111)"
        )
    );
    Ok(())
}

#[test]
fn resend_waits_for_the_cooldown_then_sends_and_restarts_it() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    assert_eq!(app.update(ctrl('r')), vec![], "inside the 30 s cooldown");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("a code was sent moments ago; to send another, retry in 30 s")
    );
    tick(&mut app, 30);
    let (id, request) = single_call(&app.update(ctrl('r')))?;
    assert_eq!(
        request,
        ApiRequest::SendTwoFactorCode {
            two_factor_id: Secret::new("TFID-1"),
            method_id: "K3QZ".into(),
        }
    );
    reply_at(&mut app, id, 31, Ok(ApiResponse::CodeSent));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: a new code was sent by SMS to +1******4567")
    );
    let method = screen(&app)?
        .selected_method()
        .cloned()
        .ok_or("no method")?;
    assert_eq!(method.resend_at, Some(Millis(NOW.0 + 61_000)));
    assert_eq!(app.update(ctrl('r')), vec![], "cooldown again");
    Ok(())
}

#[test]
fn resend_answers_429_404_and_400() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    tick(&mut app, 30);
    let (id, _) = single_call(&app.update(ctrl('r')))?;
    reply_at(
        &mut app,
        id,
        30,
        Err(ClientError::Busy {
            status: 429,
            retry_after_secs: Some(20),
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: too many codes requested; retry in 20 s")
    );
    assert_eq!(
        app.update(ctrl('r')),
        vec![],
        "blocked until Retry-After passes"
    );

    tick(&mut app, 50);
    let (id, _) = single_call(&app.update(ctrl('r')))?;
    let errors = serde_json::from_value(serde_json::json!({
        "generalErrors": [{"code": "[TooManySends]", "message": "Too many codes were sent for this login"}]
    }))?;
    reply_at(
        &mut app,
        id,
        50,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: the code was not sent: Too many codes were sent for this login")
    );

    let (id, _) = single_call(&app.update(ctrl('r')))?;
    reply_at(&mut app, id, 50, Err(ClientError::NotFound));
    assert!(matches!(app.screen(), Screen::Login(_)));
    Ok(())
}

#[test]
fn a_code_that_was_not_sent_says_why_and_can_be_sent_at_once() -> TestResult {
    let challenge = challenge_with_methods(serde_json::json!([
        {"id": "K3QZ", "method": "sms", "mobilePhone": "+1******4567",
         "codeSent": false, "codeSentReason": "[ProviderError]"}
    ]));
    let mut app = at_two_factor(challenge)?;
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("The code was NOT sent (SMS to +1******4567): the SMS provider could not"),
        "{text}"
    );
    let (_, request) = single_call(&app.update(ctrl('r')))?;
    assert!(matches!(request, ApiRequest::SendTwoFactorCode { .. }));
    Ok(())
}

#[test]
fn with_several_methods_the_user_picks_one() -> TestResult {
    let challenge = challenge_with_methods(serde_json::json!([
        {"id": "K3QZ", "method": "sms", "mobilePhone": "+1******4567", "codeSent": true, "lastUsed": true},
        {"id": "2KSZ", "method": "authenticator",
         "authenticator": {"algorithm": "HmacSHA1", "codeLength": 6, "timeStep": 30}}
    ]));
    let mut app = at_two_factor(challenge)?;
    assert_eq!(screen(&app)?.selected, 0);
    assert_eq!(screen(&app)?.code.label(), "SMS code");
    press(&mut app, KeyCode::Down);
    assert_eq!(screen(&app)?.selected, 1);
    assert_eq!(screen(&app)?.code.label(), "App code");
    // ^R on the app means "send an SMS instead": back to SMS, whose code went out moments ago.
    assert_eq!(app.update(ctrl('r')), vec![], "inside the SMS cooldown");
    assert_eq!(screen(&app)?.selected, 0);
    assert_eq!(screen(&app)?.code.label(), "SMS code");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("a code was sent moments ago; to send another, retry in 30 s")
    );
    press(&mut app, KeyCode::Up);
    assert_eq!(screen(&app)?.selected, 1);
    Ok(())
}

#[test]
fn an_authenticator_only_challenge_just_asks_for_the_app_code() -> TestResult {
    let challenge = challenge_with_methods(serde_json::json!([
        {"id": "2KSZ", "method": "authenticator",
         "authenticator": {"algorithm": "HmacSHA1", "codeLength": 6, "timeStep": 30}}
    ]));
    let mut app = at_two_factor(challenge)?;
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("Open your authenticator app and type its current 6-digit code."));
    assert!(!text.contains("Resend"), "{text}");
    assert!(!text.contains("^R"), "{text}");
    assert_eq!(app.update(ctrl('r')), vec![], "nothing to send for an app");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("authenticator codes come from your app; there is nothing to send")
    );
    Ok(())
}

#[test]
fn recovery_mode_relabels_the_field_and_sends_the_recovery_code() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    type_keys(&mut app, "12");
    app.update(ctrl('o'));
    let two_factor = screen(&app)?;
    assert!(two_factor.recovery);
    assert_eq!(two_factor.code.label(), "Recovery code");
    assert_eq!(two_factor.code.value(), "", "switching clears the field");
    let (_, request) = single_call(&type_keys(&mut app, "QJD73-L6GR5\n"))?;
    let ApiRequest::TwoFactorLogin(body) = request else {
        return Err("expected a two-factor login".into());
    };
    assert_eq!(body.code, Secret::new("QJD73-L6GR5"));
    Ok(())
}

#[test]
fn trusting_the_device_keeps_the_trust_id_for_the_next_login() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    app.update(ctrl('t'));
    assert!(screen(&app)?.trust);
    let (id, request) = single_call(&type_keys(&mut app, "123456\n"))?;
    assert!(matches!(request, ApiRequest::TwoFactorLogin(ref r) if r.trust_computer));
    let mut response = signed_in_response(Some("rt"));
    response.two_factor_trust_id = Some(Secret::new("TRUST-1"));
    reply(
        &mut app,
        id,
        Ok(ApiResponse::TwoFactorLogin(LoginOutcome::Success(response))),
    );
    assert_eq!(app.trust_id(), Some(&Secret::new("TRUST-1")));

    // Log out, then the next login carries the trust id.
    let (id, _) = single_call(&type_keys(&mut app, "l"))?;
    reply(&mut app, id, Ok(ApiResponse::LoggedOut));
    let (_, request) = single_call(&type_keys(&mut app, "secret\n"))?;
    let ApiRequest::Login(login) = request else {
        return Err("expected a login".into());
    };
    assert_eq!(login.login_id, "alice@example.com");
    assert_eq!(login.two_factor_trust_id, Some(Secret::new("TRUST-1")));
    Ok(())
}

#[test]
fn the_countdowns_follow_the_clock_and_expiry_returns_to_login() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("Code expires in 5:00 · this sign-in expires in 5:00"),
        "{text}"
    );
    assert!(text.contains("Resend (^R): available in 0:30"), "{text}");
    tick(&mut app, 45);
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("Code expires in 4:15"), "{text}");
    assert!(text.contains("Resend (^R): available now"), "{text}");
    tick(&mut app, 300);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: the login attempt expired — sign in again")
    );
    Ok(())
}

#[test]
fn esc_goes_back_to_login() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    assert_eq!(press(&mut app, KeyCode::Esc), vec![]);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("two-factor sign-in cancelled")
    );
    Ok(())
}
