//! Rendered screens as insta snapshots (`src/snapshots/<name>.snap`), at 80×24 and at a larger
//! size, with the clock fixed so they are deterministic. Some tests also assert directly that
//! secrets (password, Twilio auth token, the JWT) never reach the screen.

use crossterm::event::KeyCode;

use super::*;
use crate::client::wire::{LoginPreventedAction, Messenger, Tenant};
use crate::outbox::{OutboxEntry, OutboxRead};
use crate::screens::twilio_setup::{FIELD_AUTH_TOKEN, FIELD_TEST_PHONE};
use crate::testing::{ctrl, press};

/// Draws `app` at `width`×`height` and compares it with `src/snapshots/<name>.snap`.
pub(super) fn check(name: &str, app: &App, width: u16, height: u16) -> TestResult {
    let backend = draw(app, width, height)?;
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, backend));
    Ok(())
}

#[test]
fn login_empty() -> TestResult {
    let app = app();
    check("login_80x24", &app, 80, 24)?;
    check("login_120x36", &app, 120, 36)
}

#[test]
fn login_password_is_masked() -> TestResult {
    let mut app = app();
    type_keys(&mut app, "alice@example.com\thunter22");
    let text = screen_text(&app, 80, 24)?;
    assert!(!text.contains("hunter22"));
    assert!(text.contains("••••••••"));
    check("login_password_masked", &app, 80, 24)
}

#[test]
fn login_busy_shows_a_spinner() -> TestResult {
    let mut app = app();
    type_keys(&mut app, "alice\tsecret\n");
    check("login_busy", &app, 80, 24)
}

#[test]
fn login_errors() -> TestResult {
    let mut app = app();
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    reply(&mut app, id, Err(unreachable("/api/login")));
    check("login_unreachable", &app, 80, 24)?;

    let mut app = super::app();
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    let action = LoginPreventedAction {
        expiry: Some(NOW.0 + 300_000),
        ..LoginPreventedAction::default()
    };
    reply(
        &mut app,
        id,
        Err(ClientError::LoginPrevented {
            actions: vec![action],
        }),
    );
    check("login_too_many_attempts", &app, 80, 24)
}

#[test]
fn two_factor_sms() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    type_keys(&mut app, "1234");
    tick(&mut app, 12);
    check("two_factor_sms_80x24", &app, 80, 24)?;
    check("two_factor_sms_120x36", &app, 120, 36)
}

#[test]
fn two_factor_wrong_code_and_trust() -> TestResult {
    let mut app = at_two_factor(sms_challenge())?;
    app.update(ctrl('t'));
    let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
    reply(&mut app, id, Err(ClientError::InvalidCode));
    check("two_factor_wrong_code", &app, 80, 24)
}

#[test]
fn two_factor_choice_of_methods_and_recovery() -> TestResult {
    let challenge: TwoFactorChallenge = serde_json::from_value(serde_json::json!({
        "twoFactorId": "TFID-2",
        "methods": [
            {"id": "K3QZ", "method": "sms", "mobilePhone": "+1******4567", "codeSent": false,
             "codeSentReason": "[RateLimited]"},
            {"id": "2KSZ", "method": "authenticator", "lastUsed": true,
             "authenticator": {"algorithm": "HmacSHA1", "codeLength": 6, "timeStep": 30}}
        ],
        "twoFactorIdExpirationInstant": NOW.0 + 300_000
    }))?;
    let mut app = at_two_factor(challenge)?;
    check("two_factor_methods", &app, 80, 24)?;
    press(&mut app, KeyCode::Up);
    check("two_factor_methods_sms_not_sent", &app, 80, 24)?;
    app.update(ctrl('o'));
    type_keys(&mut app, "QJD73-L6GR5");
    check("two_factor_recovery", &app, 80, 24)
}

#[test]
fn signed_in_shows_claims_and_only_a_token_prefix() -> TestResult {
    let app = at_signed_in(Some("refresh-secret"))?;
    let Screen::SignedIn(screen) = app.screen() else {
        return Err("expected signed in".into());
    };
    let token = screen.session.token.expose().to_owned();
    let text = screen_text(&app, 120, 36)?;
    for part in token.split('.') {
        assert!(!text.contains(part), "token part {part} is on screen");
    }
    assert!(!text.contains("refresh-secret"));
    check("signed_in_80x24", &app, 80, 24)?;
    check("signed_in_120x36", &app, 120, 36)
}

fn twilio_app() -> Result<App, String> {
    let mut app = app();
    let (id, _) = single_call(&press(&mut app, KeyCode::F(2)))?;
    let tenant: Tenant = serde_json::from_value(serde_json::json!({
        "id": "T1", "multiFactorConfiguration": {"sms": {"enabled": true, "messengerId": "C1"}}
    }))
    .map_err(|e| e.to_string())?;
    let (id, _) = single_call(&reply(&mut app, id, Ok(ApiResponse::Tenants(vec![tenant]))))?;
    let messengers = vec![
        Messenger {
            id: Some("C1".into()),
            name: Some("Console".into()),
            kind: Some("Console".into()),
            ..Messenger::default()
        },
        Messenger {
            id: Some("M1".into()),
            name: Some("Twilio".into()),
            kind: Some("Twilio".into()),
            url: Some("https://api.twilio.com".into()),
            account_sid: Some("AC0123456789abcdef0123456789abcdef".into()),
            auth_token: Some(Secret::new("********")),
            from_phone_number: Some("+15550001111".into()),
            ..Messenger::default()
        },
    ];
    reply(&mut app, id, Ok(ApiResponse::Messengers(messengers)));
    Ok(app)
}

#[test]
fn twilio_setup_loaded() -> TestResult {
    let app = twilio_app()?;
    let text = screen_text(&app, 80, 24)?;
    assert!(
        !text.contains("********"),
        "the server's mask is not shown as a value"
    );
    check("twilio_setup_loaded_80x24", &app, 80, 24)?;
    check("twilio_setup_loaded_120x36", &app, 120, 36)
}

#[test]
fn twilio_auth_token_is_masked() -> TestResult {
    let mut app = twilio_app()?;
    while !matches!(app.screen(), Screen::TwilioSetup(s) if s.focus == FIELD_AUTH_TOKEN) {
        press(&mut app, KeyCode::Tab);
    }
    app.update(Event::Paste("9f8e7d6c5b4a39281706f5e4d3c2b1a0".into()));
    let text = screen_text(&app, 120, 36)?;
    assert!(!text.contains("9f8e7d6c"), "the token is never drawn");
    check("twilio_auth_token_masked", &app, 80, 24)
}

#[test]
fn twilio_test_failure() -> TestResult {
    let mut app = twilio_app()?;
    while !matches!(app.screen(), Screen::TwilioSetup(s) if s.focus == FIELD_TEST_PHONE) {
        press(&mut app, KeyCode::Tab);
    }
    type_keys(&mut app, "+15557654321");
    let (id, _) = single_call(&app.update(ctrl('t')))?;
    let errors = serde_json::from_value(serde_json::json!({
        "generalErrors": [{"code": "[ProviderError]20003",
            "message": "Twilio rejected the credentials: check the Account SID and Auth Token",
            "data": {"providerCode": 20003}}]
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    check("twilio_test_failed", &app, 80, 24)
}

#[test]
fn register_steps() -> TestResult {
    let mut app = app();
    press(&mut app, KeyCode::F(3));
    type_keys(&mut app, "bob@example.com\tshort");
    check("register_account", &app, 80, 24)?;
    type_keys(&mut app, " but long\tBob");
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Registered(
            crate::client::wire::RegistrationResponse {
                user: User {
                    id: "U-bob".into(),
                    ..User::default()
                },
            },
        )),
    );
    let (id, _) = single_call(&type_keys(&mut app, "+15551234567\n"))?;
    reply(&mut app, id, Ok(ApiResponse::EnrolmentCodeSent));
    check("register_code", &app, 80, 24)?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    let codes = [
        "QJD73-L6GR5",
        "7KXQ2-MP4TA",
        "ZR8WN-3HC6E",
        "B5VDJ-Y2QKF",
        "H9TLS-6GXWP",
        "N4CRM-8JZAD",
        "X2PFE-T7KUL",
        "M6QYB-5WRDN",
        "E3HGV-9SKCT",
        "U8ZJA-4LMXF",
    ]
    .map(Secret::new)
    .to_vec();
    reply(&mut app, id, Ok(ApiResponse::TwoFactorEnabled(codes)));
    check("register_recovery_codes", &app, 80, 24)
}

#[test]
fn phone_panel_beside_and_instead() -> TestResult {
    let mut app = app_with(Config {
        outbox: Some("/tmp/demo/outbox.jsonl".into()),
        ..config()
    });
    app.update(Event::Outbox(OutboxRead {
        entries: vec![OutboxEntry {
            to: "+15551234567".into(),
            body: "Your twofold code is 123456. It expires in 5 minutes.".into(),
            sent_instant: Some(NOW.0),
            message_id: Some("CO1".into()),
            provider: Some("console".into()),
        }],
        next_offset: 140,
        restarted: false,
        error: None,
    }));
    check("phone_panel_beside_120x36", &app, 120, 36)?;
    press(&mut app, KeyCode::F(4));
    check("phone_panel_instead_80x24", &app, 80, 24)
}

#[test]
fn a_tiny_terminal_asks_for_more_room() -> TestResult {
    check("too_small", &app(), 30, 8)
}
