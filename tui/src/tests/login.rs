//! Login screen transitions: submitting, and every answer `POST /api/login` can give.

use crossterm::event::KeyCode;

use super::*;
use crate::client::wire::{Errors, LoginPreventedAction, LoginRequest};
use crate::screens::login::LoginFocus;
use crate::testing::{key, press};

fn login_screen(app: &App) -> Result<&crate::screens::LoginScreen, String> {
    match app.screen() {
        Screen::Login(screen) => Ok(screen),
        other => Err(format!("expected the login screen, got {other:?}")),
    }
}

/// Types a login and returns the id of the call it made.
fn submit(app: &mut App) -> Result<RequestId, String> {
    single_call(&type_keys(app, "alice\tsecret\n")).map(|(id, _)| id)
}

#[test]
fn typing_login_tab_password_enter_calls_login() -> TestResult {
    let mut app = app();
    assert_eq!(login_screen(&app)?.focus, LoginFocus::LoginId);
    let effects = type_keys(&mut app, "alice\tsecret\n");
    assert_eq!(
        effects,
        vec![Effect::Call {
            id: RequestId(1),
            request: ApiRequest::Login(LoginRequest {
                login_id: "alice".into(),
                password: "secret".into(),
                application_id: Some("app-1".into()),
                two_factor_trust_id: None,
            }),
        }]
    );
    assert!(login_screen(&app)?.is_busy());
    Ok(())
}

#[test]
fn shift_tab_goes_back_and_enter_submits_from_either_field() -> TestResult {
    let mut app = app();
    press(&mut app, KeyCode::BackTab);
    assert_eq!(login_screen(&app)?.focus, LoginFocus::Password);
    type_keys(&mut app, "secret");
    press(&mut app, KeyCode::BackTab);
    assert_eq!(login_screen(&app)?.focus, LoginFocus::LoginId);
    type_keys(&mut app, "bob");
    let screen = login_screen(&app)?;
    assert_eq!(screen.login_id.value(), "bob");
    assert_eq!(screen.password.value(), "secret");
    let (_, request) = single_call(&press(&mut app, KeyCode::Enter))?;
    assert!(matches!(request, ApiRequest::Login(r) if r.login_id == "bob"));
    Ok(())
}

#[test]
fn empty_fields_are_caught_before_any_call() -> TestResult {
    let mut app = app();
    assert_eq!(press(&mut app, KeyCode::Enter), vec![]);
    let screen = login_screen(&app)?;
    assert_eq!(
        screen.login_id.error(),
        Some("enter your email or username")
    );
    assert_eq!(type_keys(&mut app, "alice\n"), vec![]);
    let screen = login_screen(&app)?;
    assert_eq!(screen.password.error(), Some("enter your password"));
    assert_eq!(screen.focus, LoginFocus::Password);
    Ok(())
}

#[test]
fn paste_goes_into_the_focused_field() -> TestResult {
    let mut app = app();
    app.update(Event::Paste("alice@example.com\n".into()));
    type_keys(&mut app, "\t");
    app.update(Event::Paste("pass word".into()));
    let screen = login_screen(&app)?;
    assert_eq!(screen.login_id.value(), "alice@example.com");
    assert_eq!(screen.password.value(), "pass word");
    Ok(())
}

#[test]
fn status_200_opens_signed_in() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    let response = signed_in_response(Some("rt"));
    let effects = reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::Success(response))),
    );
    assert_eq!(effects, vec![]);
    let Screen::SignedIn(screen) = app.screen() else {
        return Err(format!("expected signed in, got {:?}", app.screen()).into());
    };
    assert_eq!(
        screen.session.user.as_ref().map(|u| u.id.as_str()),
        Some(alice().id.as_str())
    );
    Ok(())
}

#[test]
fn status_242_opens_the_two_factor_screen() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::TwoFactorRequired(
            sms_challenge(),
        ))),
    );
    let Screen::TwoFactor(screen) = app.screen() else {
        return Err(format!("expected two-factor, got {:?}", app.screen()).into());
    };
    assert_eq!(screen.login_id, "alice");
    assert_eq!(screen.attempts_left, 5);
    assert_eq!(screen.methods.len(), 1);
    Ok(())
}

#[test]
fn each_failure_gets_a_plain_language_message() -> TestResult {
    let cases: Vec<(ApiResult, &str)> = vec![
        (Err(ClientError::NotFound), "Error: wrong login or password"),
        (
            Err(ClientError::Locked),
            "Error: account locked (deactivated)",
        ),
        (
            Err(ClientError::LoginPrevented { actions: vec![] }),
            "Error: too many attempts — try again later",
        ),
        (
            Ok(ApiResponse::Login(LoginOutcome::NotRegistered(
                LoginResponse::default(),
            ))),
            "Error: you are not registered for this application (the password was right)",
        ),
        (
            Err(ClientError::Unauthorized),
            "Error: the API key was refused (HTTP 401): check --api-key / TWOFOLD_API_KEY",
        ),
        (
            Err(ClientError::Busy {
                status: 503,
                retry_after_secs: None,
            }),
            "Error: busy, retry in a moment",
        ),
        (
            Err(unreachable("/api/login")),
            "Error: could not reach http://127.0.0.1:9011/api/login: Connection refused (os error 111)",
        ),
        (
            Ok(ApiResponse::Login(LoginOutcome::PasswordChangeRequired)),
            "Error: a password change is required before you can sign in; twofold cannot change passwords yet",
        ),
        (
            Err(ClientError::UnexpectedStatus {
                status: 500,
                url: format!("{URL}/api/login"),
            }),
            "Error: unexpected answer from the server: HTTP 500 from http://127.0.0.1:9011/api/login",
        ),
    ];
    for (result, expected) in cases {
        let mut app = app();
        let id = submit(&mut app)?;
        assert_eq!(reply(&mut app, id, result.clone()), vec![]);
        assert!(matches!(app.screen(), Screen::Login(_)), "{result:?}");
        assert_eq!(message_text(&app).as_deref(), Some(expected), "{result:?}");
        assert!(!login_screen(&app)?.is_busy());
    }
    Ok(())
}

#[test]
fn status_401_without_a_key_says_an_api_key_is_required() -> TestResult {
    let mut app = app_with(Config {
        has_api_key: false,
        ..config()
    });
    let id = submit(&mut app)?;
    reply(&mut app, id, Err(ClientError::Unauthorized));
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: this application requires an API key: start twofold with --api-key or TWOFOLD_API_KEY"
        )
    );
    Ok(())
}

#[test]
fn status_404_clears_the_password_and_focuses_it() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    reply(&mut app, id, Err(ClientError::NotFound));
    let screen = login_screen(&app)?;
    assert_eq!(screen.login_id.value(), "alice");
    assert_eq!(screen.password.value(), "");
    assert_eq!(screen.focus, LoginFocus::Password);
    Ok(())
}

#[test]
fn status_409_shows_when_the_lock_ends_and_counts_down() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    let action = LoginPreventedAction {
        expiry: Some(NOW.0 + 300_000),
        reason: Some("Locked".into()),
        ..LoginPreventedAction::default()
    };
    reply(
        &mut app,
        id,
        Err(ClientError::LoginPrevented {
            actions: vec![action],
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: too many attempts — try again later (until 2023-11-14 22:18:20 UTC, 5:00 left)"
        )
    );
    tick(&mut app, 61);
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: too many attempts — try again later (until 2023-11-14 22:18:20 UTC, 3:59 left)"
        )
    );
    Ok(())
}

#[test]
fn status_429_reads_retry_after_and_counts_down() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    reply(
        &mut app,
        id,
        Err(ClientError::Busy {
            status: 429,
            retry_after_secs: Some(7),
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: busy, retry in 7 s")
    );
    tick(&mut app, 3);
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: busy, retry in 4 s")
    );
    tick(&mut app, 7);
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: busy, retry now")
    );
    Ok(())
}

#[test]
fn status_400_puts_field_errors_under_the_fields() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    let errors: Errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"loginId": [{"code": "[blank]loginId", "message": "Login ID is required"}]},
        "generalErrors": [{"code": "[Oops]", "message": "Something else"}]
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    let screen = login_screen(&app)?;
    assert_eq!(screen.login_id.error(), Some("Login ID is required"));
    assert_eq!(screen.focus, LoginFocus::LoginId);
    assert_eq!(message_text(&app).as_deref(), Some("Error: Something else"));
    Ok(())
}

#[test]
fn esc_cancels_a_running_login_and_its_late_answer_is_ignored() -> TestResult {
    let mut app = app();
    let id = submit(&mut app)?;
    assert_eq!(app.update(key(KeyCode::Esc)), vec![]);
    assert!(!login_screen(&app)?.is_busy());
    assert_eq!(message_text(&app).as_deref(), Some("sign-in cancelled"));
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::Success(
            signed_in_response(None),
        ))),
    );
    assert!(
        matches!(app.screen(), Screen::Login(_)),
        "late answer ignored"
    );
    Ok(())
}

#[test]
fn keys_other_than_esc_are_ignored_while_signing_in() -> TestResult {
    let mut app = app();
    submit(&mut app)?;
    assert_eq!(type_keys(&mut app, "x\n"), vec![]);
    assert_eq!(login_screen(&app)?.password.value(), "secret");
    Ok(())
}
