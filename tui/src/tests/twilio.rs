//! Twilio setup screen: opening (and refusing without a key), loading, live validation, save
//! (create / update + tenant), send test (saved / unsaved) and the provider's answers.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::client::wire::{Messenger, Tenant, TestReceipt};
use crate::screens::TwilioSetupScreen;
use crate::screens::twilio_setup::{
    FIELD_ACCOUNT_SID, FIELD_AUTH_TOKEN, FIELD_FROM, FIELD_MESSAGING_SERVICE_SID, FIELD_TEST_PHONE,
};
use crate::testing::{ctrl, press};
use crate::widgets::field::FieldStatus;

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const SERVICE: &str = "MG0123456789abcdef0123456789abcdef";

fn screen(app: &App) -> Result<&TwilioSetupScreen, String> {
    match app.screen() {
        Screen::TwilioSetup(screen) => Ok(screen),
        other => Err(format!("expected the Twilio setup screen, got {other:?}")),
    }
}

fn tenant(messenger_id: Option<&str>) -> Result<Tenant, serde_json::Error> {
    serde_json::from_value(serde_json::json!({
        "id": "T1", "name": "Default",
        "multiFactorConfiguration": {"sms": {"enabled": messenger_id.is_some(), "messengerId": messenger_id}}
    }))
}

fn saved_twilio() -> Messenger {
    Messenger {
        id: Some("M1".into()),
        name: Some("Twilio".into()),
        kind: Some("Twilio".into()),
        url: Some("https://api.twilio.com".into()),
        account_sid: Some(SID.into()),
        auth_token: Some(Secret::new("********")),
        from_phone_number: Some("+15550001111".into()),
        messaging_service_sid: None,
        debug: Some(false),
    }
}

/// F2, then answers the tenant and messenger loads.
fn opened(tenants: Vec<Tenant>, messengers: Vec<Messenger>) -> Result<App, String> {
    let mut app = app();
    let (id, request) = single_call(&press(&mut app, KeyCode::F(2)))?;
    assert_eq!(request, ApiRequest::ListTenants);
    let (id, request) = single_call(&reply(&mut app, id, Ok(ApiResponse::Tenants(tenants))))?;
    assert_eq!(request, ApiRequest::ListMessengers);
    assert_eq!(
        reply(&mut app, id, Ok(ApiResponse::Messengers(messengers))),
        vec![]
    );
    screen(&app)?;
    Ok(app)
}

/// Moves focus to `index` and types `text` there.
fn fill(app: &mut App, index: usize, text: &str) -> Result<(), String> {
    while screen(app)?.focus != index {
        press(app, KeyCode::Tab);
    }
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char('u'),
        KeyModifiers::CONTROL,
    )));
    type_keys(app, text);
    Ok(())
}

#[test]
fn f2_without_an_api_key_explains_and_stays() -> TestResult {
    let mut app = app_with(Config {
        has_api_key: false,
        ..config()
    });
    assert_eq!(press(&mut app, KeyCode::F(2)), vec![]);
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        app.notice().map(|m| m.render_text(NOW)).as_deref(),
        Some(
            "Error: Twilio setup needs an API key: start twofold with --api-key or TWOFOLD_API_KEY"
        )
    );
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("Twilio setup needs an API key"), "{text}");
    assert!(
        text.contains("F2 Twilio setup"),
        "F2 is listed in the key bar"
    );
    Ok(())
}

#[test]
fn opening_loads_the_tenants_twilio_messenger_without_its_token() -> TestResult {
    let app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    let setup = screen(&app)?;
    assert_eq!(setup.messenger_id.as_deref(), Some("M1"));
    assert_eq!(setup.tenant_id.as_deref(), Some("T1"));
    assert_eq!(setup.fields[FIELD_ACCOUNT_SID].value(), SID);
    assert_eq!(setup.fields[FIELD_FROM].value(), "+15550001111");
    assert_eq!(
        setup.fields[FIELD_AUTH_TOKEN].value(),
        "",
        "the mask is never loaded"
    );
    assert!(setup.token_stored);
    assert!(!setup.dirty);
    assert_eq!(
        setup.status(FIELD_AUTH_TOKEN),
        Some(FieldStatus::Hint(
            "stored on the server; leave empty to keep it".into()
        ))
    );
    Ok(())
}

#[test]
fn fields_are_validated_as_you_type() -> TestResult {
    let mut app = opened(vec![tenant(None)?], vec![])?;
    fill(&mut app, FIELD_ACCOUNT_SID, "AC12")?;
    assert_eq!(
        screen(&app)?.status(FIELD_ACCOUNT_SID),
        Some(FieldStatus::Problem(
            "AC must be followed by 32 hex digits, have 2".into()
        ))
    );
    fill(&mut app, FIELD_ACCOUNT_SID, SID)?;
    assert_eq!(
        screen(&app)?.status(FIELD_ACCOUNT_SID),
        Some(FieldStatus::Ok("looks right".into()))
    );
    assert!(matches!(
        screen(&app)?.status(FIELD_FROM),
        Some(FieldStatus::Problem(p)) if p.contains("exactly one")
    ));
    fill(&mut app, FIELD_FROM, "+1555")?;
    fill(&mut app, FIELD_MESSAGING_SERVICE_SID, SERVICE)?;
    assert!(matches!(
        screen(&app)?.status(FIELD_MESSAGING_SERVICE_SID),
        Some(FieldStatus::Problem(p)) if p.contains("only one")
    ));
    fill(&mut app, FIELD_FROM, "")?;
    assert_eq!(
        screen(&app)?.status(FIELD_MESSAGING_SERVICE_SID),
        Some(FieldStatus::Ok("looks right".into()))
    );
    fill(&mut app, FIELD_TEST_PHONE, "5551234")?;
    assert!(matches!(
        screen(&app)?.status(FIELD_TEST_PHONE),
        Some(FieldStatus::Problem(p)) if p.starts_with("must start with +")
    ));
    Ok(())
}

#[test]
fn saving_a_new_messenger_creates_it_and_makes_it_the_tenants() -> TestResult {
    let mut app = opened(vec![tenant(None)?], vec![])?;
    fill(&mut app, FIELD_ACCOUNT_SID, SID)?;
    assert_eq!(app.update(ctrl('s')), vec![], "the token is still missing");
    assert_eq!(screen(&app)?.focus, FIELD_AUTH_TOKEN);
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: fix the fields marked ✗ before saving")
    );
    type_keys(&mut app, "tok-secret");
    fill(&mut app, FIELD_MESSAGING_SERVICE_SID, SERVICE)?;
    let (id, request) = single_call(&app.update(ctrl('s')))?;
    assert_eq!(
        request,
        ApiRequest::CreateMessenger(Messenger {
            name: Some("Twilio".into()),
            kind: Some("Twilio".into()),
            url: Some("https://api.twilio.com".into()),
            account_sid: Some(SID.into()),
            auth_token: Some(Secret::new("tok-secret")),
            messaging_service_sid: Some(SERVICE.into()),
            ..Messenger::default()
        })
    );
    let saved = Messenger {
        id: Some("M9".into()),
        ..saved_twilio()
    };
    let (id, request) = single_call(&reply(&mut app, id, Ok(ApiResponse::MessengerSaved(saved))))?;
    assert_eq!(
        request,
        ApiRequest::SetTenantSmsMessenger {
            tenant_id: "T1".into(),
            messenger_id: "M9".into(),
        }
    );
    assert_eq!(
        screen(&app)?.fields[FIELD_AUTH_TOKEN].value(),
        "",
        "token forgotten once saved"
    );
    reply(&mut app, id, Ok(ApiResponse::TenantUpdated));
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "OK: saved: the tenant now sends its SMS codes with the Twilio messenger \"Twilio\" (M9)"
        )
    );
    Ok(())
}

#[test]
fn saving_an_existing_messenger_patches_it_and_keeps_the_stored_token() -> TestResult {
    let mut app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    fill(&mut app, FIELD_FROM, "")?;
    fill(&mut app, FIELD_MESSAGING_SERVICE_SID, SERVICE)?;
    assert!(screen(&app)?.dirty);
    let (_, request) = single_call(&app.update(ctrl('s')))?;
    let ApiRequest::UpdateMessenger { id, messenger } = request else {
        return Err("expected an update".into());
    };
    assert_eq!(id, "M1");
    assert_eq!(messenger.auth_token, None, "omitted: keep the stored token");
    assert_eq!(
        messenger.from_phone_number.as_deref(),
        Some(""),
        "cleared explicitly"
    );
    assert_eq!(messenger.messaging_service_sid.as_deref(), Some(SERVICE));
    Ok(())
}

#[test]
fn a_400_on_save_marks_the_fields() -> TestResult {
    let mut app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    let (id, _) = single_call(&app.update(ctrl('s')))?;
    let errors = serde_json::from_value(serde_json::json!({
        "fieldErrors": {"messenger.accountSID": [{"code": "[invalid]messenger.accountSID", "message": "Unknown account"}]}
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors,
        }),
    );
    let setup = screen(&app)?;
    assert_eq!(
        setup.fields[FIELD_ACCOUNT_SID].error(),
        Some("Unknown account")
    );
    assert_eq!(setup.focus, FIELD_ACCOUNT_SID);
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: not saved (HTTP 400): see the fields marked ✗")
    );
    Ok(())
}

#[test]
fn send_test_uses_the_saved_messenger_when_nothing_changed() -> TestResult {
    let mut app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    assert_eq!(app.update(ctrl('t')), vec![], "no test number yet");
    assert_eq!(screen(&app)?.focus, FIELD_TEST_PHONE);
    type_keys(&mut app, "+15557654321");
    let (id, request) = single_call(&app.update(ctrl('t')))?;
    assert_eq!(
        request,
        ApiRequest::TestSavedMessenger {
            id: "M1".into(),
            phone_number: "+15557654321".into(),
        }
    );
    reply(
        &mut app,
        id,
        Ok(ApiResponse::TestReceipt(TestReceipt {
            provider: Some("twilio".into()),
            message_id: Some("SM0123".into()),
            status: Some("queued".into()),
        })),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some("OK: twilio accepted the test message: SM0123 (status queued)")
    );
    Ok(())
}

#[test]
fn send_test_of_changed_settings_needs_the_token_then_tests_unsaved() -> TestResult {
    let mut app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    fill(&mut app, FIELD_FROM, "+15550002222")?;
    fill(&mut app, FIELD_TEST_PHONE, "+15557654321")?;
    assert_eq!(app.update(ctrl('t')), vec![]);
    assert_eq!(screen(&app)?.focus, FIELD_AUTH_TOKEN);
    type_keys(&mut app, "tok-secret");
    let (id, request) = single_call(&app.update(ctrl('t')))?;
    let ApiRequest::TestMessenger {
        messenger,
        phone_number,
    } = request
    else {
        return Err("expected an unsaved test".into());
    };
    assert_eq!(phone_number, "+15557654321");
    assert_eq!(messenger.from_phone_number.as_deref(), Some("+15550002222"));
    assert_eq!(messenger.auth_token, Some(Secret::new("tok-secret")));
    assert_eq!(messenger.messaging_service_sid, None);

    let errors = serde_json::from_value(serde_json::json!({
        "generalErrors": [{"code": "[ProviderError]21211",
            "message": "Twilio refused the 'To' number +15557654321: check that it is a valid mobile number",
            "data": {"providerCode": 21211}}]
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
            "Error: the provider refused the test (HTTP 400): code 21211: Twilio refused the 'To' number +15557654321: check that it is a valid mobile number"
        )
    );
    Ok(())
}

#[test]
fn a_502_from_the_test_says_the_provider_was_unreachable() -> TestResult {
    let mut app = opened(vec![tenant(Some("M1"))?], vec![saved_twilio()])?;
    fill(&mut app, FIELD_TEST_PHONE, "+15557654321")?;
    let (id, _) = single_call(&app.update(ctrl('t')))?;
    let errors = serde_json::from_value(serde_json::json!({
        "generalErrors": [{"code": "[ProviderError]", "message": "Twilio did not answer within 10 s"}]
    }))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 502,
            errors,
        }),
    );
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: the provider could not be reached or failed (HTTP 502): [ProviderError]: Twilio did not answer within 10 s"
        )
    );
    Ok(())
}

#[test]
fn a_refused_api_key_while_loading_is_explained() -> TestResult {
    let mut app = app();
    let (id, _) = single_call(&press(&mut app, KeyCode::F(2)))?;
    reply(&mut app, id, Err(ClientError::Unauthorized));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: the API key was refused (HTTP 401): check --api-key / TWOFOLD_API_KEY")
    );
    Ok(())
}

#[test]
fn esc_returns_to_the_login_form_as_it_was() -> TestResult {
    let mut app = app();
    type_keys(&mut app, "alice");
    press(&mut app, KeyCode::F(2));
    assert!(matches!(app.screen(), Screen::TwilioSetup(_)));
    press(&mut app, KeyCode::Esc);
    assert!(
        matches!(app.screen(), Screen::TwilioSetup(_)),
        "first Esc stops the load"
    );
    press(&mut app, KeyCode::Esc);
    let Screen::Login(login) = app.screen() else {
        return Err("expected login".into());
    };
    assert_eq!(login.login_id.value(), "alice");
    Ok(())
}

#[test]
fn a_daemon_without_the_tenant_or_messenger_api_is_explained() -> TestResult {
    let mut app = app();
    let (id, _) = single_call(&press(&mut app, KeyCode::F(2)))?;
    let (id, request) = single_call(&reply(&mut app, id, Err(ClientError::NotFound)))?;
    assert_eq!(
        request,
        ApiRequest::ListMessengers,
        "still tries the messengers"
    );
    assert!(message_text(&app).is_some_and(|m| m.contains("GET /api/tenant (HTTP 404)")));
    reply(&mut app, id, Err(ClientError::NotFound));
    assert!(message_text(&app).is_some_and(|m| m.contains("GET /api/messenger (HTTP 404)")));
    assert!(!screen(&app)?.is_busy());
    Ok(())
}
