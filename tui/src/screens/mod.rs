//! The screens, one per file, and what they share: the [`ScreenState`] trait `App` drives them
//! through, the [`Ctx`] they use to ask for calls and navigation, the [`View`] they draw with, the
//! signed-in [`Session`], and the plain-language wording of errors common to all of them.
//!
//! Screens are synchronous state machines: they never perform IO or read the clock. A screen asks
//! for an HTTP call with [`Ctx::call`] (which becomes an `Effect::Call`) and for another screen with
//! [`Ctx::go`]; `App` carries both out.

pub mod login;
pub mod register;
pub mod signed_in;
pub mod twilio_setup;
pub mod two_factor;

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

use crate::app::Config;
use crate::client::wire::{
    Errors, LoginPreventedAction, LoginResponse, Secret, TwoFactorChallenge, User,
};
use crate::client::{ApiRequest, ClientError};
use crate::event::{ApiReply, Effect, RequestId};
use crate::time::Millis;
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::{Countdown, Message};

pub use login::LoginScreen;
pub use register::RegisterScreen;
pub use signed_in::SignedInScreen;
pub use twilio_setup::TwilioSetupScreen;
pub use two_factor::TwoFactorScreen;

/// The screen on display.
// One lives in `App` and a few on its back stack: boxing the larger ones would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Login(LoginScreen),
    TwoFactor(TwoFactorScreen),
    SignedIn(SignedInScreen),
    TwilioSetup(TwilioSetupScreen),
    Register(RegisterScreen),
}

impl Screen {
    pub fn state(&self) -> &dyn ScreenState {
        match self {
            Screen::Login(screen) => screen,
            Screen::TwoFactor(screen) => screen,
            Screen::SignedIn(screen) => screen,
            Screen::TwilioSetup(screen) => screen,
            Screen::Register(screen) => screen,
        }
    }

    pub fn state_mut(&mut self) -> &mut dyn ScreenState {
        match self {
            Screen::Login(screen) => screen,
            Screen::TwoFactor(screen) => screen,
            Screen::SignedIn(screen) => screen,
            Screen::TwilioSetup(screen) => screen,
            Screen::Register(screen) => screen,
        }
    }
}

/// What every screen does. `App` calls these; the screen changes itself and tells `App` what else
/// should happen through the [`Ctx`].
pub trait ScreenState {
    /// The title on the screen's frame, e.g. "Login".
    fn title(&self) -> &'static str;
    /// The screen's own keys for the key bar (App adds the global ones).
    fn key_hints(&self) -> Vec<KeyHint>;
    /// A key press that App did not handle itself (Ctrl-C and F-keys are App's).
    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx<'_>);
    /// Bracketed paste: goes into the focused field, if any.
    fn on_paste(&mut self, text: &str, ctx: &mut Ctx<'_>);
    /// The answer to this screen's pending call (App has checked the id).
    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>);
    /// The clock moved (`ctx.now` is the new time).
    fn on_tick(&mut self, _ctx: &mut Ctx<'_>) {}
    /// The call this screen waits for, if any. Answers with another id are dropped.
    fn pending(&self) -> Option<RequestId>;
    /// Forget the pending call (its answer will be dropped), e.g. when the screen is left.
    fn cancel_pending(&mut self);
    /// Replaces the screen's message, e.g. when App returns to it.
    fn set_message(&mut self, message: Option<Message>);
    /// Draws the screen into `area`. Must not block.
    fn render(&self, frame: &mut Frame, area: Rect, view: &View<'_>);
    /// Draws the screen over the whole terminal (`area`), without the title, frame or key bar,
    /// and returns true; or returns false (the default) to be drawn as usual. The enrolment
    /// screen's full-screen QR code uses it.
    fn render_fullscreen(&self, _frame: &mut Frame, _area: Rect, _view: &View<'_>) -> bool {
        false
    }
}

/// What a screen may ask of App while handling an event.
pub struct Ctx<'a> {
    /// The latest clock tick (or the instant a reply arrived).
    pub now: Millis,
    pub config: &'a Config,
    /// The two-factor trust id returned after "trust this device", kept in memory for the next
    /// `/api/login`.
    pub trust_id: &'a mut Option<Secret>,
    next_request: &'a mut u64,
    effects: Vec<Effect>,
    nav: Option<Nav>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        now: Millis,
        config: &'a Config,
        trust_id: &'a mut Option<Secret>,
        next_request: &'a mut u64,
    ) -> Self {
        Self {
            now,
            config,
            trust_id,
            next_request,
            effects: Vec::new(),
            nav: None,
        }
    }

    /// Asks for an HTTP call; returns the id its answer will carry.
    pub fn call(&mut self, request: ApiRequest) -> RequestId {
        *self.next_request += 1;
        let id = RequestId(*self.next_request);
        self.effects.push(Effect::Call { id, request });
        id
    }

    /// Asks App to show another screen once this event is handled.
    pub fn go(&mut self, nav: Nav) {
        self.nav = Some(nav);
    }

    /// The effects and navigation collected.
    pub fn finish(self) -> (Vec<Effect>, Option<Nav>) {
        (self.effects, self.nav)
    }
}

/// A change of screen requested by a screen.
// Built at most once per event and consumed at once.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Nav {
    /// Back to a fresh Login screen (clears the screen stack).
    Login {
        login_id: Option<String>,
        message: Option<Message>,
    },
    /// A 242 arrived: ask for the second factor.
    TwoFactor {
        challenge: TwoFactorChallenge,
        login_id: String,
        /// When the challenge arrived, the base for cooldowns the server did not state.
        at: Millis,
    },
    SignedIn(Session),
    /// A signed-in user adds a two-factor method: the enrolment screen, from its choice of method,
    /// returning here with Esc or when done.
    AddMethod(User),
    /// Return to the screen F2/F3 was pressed on, optionally pre-filling its login id.
    Back {
        login_id: Option<String>,
        message: Option<Message>,
    },
}

/// Read-only context for drawing.
pub struct View<'a> {
    pub now: Millis,
    /// The spinner frame for this tick.
    pub spinner: &'static str,
    pub config: &'a Config,
}

/// A signed-in user's tokens, kept only in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub token: Secret,
    pub token_expiration: Option<Millis>,
    pub refresh_token: Option<Secret>,
    pub refresh_token_id: Option<String>,
    pub user: Option<User>,
}

impl Session {
    /// A session from a 200 login body; `None` when it carries no token.
    pub fn from_login(response: LoginResponse) -> Option<Self> {
        let token = response.token.filter(|t| !t.is_empty())?;
        Some(Self {
            token,
            token_expiration: response.token_expiration_instant.map(Millis),
            refresh_token: response.refresh_token.filter(|t| !t.is_empty()),
            refresh_token_id: response.refresh_token_id,
            user: response.user,
        })
    }
}

/// The plain-language message for failures that read the same on every screen. Screens handle
/// the statuses whose meaning depends on the endpoint (404, 421, …) before falling back to this.
pub fn describe_error(error: &ClientError, now: Millis, config: &Config) -> Message {
    match error {
        ClientError::InvalidUrl { url, reason } => {
            Message::error(format!("cannot use the daemon URL {url}: {reason}"))
        }
        ClientError::Unreachable { url, reason } => {
            Message::error(format!("could not reach {url}: {reason}"))
        }
        ClientError::Unauthorized if config.has_api_key => {
            Message::error("the API key was refused (HTTP 401): check --api-key / TWOFOLD_API_KEY")
        }
        ClientError::Unauthorized => Message::error(
            "this application requires an API key: start twofold with --api-key or TWOFOLD_API_KEY",
        ),
        ClientError::Busy {
            retry_after_secs: Some(secs),
            ..
        } => Message::error("busy,").with_countdown(Countdown::RetryIn(now.plus_secs(*secs))),
        ClientError::Busy {
            retry_after_secs: None,
            ..
        } => Message::error("busy, retry in a moment"),
        ClientError::Locked => Message::error("account locked (deactivated)"),
        ClientError::LoginPrevented { actions } => prevented_message(actions),
        ClientError::Rejected { errors, .. } => Message::error(errors_text(errors, &[])),
        ClientError::NotFound => Message::error("the server answered \"not found\" (HTTP 404)"),
        ClientError::InvalidCode => Message::error("wrong code"),
        ClientError::UnexpectedStatus { status, url } => Message::error(format!(
            "unexpected answer from the server: HTTP {status} from {url}"
        )),
        ClientError::Decode { url, reason } => Message::error(format!(
            "could not understand the server's answer from {url}: {reason}"
        )),
    }
}

/// 409: "too many attempts — try again later", with the lock's end when the server gave one.
pub fn prevented_message(actions: &[LoginPreventedAction]) -> Message {
    let message = Message::error("too many attempts — try again later");
    match actions.first().and_then(|action| action.expiry) {
        Some(expiry) => message.with_countdown(Countdown::Until(Millis(expiry))),
        None => message,
    }
}

/// The general errors of a 400 body plus any field errors not in `shown_fields` (which the screen
/// displays under its own fields), as one sentence.
pub fn errors_text(errors: &Errors, shown_fields: &[&str]) -> String {
    let mut parts: Vec<String> = errors
        .general_errors
        .iter()
        .map(|entry| entry.text().to_owned())
        .collect();
    for (field, entries) in &errors.field_errors {
        if shown_fields.contains(&field.as_str()) {
            continue;
        }
        for entry in entries {
            parts.push(format!("{field}: {}", entry.text()));
        }
    }
    if parts.is_empty() {
        "the server refused the request; please check the fields".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The first field error reported for `field`, if any.
pub fn field_error(errors: &Errors, field: &str) -> Option<String> {
    errors
        .field_errors
        .get(field)
        .and_then(|entries| entries.first())
        .map(|entry| entry.text().to_owned())
}

/// True when a 400 body has only field errors, all of them shown under the screen's fields.
pub fn only_shown_field_errors(errors: &Errors, shown_fields: &[&str]) -> bool {
    errors.general_errors.is_empty()
        && errors
            .field_errors
            .keys()
            .all(|field| shown_fields.contains(&field.as_str()))
}

/// Splits `area` into rows of the given heights, clipped to the area (rows that do not fit get
/// zero height rather than overflowing).
pub fn rows(area: Rect, heights: &[u16]) -> Vec<Rect> {
    let mut y = area.y;
    let bottom = area.y.saturating_add(area.height);
    heights
        .iter()
        .map(|&h| {
            let height = h.min(bottom.saturating_sub(y));
            let row = Rect {
                x: area.x,
                y,
                width: area.width,
                height,
            };
            y = y.saturating_add(height);
            row
        })
        .collect()
}

/// [`rows`] with a fixed number of rows, for destructuring.
pub fn rows_array<const N: usize>(area: Rect, heights: [u16; N]) -> [Rect; N] {
    let split = rows(area, &heights);
    std::array::from_fn(|i| split.get(i).copied().unwrap_or_default())
}
