//! Signed-in screen: claims shown from the token, refresh, logout.

use crossterm::event::KeyCode;

use super::*;
use crate::client::wire::RefreshResponse;
use crate::screens::SignedInScreen;
use crate::testing::press;

fn screen(app: &App) -> Result<&SignedInScreen, String> {
    match app.screen() {
        Screen::SignedIn(screen) => Ok(screen),
        other => Err(format!("expected the signed-in screen, got {other:?}")),
    }
}

#[test]
fn shows_the_user_and_decoded_claims_but_not_the_token() -> TestResult {
    let app = at_signed_in(Some("rt"))?;
    let text = screen_text(&app, 80, 24)?;
    assert!(text.contains("Signed in"));
    assert!(text.contains("Alice Example"));
    assert!(text.contains("alice@example.com"));
    assert!(text.contains(&alice().id), "sub claim shown");
    assert!(text.contains("pwd, sms"), "amr claim shown");
    assert!(text.contains("expires in 1:00:00"), "{text}");
    assert!(text.contains("eyJhbGciOi…"));
    let token = screen(&app)?.session.token.expose().to_owned();
    assert!(
        !text.contains(&token[..20]),
        "no more than the prefix is drawn"
    );
    Ok(())
}

#[test]
fn r_refreshes_and_the_new_token_replaces_the_old() -> TestResult {
    let mut app = at_signed_in(Some("rt-1"))?;
    let (id, request) = single_call(&type_keys(&mut app, "r"))?;
    assert_eq!(
        request,
        ApiRequest::RefreshJwt {
            refresh_token: Secret::new("rt-1")
        }
    );
    let new_token =
        jwt(&serde_json::json!({"sub": "someone", "amr": ["pwd"], "exp": NOW.0 / 1000 + 7200}));
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Refreshed(RefreshResponse {
            token: Secret::new(new_token.clone()),
            refresh_token: Some(Secret::new("rt-2")),
            refresh_token_id: Some("rid-2".into()),
        })),
    );
    let signed_in = screen(&app)?;
    assert_eq!(signed_in.session.token, Secret::new(new_token));
    assert_eq!(signed_in.session.refresh_token, Some(Secret::new("rt-2")));
    assert_eq!(signed_in.expires_at(), Some(Millis(NOW.0 + 7_200_000)));
    assert_eq!(message_text(&app).as_deref(), Some("OK: token refreshed"));
    Ok(())
}

#[test]
fn a_rejected_refresh_says_to_sign_in_again() -> TestResult {
    let mut app = at_signed_in(Some("rt-1"))?;
    let (id, _) = single_call(&type_keys(&mut app, "r"))?;
    reply(
        &mut app,
        id,
        Err(ClientError::Rejected {
            status: 400,
            errors: Default::default(),
        }),
    );
    assert!(matches!(app.screen(), Screen::SignedIn(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some("Error: the refresh token is no longer valid: log out and sign in again")
    );
    Ok(())
}

#[test]
fn without_a_refresh_token_refresh_explains_and_logout_is_local() -> TestResult {
    let mut app = at_signed_in(None)?;
    assert_eq!(type_keys(&mut app, "r"), vec![]);
    assert!(message_text(&app).is_some_and(|m| m.contains("no refresh token")));
    assert_eq!(type_keys(&mut app, "l"), vec![]);
    assert!(matches!(app.screen(), Screen::Login(_)));
    Ok(())
}

#[test]
fn logout_revokes_the_refresh_token_then_returns_to_login() -> TestResult {
    let mut app = at_signed_in(Some("rt-1"))?;
    let (id, request) = single_call(&press(&mut app, KeyCode::Esc))?;
    assert_eq!(
        request,
        ApiRequest::Logout {
            refresh_token: Some(Secret::new("rt-1"))
        }
    );
    assert!(
        matches!(app.screen(), Screen::SignedIn(_)),
        "waits for the answer"
    );
    reply(&mut app, id, Ok(ApiResponse::LoggedOut));
    let Screen::Login(login) = app.screen() else {
        return Err("expected login".into());
    };
    assert_eq!(login.login_id.value(), "alice@example.com");
    assert_eq!(message_text(&app).as_deref(), Some("OK: signed out"));
    Ok(())
}

#[test]
fn a_failed_logout_still_signs_out_locally_and_says_so() -> TestResult {
    let mut app = at_signed_in(Some("rt-1"))?;
    let (id, _) = single_call(&type_keys(&mut app, "l"))?;
    reply(&mut app, id, Err(unreachable("/api/logout")));
    assert!(matches!(app.screen(), Screen::Login(_)));
    assert_eq!(
        message_text(&app).as_deref(),
        Some(
            "Error: signed out here, but the server could not revoke the refresh token: could not reach http://127.0.0.1:9011/api/logout: Connection refused (os error 111)"
        )
    );
    Ok(())
}
