//! The authenticator app: enrolment on the Register screen (F3) and from the Signed-in screen (the
//! choice of method, the secret and issuer calls, the QR code and its fit, 421/400 and the
//! recovery codes), the QR code read back from the drawn screen, and the two-factor screen with
//! the daemon's real 242 shapes (app used last: no SMS sent, "send an SMS instead").

use crossterm::event::KeyCode;

use super::render::check;
use super::*;
use crate::client::wire::{RegistrationResponse, Tenant, TwoFactorSecret};
use crate::screens::register::{MethodChoice, Step};
use crate::screens::{RegisterScreen, ScreenState as _};
use crate::testing::{Theme, ctrl, decode_qr, draw, press};

/// FusionAuth's documented sample secret.
const SECRET: &str = "8MJJfCY4ERBtotvenSc3";
const SECRET_BASE32: &str = "HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT";
const URI: &str = "otpauth://totp/twofold:bob%40example.com?secret=HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT&issuer=twofold&algorithm=SHA1&digits=6&period=30";

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
        tenant_id: Some("T1".into()),
        ..User::default()
    }
}

fn secret() -> ApiResult {
    Ok(ApiResponse::TwoFactorSecret(TwoFactorSecret {
        secret: Secret::new(SECRET),
        secret_base32_encoded: Secret::new(SECRET_BASE32),
    }))
}

fn tenants(issuer: &str) -> Result<ApiResult, serde_json::Error> {
    let tenants: Vec<Tenant> = serde_json::from_value(serde_json::json!([
        {"id": "T0", "issuer": "someone else"},
        {"id": "T1", "issuer": issuer}
    ]))?;
    Ok(Ok(ApiResponse::Tenants(tenants)))
}

/// F3, bob's account created: the app on the method step.
fn at_method_step() -> Result<App, String> {
    let mut app = app();
    press(&mut app, KeyCode::F(3));
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

/// On to the app step with [`SECRET_BASE32`] and the tenant's `issuer`.
fn at_app_step(issuer: &str) -> Result<App, Box<dyn std::error::Error>> {
    let mut app = at_method_step()?;
    press(&mut app, KeyCode::Tab);
    let (id, request) = single_call(&press(&mut app, KeyCode::Enter))?;
    assert_eq!(request, ApiRequest::GetTwoFactorSecret);
    let (id, request) = single_call(&reply(&mut app, id, secret()))?;
    assert_eq!(request, ApiRequest::ListTenants, "the issuer comes next");
    assert_eq!(reply(&mut app, id, tenants(issuer)?), vec![]);
    assert_eq!(screen(&app)?.step, Step::AppCode);
    Ok(app)
}

fn uri_of(app: &App) -> Result<String, String> {
    let enrolment = screen(app)?.app.as_ref().ok_or("no enrolment")?;
    Ok(enrolment.uri.expose().to_owned())
}

/// The QR codes on screen at `width`×`height`, decoded as a phone on a dark terminal would.
fn qr_on_screen(app: &App, width: u16, height: u16) -> Result<Vec<String>, String> {
    let backend = draw(app, width, height).map_err(|e| e.to_string())?;
    decode_qr(backend.buffer(), Theme::Dark)
        .into_iter()
        .collect()
}

#[test]
fn the_method_step_offers_sms_or_an_app_and_tab_switches() -> TestResult {
    let mut app = at_method_step()?;
    assert_eq!(screen(&app)?.choice, MethodChoice::Sms, "SMS first");
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("(•) Text message (SMS) to a mobile phone"),
        "{text}"
    );
    assert!(
        text.contains("( ) Authenticator app (scan a QR code)"),
        "{text}"
    );
    assert!(
        text.contains(
            "OK: account bob@example.com created; now add a phone or an authenticator app"
        ),
        "{text}"
    );
    check("register_method", &app, 80, 24)?;
    press(&mut app, KeyCode::Tab);
    assert_eq!(screen(&app)?.choice, MethodChoice::App);
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("(•) Authenticator app"), "{text}");
    assert!(!text.contains("Mobile phone"), "no phone field for the app");
    type_keys(&mut app, "12");
    assert_eq!(screen(&app)?.phone.value(), "", "typing goes nowhere");
    press(&mut app, KeyCode::Up);
    assert_eq!(screen(&app)?.choice, MethodChoice::Sms);
    Ok(())
}

#[test]
fn choosing_the_app_fetches_a_secret_then_the_issuer_and_builds_the_uri() -> TestResult {
    let app = at_app_step("twofold")?;
    assert_eq!(uri_of(&app)?, URI);
    let register = screen(&app)?;
    let enrolment = register.app.as_ref().ok_or("no enrolment")?;
    assert_eq!(enrolment.secret_base32, Secret::new(SECRET_BASE32));
    assert_eq!(enrolment.account, "bob@example.com");
    assert_eq!(register.title(), "Register: 3/3 authenticator app");
    let debug = format!("{:?}", app.screen());
    assert!(!debug.contains("HBGU"), "the secret is redacted: {debug}");
    assert!(!debug.contains(SECRET), "{debug}");

    // The tenant's own issuer names the account in the app, encoded.
    let app = at_app_step("Example Corp")?;
    assert_eq!(
        uri_of(&app)?,
        "otpauth://totp/Example%20Corp:bob%40example.com?secret=HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT&issuer=Example%20Corp&algorithm=SHA1&digits=6&period=30"
    );
    Ok(())
}

#[test]
fn without_the_tenant_list_the_issuer_is_twofold() -> TestResult {
    let mut app = at_method_step()?;
    press(&mut app, KeyCode::Tab);
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    let (id, _) = single_call(&reply(&mut app, id, secret()))?;
    reply(&mut app, id, Err(ClientError::Unauthorized));
    assert_eq!(screen(&app)?.step, Step::AppCode);
    assert_eq!(uri_of(&app)?, URI);
    assert_eq!(
        message_text(&app),
        None,
        "the issuer is a nicety, not an error"
    );
    Ok(())
}

#[test]
fn a_refused_secret_request_stays_on_the_method_step() -> TestResult {
    let mut app = at_method_step()?;
    press(&mut app, KeyCode::Tab);
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    reply(&mut app, id, Err(unreachable("/api/two-factor/secret")));
    assert_eq!(screen(&app)?.step, Step::Method);
    assert!(
        message_text(&app).is_some_and(|m| m.starts_with("Error: could not reach")),
        "{:?}",
        message_text(&app)
    );
    Ok(())
}

#[test]
fn the_app_code_is_checked_locally_then_sent_with_the_secret() -> TestResult {
    let mut app = at_app_step("twofold")?;
    assert_eq!(press(&mut app, KeyCode::Enter), vec![], "empty");
    assert_eq!(
        screen(&app)?.app_code.error(),
        Some("type the 6 digits your app shows now")
    );
    assert_eq!(type_keys(&mut app, "12a456\n"), vec![], "not digits");
    press(&mut app, KeyCode::Home);
    app.update(ctrl('u'));
    // Apps show "123 456": the space is dropped.
    let (_, request) = single_call(&type_keys(&mut app, "123 456\n"))?;
    assert_eq!(
        request,
        ApiRequest::EnableAuthenticator {
            user_id: "U-bob".into(),
            secret_base32: Secret::new(SECRET_BASE32),
            code: Secret::new("123456"),
        }
    );
    assert!(screen(&app)?.is_busy());
    Ok(())
}

#[test]
fn status_421_asks_to_check_the_clock_and_400_is_shown() -> TestResult {
    let mut app = at_app_step("twofold")?;
    let (id, _) = single_call(&type_keys(&mut app, "000000\n"))?;
    reply(&mut app, id, Err(ClientError::InvalidCode));
    assert_eq!(screen(&app)?.step, Step::AppCode);
    assert_eq!(
        screen(&app)?.app_code.value(),
        "",
        "cleared for the next code"
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: that code did not match — check the phone's clock (set it to automatic time), then type the code the app shows now"
        )
    );

    let (id, _) = single_call(&type_keys(&mut app, "111111\n"))?;
    let errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"code": [{"code": "[blank]code", "message": "You must specify the code."}]}
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    assert_eq!(
        screen(&app)?.app_code.error(),
        Some("You must specify the code.")
    );
    assert_eq!(message_text(&app), None, "shown under the field");

    app.update(ctrl('u'));
    let (id, _) = single_call(&type_keys(&mut app, "222222\n"))?;
    let errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"secretBase32Encoded": [{"code": "[invalid]secretBase32Encoded",
            "message": "secretBase32Encoded is not Base32"}]}
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: the server refused this secret (secretBase32Encoded is not Base32): press ^N for a new one"
        )
    );

    // ^N: a new secret, shown at once (the issuer is known by now).
    let (id, request) = single_call(&app.update(ctrl('n')))?;
    assert_eq!(request, ApiRequest::GetTwoFactorSecret);
    let other = Ok(ApiResponse::TwoFactorSecret(TwoFactorSecret {
        secret: Secret::new("aaaaaaaaaaaaaaaaaaaa"),
        secret_base32_encoded: Secret::new("MFQWCYLBMFQWCYLBMFQWCYLBMFQWCYLB"),
    }));
    assert_eq!(reply(&mut app, id, other), vec![]);
    assert!(uri_of(&app)?.contains("secret=MFQWCYLBMFQWCYLBMFQWCYLBMFQWCYLB&"));
    assert_eq!(message_text(&app), None);
    Ok(())
}

#[test]
fn the_first_method_shows_recovery_codes_then_login() -> TestResult {
    let mut app = at_app_step("twofold")?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    let codes: Vec<Secret> = (0..10)
        .map(|i| Secret::new(format!("QJD7{i}-L6GR{i}")))
        .collect();
    reply(&mut app, id, Ok(ApiResponse::TwoFactorEnabled(codes)));
    assert_eq!(screen(&app)?.step, Step::RecoveryCodes);
    assert!(screen_text(&app, 80, 24)?.contains("QJD79-L6GR9"));
    press(&mut app, KeyCode::Enter);
    let Screen::Login(login) = app.screen() else {
        return Err("expected login".into());
    };
    assert_eq!(login.login_id.value(), "bob@example.com");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: account bob@example.com is ready with authenticator-app two-factor: sign in")
    );
    Ok(())
}

#[test]
fn a_second_method_gets_no_codes_and_is_done() -> TestResult {
    let mut app = at_app_step("twofold")?;
    let (id, _) = single_call(&type_keys(&mut app, "123456\n"))?;
    reply(&mut app, id, Ok(ApiResponse::TwoFactorEnabled(Vec::new())));
    assert!(matches!(app.screen(), Screen::Login(_)));
    Ok(())
}

#[test]
fn esc_goes_back_to_the_choice_and_then_out() -> TestResult {
    let mut app = at_app_step("twofold")?;
    type_keys(&mut app, "12");
    press(&mut app, KeyCode::Esc);
    let register = screen(&app)?;
    assert_eq!(register.step, Step::Method);
    assert_eq!(register.choice, MethodChoice::App);
    assert_eq!(register.app, None, "the secret is dropped");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("account bob@example.com was created without two-factor")
    );
    Ok(())
}

#[test]
fn esc_while_waiting_stops_waiting() -> TestResult {
    let mut app = at_method_step()?;
    press(&mut app, KeyCode::Tab);
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    press(&mut app, KeyCode::Esc);
    assert!(!screen(&app)?.is_busy());
    assert_eq!(
        reply(&mut app, id, secret()),
        vec![],
        "a late answer is dropped"
    );
    assert_eq!(screen(&app)?.step, Step::Method);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The QR code on screen.

#[test]
fn the_qr_code_beside_the_secret_at_100x30() -> TestResult {
    let app = at_app_step("twofold")?;
    assert_eq!(qr_on_screen(&app, 100, 30)?, vec![URI.to_owned()]);
    let backend = draw(&app, 100, 30)?;
    assert_eq!(
        decode_qr(backend.buffer(), Theme::Light),
        vec![Ok(URI.to_owned())],
        "and on a light theme"
    );
    let text = screen_text(&app, 100, 30)?;
    assert!(
        text.contains("HBGU USTG INMT IRKS IJ2G 65DW MVXF GYZT"),
        "{text}"
    );
    assert!(text.contains("Account  twofold: bob@example.com"), "{text}");
    check("register_app_100x30", &app, 100, 30)
}

#[test]
fn at_80x24_the_code_does_not_fit_so_the_secret_and_full_screen_are_offered() -> TestResult {
    let mut app = at_app_step("twofold")?;
    assert_eq!(qr_on_screen(&app, 80, 24)?, Vec::<String>::new());
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("The QR code needs 45×23 characters and does not fit here: ^F shows it"),
        "{text}"
    );
    assert!(
        text.contains("HBGU USTG INMT IRKS IJ2G 65DW MVXF GYZT"),
        "{text}"
    );
    check("register_app_80x24", &app, 80, 24)?;

    assert_eq!(app.update(ctrl('f')), vec![]);
    assert!(screen(&app)?.fullscreen);
    assert_eq!(qr_on_screen(&app, 80, 24)?, vec![URI.to_owned()]);
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("Scan this with your"), "{text}");
    check("register_app_fullscreen_80x24", &app, 80, 24)?;

    // Any key returns to the field, and is not typed into it.
    press(&mut app, KeyCode::Char('7'));
    assert!(!screen(&app)?.fullscreen);
    assert_eq!(screen(&app)?.app_code.value(), "");
    Ok(())
}

#[test]
fn at_every_size_the_code_on_screen_decodes_to_the_uri_or_is_not_drawn() -> TestResult {
    for (phone_panel, account) in [
        (false, "bob@example.com"),
        (true, "a.rather.long.name+two-factor@subdomain.example.com"),
    ] {
        let mut app = app_with(Config {
            outbox: phone_panel.then(|| "/tmp/outbox.jsonl".into()),
            ..config()
        });
        press(&mut app, KeyCode::F(3));
        let (id, _) = single_call(&type_keys(&mut app, &format!("{account}\tlong enough\n")))?;
        let user = User {
            email: Some(account.to_owned()),
            ..bob()
        };
        reply(
            &mut app,
            id,
            Ok(ApiResponse::Registered(RegistrationResponse { user })),
        );
        press(&mut app, KeyCode::Tab);
        let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
        let (id, _) = single_call(&reply(&mut app, id, secret()))?;
        reply(&mut app, id, tenants("twofold")?);
        let uri = uri_of(&app)?;
        let mut drawn = 0;
        for (width, height) in [
            (40, 12),
            (60, 20),
            (80, 24),
            (90, 28),
            (100, 30),
            (120, 36),
            (140, 40),
            (160, 50),
            (200, 60),
        ] {
            for fullscreen in [false, true] {
                if screen(&app)?.fullscreen != fullscreen {
                    let key = if fullscreen {
                        ctrl('f')
                    } else {
                        crate::testing::key(KeyCode::Esc)
                    };
                    app.update(key);
                }
                let found = qr_on_screen(&app, width, height)?;
                let text = screen_text(&app, width, height)?;
                let said_so = text.contains("does not fit here") || text.contains("too small for");
                match found.as_slice() {
                    [] => assert!(
                        said_so,
                        "{width}×{height} {fullscreen}: nothing and no word\n{text}"
                    ),
                    [decoded] => {
                        assert_eq!(decoded, &uri, "{width}×{height} full-screen {fullscreen}");
                        drawn += 1;
                    }
                    more => return Err(format!("{width}×{height}: {more:?}").into()),
                }
            }
        }
        assert!(drawn >= 8, "the code is drawn at most sizes ({drawn})");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Adding a method while signed in.

#[test]
fn a_signed_in_user_adds_the_app_and_returns_to_signed_in() -> TestResult {
    let mut app = at_signed_in(Some("rt"))?;
    assert!(screen_text(&app, 80, 24)?.contains("a add 2FA"));
    assert_eq!(type_keys(&mut app, "a"), vec![]);
    let register = screen(&app)?;
    assert_eq!(register.step, Step::Method);
    assert_eq!(register.title(), "Add a two-factor method");
    press(&mut app, KeyCode::Tab);
    let (id, _) = single_call(&press(&mut app, KeyCode::Enter))?;
    let (id, _) = single_call(&reply(&mut app, id, secret()))?;
    reply(&mut app, id, tenants("twofold")?);
    assert!(uri_of(&app)?.starts_with("otpauth://totp/twofold:alice%40example.com?secret="));
    let (id, request) = single_call(&type_keys(&mut app, "654321\n"))?;
    assert!(
        matches!(&request, ApiRequest::EnableAuthenticator { user_id, .. } if *user_id == alice().id),
        "{request:?}"
    );
    reply(&mut app, id, Ok(ApiResponse::TwoFactorEnabled(Vec::new())));
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: the authenticator app is now a two-factor method of alice@example.com")
    );

    // Esc from the choice returns too, saying nothing was added.
    type_keys(&mut app, "a");
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("no two-factor method was added")
    );
    Ok(())
}

#[test]
fn adding_a_method_needs_the_api_key() -> TestResult {
    let mut app = app_with(Config {
        has_api_key: false,
        ..config()
    });
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::Success(
            signed_in_response(None),
        ))),
    );
    assert_eq!(type_keys(&mut app, "a"), vec![]);
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    assert!(message_text(&app).is_some_and(|m| m.contains("needs an API key")));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The two-factor screen with the daemon's 242 shapes.

/// The 242 when the authenticator was used last: nothing was sent, so the sms entry has no
/// `codeSent`.
fn app_used_last() -> TwoFactorChallenge {
    serde_json::from_value(serde_json::json!({
        "twoFactorId": "TFID-3",
        "methods": [
            {"id": "K3QZ", "method": "sms", "mobilePhone": "+1******4567", "lastUsed": false},
            {"id": "2KSZ", "method": "authenticator", "lastUsed": true,
             "authenticator": {"algorithm": "HmacSHA1", "codeLength": 6, "timeStep": 30}}
        ],
        "twoFactorIdExpirationInstant": NOW.0 + 300_000,
        "codeAttemptsRemaining": 5
    }))
    .unwrap_or_default()
}

#[test]
fn with_the_app_used_last_no_sms_is_claimed_and_one_can_be_sent_instead() -> TestResult {
    let mut app = at_two_factor(app_used_last())?;
    let Screen::TwoFactor(two_factor) = app.screen() else {
        return Err("expected two-factor".into());
    };
    assert_eq!(two_factor.selected, 1, "the app, used last, is chosen");
    assert_eq!(two_factor.code.label(), "App code");
    let text = screen_text(&app, 80, 24)?;
    assert!(!text.contains("was sent"), "{text}");
    assert!(!text.contains("code sent"), "{text}");
    assert!(
        text.contains("1. SMS to +1******4567 (nothing sent)"),
        "{text}"
    );
    assert!(text.contains("2. Authenticator app (used last)"), "{text}");
    assert!(
        text.contains("Send an SMS to +1******4567 instead (^R): available now"),
        "{text}"
    );
    assert!(text.contains("^R SMS instead"), "{text}");
    check("two_factor_app_used_last", &app, 80, 24)?;

    // Looking at the SMS method says nothing went out.
    press(&mut app, KeyCode::Up);
    let text = screen_text(&app, 80, 24)?;
    assert!(
        text.contains("No code was sent by SMS to +1******4567 for this sign-in (you last used"),
        "{text}"
    );
    press(&mut app, KeyCode::Down);
    // With a recovery code instead, there is no SMS to offer.
    app.update(ctrl('o'));
    assert!(!screen_text(&app, 80, 24)?.contains("instead (^R)"));
    app.update(ctrl('o'));

    // ^R from the app: switch to SMS and send.
    let (id, request) = single_call(&app.update(ctrl('r')))?;
    assert_eq!(
        request,
        ApiRequest::SendTwoFactorCode {
            two_factor_id: Secret::new("TFID-3"),
            method_id: "K3QZ".into(),
        }
    );
    reply(&mut app, id, Ok(ApiResponse::CodeSent));
    let Screen::TwoFactor(two_factor) = app.screen() else {
        return Err("expected two-factor".into());
    };
    assert_eq!(two_factor.selected, 0);
    assert_eq!(two_factor.code.label(), "SMS code");
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: a new code was sent by SMS to +1******4567")
    );
    Ok(())
}

#[test]
fn the_app_code_signs_in() -> TestResult {
    let mut app = at_two_factor(app_used_last())?;
    let (id, request) = single_call(&type_keys(&mut app, "123456\n"))?;
    let ApiRequest::TwoFactorLogin(body) = request else {
        return Err("expected a two-factor login".into());
    };
    assert_eq!(body.code, Secret::new("123456"));
    reply(
        &mut app,
        id,
        Ok(ApiResponse::TwoFactorLogin(LoginOutcome::Success(
            signed_in_response(Some("rt")),
        ))),
    );
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    Ok(())
}
