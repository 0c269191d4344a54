//! Register / enrol: account, phone, code, recovery codes, and the errors on the way.

use crossterm::event::KeyCode;

use super::*;
use crate::client::wire::{NewRegistration, NewUser, RegistrationRequest, RegistrationResponse};
use crate::screens::RegisterScreen;
use crate::screens::register::Step;
use crate::testing::{ctrl, press};

fn screen(app: &App) -> Result<&RegisterScreen, String> {
    match app.screen() {
        Screen::Register(screen) => Ok(screen),
        other => Err(format!("expected the register screen, got {other:?}")),
    }
}

fn bob() -> User {
    User {
        id: "U-bob".into(),
        email: Some("bob@example.com".into()),
        ..User::default()
    }
}

/// F3 and the account step done; returns the app on the method step (SMS chosen).
fn at_method_step() -> Result<App, String> {
    let mut app = app();
    assert_eq!(press(&mut app, KeyCode::F(3)), vec![]);
    let (id, _) = single_call(&type_keys(&mut app, "bob@example.com\tlong enough\tBob\n"))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Registered(RegistrationResponse {
            user: bob(),
        })),
    );
    assert_eq!(screen(&app)?.step, Step::Method);
    Ok(app)
}

#[test]
fn the_account_step_posts_the_registration() -> TestResult {
    let mut app = app();
    press(&mut app, KeyCode::F(3));
    assert_eq!(screen(&app)?.step, Step::Account);
    let (_, request) = single_call(&type_keys(&mut app, "bob@example.com\tlong enough\tBob\n"))?;
    assert_eq!(
        request,
        ApiRequest::Register(RegistrationRequest {
            user: NewUser {
                email: "bob@example.com".into(),
                password: "long enough".into(),
                first_name: Some("Bob".into()),
            },
            registration: NewRegistration {
                application_id: "app-1".into(),
            },
        })
    );
    Ok(())
}

#[test]
fn short_passwords_and_missing_application_ids_are_caught_locally() -> TestResult {
    let mut app = app();
    press(&mut app, KeyCode::F(3));
    assert_eq!(type_keys(&mut app, "bob@example.com\tshort\n"), vec![]);
    assert_eq!(
        screen(&app)?.password.error(),
        Some("at least 8 characters")
    );

    let mut app = app_with(Config {
        application_id: None,
        ..config()
    });
    press(&mut app, KeyCode::F(3));
    assert_eq!(
        type_keys(&mut app, "bob@example.com\tlong enough\n"),
        vec![]
    );
    assert!(message_text(&app).is_some_and(|m| m.contains("--application-id")));
    Ok(())
}

#[test]
fn a_duplicate_email_is_explained_under_the_field() -> TestResult {
    let mut app = app();
    press(&mut app, KeyCode::F(3));
    let (id, _) = single_call(&type_keys(&mut app, "bob@example.com\tlong enough\n"))?;
    let errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"user.email": [{"code": "[duplicate]user.email", "message": "already exists"}]}
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    let register = screen(&app)?;
    assert_eq!(register.step, Step::Account);
    assert_eq!(
        register.email.error(),
        Some("an account with this email already exists")
    );
    assert_eq!(register.focus, 0);
    assert_eq!(message_text(&app), None, "all errors are under fields");
    Ok(())
}

#[test]
fn phone_code_and_recovery_codes_finish_back_at_login() -> TestResult {
    let mut app = at_method_step()?;
    assert_eq!(type_keys(&mut app, "5551234\n"), vec![], "not E.164");
    assert!(screen(&app)?.phone.error().is_some());
    press(&mut app, KeyCode::Home);
    let (id, request) = single_call(&type_keys(&mut app, "+1\n"))?;
    assert_eq!(
        request,
        ApiRequest::SendEnrolmentCode {
            user_id: "U-bob".into(),
            mobile_phone: "+15551234".into(),
        }
    );
    reply(&mut app, id, Ok(ApiResponse::EnrolmentCodeSent));
    assert_eq!(screen(&app)?.step, Step::Code);

    let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
    reply(&mut app, id, Err(ClientError::InvalidCode));
    assert_eq!(screen(&app)?.step, Step::Code);
    assert!(message_text(&app).is_some_and(|m| m.starts_with("Error: wrong code")));

    let (id, request) = single_call(&type_keys(&mut app, "123456\n"))?;
    assert_eq!(
        request,
        ApiRequest::EnableSmsTwoFactor {
            user_id: "U-bob".into(),
            mobile_phone: "+15551234".into(),
            code: Secret::new("123456"),
        }
    );
    let codes: Vec<Secret> = (0..10)
        .map(|i| Secret::new(format!("QJD7{i}-L6GR{i}")))
        .collect();
    reply(&mut app, id, Ok(ApiResponse::TwoFactorEnabled(codes)));
    assert_eq!(screen(&app)?.step, Step::RecoveryCodes);
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("QJD70-L6GR0") && text.contains("QJD79-L6GR9"),
        "{text}"
    );

    assert_eq!(press(&mut app, KeyCode::Esc), vec![]);
    assert_eq!(
        screen(&app)?.step,
        Step::RecoveryCodes,
        "Esc does not skip the codes"
    );
    press(&mut app, KeyCode::Enter);
    let Screen::Login(login) = app.screen() else {
        return Err("expected login".into());
    };
    assert_eq!(login.login_id.value(), "bob@example.com");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: account bob@example.com is ready with SMS two-factor: sign in")
    );
    Ok(())
}

#[test]
fn a_bad_phone_number_from_the_server_is_shown_under_the_field() -> TestResult {
    let mut app = at_method_step()?;
    let (id, _) = single_call(&type_keys(&mut app, "+999123\n"))?;
    let errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"mobilePhone": [{"code": "[notAllowed]mobilePhone", "message": "This country is not allowed"}]}
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    let register = screen(&app)?;
    assert_eq!(register.step, Step::Method);
    assert_eq!(register.phone.error(), Some("This country is not allowed"));
    Ok(())
}

#[test]
fn resending_the_enrolment_code_respects_the_cooldown() -> TestResult {
    let mut app = at_method_step()?;
    let (id, _) = single_call(&type_keys(&mut app, "+15551234567\n"))?;
    reply(&mut app, id, Ok(ApiResponse::EnrolmentCodeSent));
    assert_eq!(app.update(ctrl('r')), vec![]);
    tick(&mut app, 30);
    let (id, request) = single_call(&app.update(ctrl('r')))?;
    assert!(matches!(request, ApiRequest::SendEnrolmentCode { .. }));
    reply_at(
        &mut app,
        id,
        30,
        Err(ClientError::Busy {
            status: 429,
            retry_after_secs: Some(60),
        }),
    );
    assert_eq!(screen(&app)?.step, Step::Code);
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: too many codes requested; retry in 60 s")
    );
    Ok(())
}

#[test]
fn esc_on_the_method_step_leaves_without_two_factor() -> TestResult {
    let mut app = at_method_step()?;
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("account bob@example.com was created without two-factor")
    );
    Ok(())
}
