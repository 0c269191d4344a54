//! Tests of the whole app without a terminal or network: the state machine of every screen
//! (keys and replies in, effects and screens out) and rendered snapshots (`TestBackend`, insta,
//! stored in `src/snapshots/`). Time is fixed: every test starts at [`NOW`] and moves the clock only
//! with `Event::Tick`.

mod app;
mod authenticator;
mod login;
mod register;
mod render;
mod signed_in;
mod twilio;
mod two_factor;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::app::{App, Config};
use crate::client::wire::{LoginResponse, Secret, TwoFactorChallenge, User};
use crate::client::{ApiRequest, ApiResponse, ApiResult, ClientError, LoginOutcome};
use crate::event::{ApiReply, Effect, Event, RequestId};
use crate::screens::Screen;
use crate::testing::type_keys;
use crate::time::Millis;

/// 2023-11-14 22:13:20 UTC.
pub const NOW: Millis = Millis(1_700_000_000_000);
pub const URL: &str = "http://127.0.0.1:9011";

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub fn config() -> Config {
    Config {
        url: URL.to_owned(),
        application_id: Some("app-1".to_owned()),
        has_api_key: true,
        outbox: None,
        demo: None,
    }
}

/// An app on the Login screen with the clock at [`NOW`].
pub fn app_with(config: Config) -> App {
    let mut app = App::new(config);
    let effects = app.update(Event::Tick(NOW));
    assert!(
        effects
            .iter()
            .all(|e| matches!(e, Effect::ReadOutbox { .. })),
        "{effects:?}"
    );
    app
}

pub fn app() -> App {
    app_with(config())
}

/// Moves the clock to `NOW + secs`.
pub fn tick(app: &mut App, secs: i64) -> Vec<Effect> {
    app.update(Event::Tick(Millis(NOW.0 + secs * 1000)))
}

/// The one call among `effects`; fails the test otherwise.
pub fn single_call(effects: &[Effect]) -> Result<(RequestId, ApiRequest), String> {
    match effects {
        [Effect::Call { id, request }] => Ok((*id, request.clone())),
        other => Err(format!("expected exactly one call, got {other:?}")),
    }
}

/// Answers call `id` with `result`, arriving at [`NOW`] + `secs`.
pub fn reply_at(app: &mut App, id: RequestId, secs: i64, result: ApiResult) -> Vec<Effect> {
    app.update(Event::Api(ApiReply {
        id,
        at: Millis(NOW.0 + secs * 1000),
        result,
    }))
}

pub fn reply(app: &mut App, id: RequestId, result: ApiResult) -> Vec<Effect> {
    reply_at(app, id, 0, result)
}

/// A JWT with this payload (unsigned; the client never verifies).
pub fn jwt(payload: &serde_json::Value) -> String {
    format!(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.{}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk",
        URL_SAFE_NO_PAD.encode(payload.to_string())
    )
}

pub fn alice() -> User {
    User {
        id: "2d1c7b1e-0000-4000-8000-00000000a11c".to_owned(),
        email: Some("alice@example.com".to_owned()),
        first_name: Some("Alice".to_owned()),
        last_name: Some("Example".to_owned()),
        ..User::default()
    }
}

/// A 200 login body for alice, token valid for an hour from [`NOW`].
pub fn signed_in_response(refresh_token: Option<&str>) -> LoginResponse {
    let token = jwt(&serde_json::json!({
        "sub": alice().id,
        "amr": ["pwd", "sms"],
        "exp": NOW.0 / 1000 + 3600,
        "iat": NOW.0 / 1000,
        "email": "alice@example.com",
    }));
    LoginResponse {
        token: Some(Secret::new(token)),
        token_expiration_instant: Some(NOW.0 + 3_600_000),
        refresh_token: refresh_token.map(Secret::new),
        refresh_token_id: refresh_token.map(|_| "rt-1".to_owned()),
        user: Some(alice()),
        two_factor_trust_id: None,
    }
}

/// The 242 body from the wire contract, relative to [`NOW`].
pub fn sms_challenge() -> TwoFactorChallenge {
    let value = serde_json::json!({
        "twoFactorId": "TFID-1",
        "methods": [{"id":"K3QZ","method":"sms","mobilePhone":"+1******4567","lastUsed":true,
            "codeSent":true,"codeSentReason":null,"codeExpirationInstant": NOW.0 + 300_000,
            "resendAllowedInstant": NOW.0 + 30_000}],
        "twoFactorIdExpirationInstant": NOW.0 + 300_000,
        "codeAttemptsRemaining": 5
    });
    serde_json::from_value(value).unwrap_or_default()
}

/// Signs in as far as the Two-factor screen with `challenge`.
pub fn at_two_factor(challenge: TwoFactorChallenge) -> Result<App, String> {
    let mut app = app();
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::TwoFactorRequired(
            challenge,
        ))),
    );
    match app.screen() {
        Screen::TwoFactor(_) => Ok(app),
        other => Err(format!("expected the two-factor screen, got {other:?}")),
    }
}

/// Signs in straight to the Signed-in screen.
pub fn at_signed_in(refresh_token: Option<&str>) -> Result<App, String> {
    let mut app = app();
    let (id, _) = single_call(&type_keys(&mut app, "alice\tsecret\n"))?;
    reply(
        &mut app,
        id,
        Ok(ApiResponse::Login(LoginOutcome::Success(
            signed_in_response(refresh_token),
        ))),
    );
    match app.screen() {
        Screen::SignedIn(_) => Ok(app),
        other => Err(format!("expected the signed-in screen, got {other:?}")),
    }
}

pub use crate::testing::{draw, screen_text};

/// The current screen's message, as shown at the app's `now`.
pub fn message_text(app: &App) -> Option<String> {
    let now = app.now();
    let message = match app.screen() {
        Screen::Login(s) => s.message.clone(),
        Screen::TwoFactor(s) => s.message.clone(),
        Screen::SignedIn(s) => s.message.clone(),
        Screen::TwilioSetup(s) => s.message.clone(),
        Screen::Register(s) => s.message.clone(),
    };
    message.map(|m| m.render_text(now))
}

pub fn unreachable(path: &str) -> ClientError {
    ClientError::Unreachable {
        url: format!("{URL}{path}"),
        reason: "Connection refused (os error 111)".to_owned(),
    }
}
