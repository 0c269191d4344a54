//! The Login screen: Login ID and (masked) Password fields, Enter submits `POST /api/login`, and
//! every answer becomes either another screen (200 → Signed in, 242 → Two-factor code) or a
//! plain-language message here (404, 423, 409, 202, 401, 400, 429/503, network failure).
//!
//! It sends the remembered `twoFactorTrustId` (from "trust this device") with the login. It does
//! no IO itself: the login call is an effect and its answer an event.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use super::{
    Ctx, Nav, ScreenState, Session, View, describe_error, errors_text, field_error, rows_array,
};
use crate::app::Config;
use crate::client::wire::LoginRequest;
use crate::client::{ApiRequest, ApiResponse, ClientError, LoginOutcome};
use crate::event::{ApiReply, RequestId};
use crate::widgets::field::{TextField, render_field};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::Message;

/// Which field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFocus {
    LoginId,
    Password,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoginScreen {
    pub login_id: TextField,
    pub password: TextField,
    pub focus: LoginFocus,
    pending: Option<RequestId>,
    pub message: Option<Message>,
}

/// Field names of the 400 body that this screen shows under its fields.
const SHOWN_FIELDS: [&str; 2] = ["loginId", "password"];

impl Default for LoginScreen {
    fn default() -> Self {
        Self::new(None, None)
    }
}

impl LoginScreen {
    /// A login form, optionally pre-filled with a login id (focus then starts on Password).
    pub fn new(login_id: Option<String>, message: Option<Message>) -> Self {
        let mut login_field = TextField::new("Login ID").with_placeholder("(email or username)");
        let focus = match login_id {
            Some(id) if !id.is_empty() => {
                login_field.set_value(id);
                LoginFocus::Password
            }
            _ => LoginFocus::LoginId,
        };
        Self {
            login_id: login_field,
            password: TextField::new("Password").masked(),
            focus,
            pending: None,
            message,
        }
    }

    /// A login form for this configuration: as [`LoginScreen::new`], except that in the demo the
    /// demo account's login id and password are filled in (unless another login id is asked for),
    /// so Enter signs in at once.
    pub fn for_config(config: &Config, login_id: Option<String>, message: Option<Message>) -> Self {
        let demo = config.demo.as_ref().filter(|demo| {
            login_id
                .as_deref()
                .is_none_or(|id| id.is_empty() || id == demo.login_id)
        });
        match demo {
            Some(demo) => {
                let mut screen = Self::new(Some(demo.login_id.clone()), message);
                screen.password.set_value(demo.password.clone());
                screen
            }
            None => Self::new(login_id, message),
        }
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    fn focused_field(&mut self) -> &mut TextField {
        match self.focus {
            LoginFocus::LoginId => &mut self.login_id,
            LoginFocus::Password => &mut self.password,
        }
    }

    fn toggle_focus(&mut self) {
        self.focus = match self.focus {
            LoginFocus::LoginId => LoginFocus::Password,
            LoginFocus::Password => LoginFocus::LoginId,
        };
    }

    fn submit(&mut self, ctx: &mut Ctx<'_>) {
        let login_id = self.login_id.trimmed().to_owned();
        if login_id.is_empty() {
            self.login_id
                .set_error(Some("enter your email or username".to_owned()));
            self.focus = LoginFocus::LoginId;
            return;
        }
        if self.password.is_empty() {
            self.password
                .set_error(Some("enter your password".to_owned()));
            self.focus = LoginFocus::Password;
            return;
        }
        let request = LoginRequest {
            login_id,
            password: self.password.value().into(),
            application_id: ctx.config.application_id.clone(),
            two_factor_trust_id: ctx.trust_id.clone(),
        };
        self.message = None;
        self.pending = Some(ctx.call(ApiRequest::Login(request)));
    }

    fn wrong_credentials(&mut self) {
        self.message = Some(Message::error("wrong login or password"));
        self.password.clear();
        self.focus = LoginFocus::Password;
    }
}

impl ScreenState for LoginScreen {
    fn title(&self) -> &'static str {
        "Login"
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "cancel")];
        }
        vec![
            KeyHint::new("Tab/S-Tab", "next/prev field"),
            KeyHint::new("Enter", "sign in"),
        ]
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx<'_>) {
        if self.pending.is_some() {
            if key.code == KeyCode::Esc {
                self.pending = None;
                self.message = Some(Message::info("sign-in cancelled"));
            }
            return;
        }
        match key.code {
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => self.toggle_focus(),
            KeyCode::Enter => self.submit(ctx),
            KeyCode::Esc => self.message = None,
            _ => {
                self.focused_field().handle_key(&key);
            }
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx<'_>) {
        if self.pending.is_none() {
            self.focused_field().paste(text);
        }
    }

    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        self.pending = None;
        match reply.result {
            Ok(ApiResponse::Login(LoginOutcome::Success(response))) => {
                match Session::from_login(response) {
                    Some(session) => ctx.go(Nav::SignedIn(session)),
                    None => {
                        self.message = Some(Message::error(
                            "the server said the sign-in worked but sent no token",
                        ));
                    }
                }
            }
            Ok(ApiResponse::Login(LoginOutcome::TwoFactorRequired(challenge))) => {
                ctx.go(Nav::TwoFactor {
                    challenge,
                    login_id: self.login_id.trimmed().to_owned(),
                    at: reply.at,
                });
            }
            Ok(ApiResponse::Login(LoginOutcome::NotRegistered(_))) => {
                self.message = Some(Message::error(
                    "you are not registered for this application (the password was right)",
                ));
            }
            Ok(ApiResponse::Login(LoginOutcome::PasswordChangeRequired)) => {
                self.message = Some(Message::error(
                    "a password change is required before you can sign in; twofold cannot change passwords yet",
                ));
            }
            Ok(other) => {
                self.message = Some(Message::error(format!(
                    "unexpected answer to the login: {other:?}"
                )));
            }
            Err(ClientError::NotFound) => self.wrong_credentials(),
            Err(ClientError::Rejected { errors, .. }) => {
                self.login_id.set_error(field_error(&errors, "loginId"));
                self.password.set_error(field_error(&errors, "password"));
                if self.login_id.error().is_some() {
                    self.focus = LoginFocus::LoginId;
                } else if self.password.error().is_some() {
                    self.focus = LoginFocus::Password;
                }
                self.message = Some(Message::error(errors_text(&errors, &SHOWN_FIELDS)))
                    .filter(|_| !super::only_shown_field_errors(&errors, &SHOWN_FIELDS));
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
        }
    }

    fn pending(&self) -> Option<RequestId> {
        self.pending
    }

    fn cancel_pending(&mut self) {
        self.pending = None;
    }

    fn set_message(&mut self, message: Option<Message>) {
        self.message = message;
    }

    fn render(&self, frame: &mut Frame, area: Rect, view: &View<'_>) {
        let app_line = match &view.config.application_id {
            Some(id) => format!("Application: {id}"),
            None => "No application ID given (--application-id): no refresh token, no app roles."
                .to_owned(),
        };
        let intro_text = match &view.config.demo {
            Some(demo) => format!(
                "Offline demo: sign in as {} with the password {} (filled in below). \
                 Press Enter, then type the code that arrives on the Phone panel (F4 shows or \
                 hides it).",
                demo.login_id, demo.password
            ),
            None => "Sign in with your login ID (email or username) and password.".to_owned(),
        };
        let intro_height = wrapped_height(&intro_text, area.width);
        let [
            intro,
            app,
            _,
            login_row,
            password_row,
            _,
            busy_row,
            message_row,
        ] = rows_array(area, [intro_height, 1, 1, 2, 2, 1, 1, area.height]);
        frame.render_widget(Paragraph::new(intro_text).wrap(Wrap { trim: true }), intro);
        frame.render_widget(Paragraph::new(app_line), app);
        render_field(
            frame,
            login_row,
            &self.login_id,
            self.focus == LoginFocus::LoginId && self.pending.is_none(),
            8,
            None,
        );
        render_field(
            frame,
            password_row,
            &self.password,
            self.focus == LoginFocus::Password && self.pending.is_none(),
            8,
            None,
        );
        if self.pending.is_some() {
            frame.render_widget(
                Paragraph::new(format!("{} Signing in…", view.spinner)),
                busy_row,
            );
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(view.now)).wrap(Wrap { trim: false }),
                message_row,
            );
        }
    }
}

/// How many rows `text` takes when word-wrapped to `width` (at least 1).
fn wrapped_height(text: &str, width: u16) -> u16 {
    let rows = crate::widgets::wrap(text, usize::from(width)).len().max(1);
    u16::try_from(rows).unwrap_or(u16::MAX)
}
