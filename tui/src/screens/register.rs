//! The Register / enrol screen (F3, needs an API key and an application id): create the account
//! (`POST /api/user/registration`: email, password, first name), choose the second factor — a
//! text message to a phone or an authenticator app — confirm it, and show the 10 recovery codes
//! once, until the user acknowledges having stored them.
//!
//! - SMS: send a code to the phone (`POST /api/two-factor/send`), then confirm it
//!   (`POST /api/user/two-factor/{userId}` with `method: "sms"`).
//! - Authenticator app: fetch a fresh secret (`GET /api/two-factor/secret`) and the tenant's
//!   issuer (`GET /api/tenant`, "twofold" if unknown), show the `otpauth://` URI as a QR code drawn
//!   in the terminal beside the Base32 secret for typing by hand (^F shows the code full-screen
//!   when the window is too small for it), then enable the app with a current code from it
//!   (`POST /api/user/two-factor/{userId}` with `method: "authenticator"`).
//!
//! A signed-in user reaches the same screen from the Signed-in screen (`a`), starting at the
//! choice of method, to add a method to their account; it then returns to the Signed-in screen.
//!
//! The authenticator secret is the one secret this client draws: showing it (and its QR code) is
//! the point of the step. It, the recovery codes and the QR code live only in this screen's
//! memory, are redacted in `Debug`, and are dropped when the screen closes. No IO here: each
//! step's call is an effect, its answer an event.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, Nav, ScreenState, View, describe_error, errors_text, field_error, rows};
use crate::client::wire::{
    NewRegistration, NewUser, RegistrationRequest, Secret, Tenant, TwoFactorSecret, User,
};
use crate::client::{ApiRequest, ApiResponse, ClientError};
use crate::event::{ApiReply, RequestId};
use crate::otpauth;
use crate::time::Millis;
use crate::validate;
use crate::widgets::field::{FieldStatus, TextField, field_rows, render_field};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::{Countdown, Message};
use crate::widgets::qr::{QrMatrix, QrWidget};

/// The daemon's minimum password length.
pub const MIN_PASSWORD_CHARS: usize = 8;
const RESEND_COOLDOWN_SECS: u64 = 30;
const LABEL_WIDTH: u16 = 12;
/// Digits in an authenticator code (twofoldd's authenticator method is fixed at 6).
pub const APP_CODE_DIGITS: usize = 6;
/// The narrowest text column drawn beside the QR code.
const TEXT_MIN_WIDTH: u16 = 34;
/// Columns between the QR code and the text beside it.
const QR_GAP: u16 = 2;
/// Rows the text needs under the QR code when it is drawn above it.
const TEXT_MIN_ROWS_BELOW: u16 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Email, password, first name.
    Account,
    /// SMS or authenticator app; with SMS, the phone number to enrol.
    Method,
    /// The code sent to that phone.
    Code,
    /// The authenticator app's QR code and secret, and a code from the app.
    AppCode,
    /// The recovery codes, shown once.
    RecoveryCodes,
}

/// The second factor chosen on the [`Step::Method`] step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MethodChoice {
    Sms,
    App,
}

/// What the pending call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    CreateAccount,
    SendCode,
    ConfirmCode,
    FetchSecret,
    LoadIssuer,
    EnableApp,
}

/// An authenticator app being set up: its secret, the URI it is given and that URI's QR code.
#[derive(Clone, PartialEq)]
pub struct AppEnrolment {
    /// Base32, as the app takes it and the server wants it back.
    pub secret_base32: Secret,
    pub issuer: String,
    pub account: String,
    /// The `otpauth://` URI (it holds the secret).
    pub uri: Secret,
    /// `None` only if the URI were too long for any QR code.
    pub qr: Option<QrMatrix>,
}

impl fmt::Debug for AppEnrolment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppEnrolment")
            .field("issuer", &self.issuer)
            .field("account", &self.account)
            .field("qr", &self.qr)
            .finish_non_exhaustive()
    }
}

impl AppEnrolment {
    pub fn new(secret_base32: Secret, issuer: &str, account: &str) -> Self {
        let uri = otpauth::uri(issuer, account, secret_base32.expose());
        let qr = QrMatrix::encode(&uri).ok();
        Self {
            secret_base32,
            issuer: issuer.to_owned(),
            account: account.to_owned(),
            uri: Secret::new(uri),
            qr,
        }
    }

    /// The secret as typed by hand: groups of four, `per_line` groups a line.
    fn secret_lines(&self, per_line: usize) -> Vec<String> {
        otpauth::grouped(self.secret_base32.expose())
            .chunks(per_line.max(1))
            .map(|groups| groups.join(" "))
            .collect()
    }
}

/// Where the QR code goes on the [`Step::AppCode`] step at a given size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QrPlacement {
    /// On the left, the text to its right; with this quiet zone.
    Beside(u16),
    /// On top, the text under it.
    Above(u16),
    /// Not drawn: it does not fit (or there is none).
    Hidden,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegisterScreen {
    pub step: Step,
    pub email: TextField,
    pub password: TextField,
    pub first_name: TextField,
    /// Focus among the account fields (0 email, 1 password, 2 first name).
    pub focus: usize,
    pub choice: MethodChoice,
    pub phone: TextField,
    pub code: TextField,
    pub app_code: TextField,
    /// The created user (or, when adding a method, the signed-in one).
    pub user: Option<User>,
    /// Set when a signed-in user adds a method: no account step, and back to Signed in after.
    pub adding: bool,
    /// The tenant's issuer once asked for (`Some("")` never: unknown falls back to "twofold").
    issuer: Option<String>,
    pub app: Option<AppEnrolment>,
    /// The QR code drawn over the whole terminal (^F).
    pub fullscreen: bool,
    pub recovery_codes: Vec<Secret>,
    resend_at: Option<Millis>,
    pending: Option<(RequestId, Op)>,
    pub message: Option<Message>,
}

impl RegisterScreen {
    pub fn new(ctx: &Ctx<'_>) -> Self {
        let message = if ctx.config.application_id.is_none() {
            Some(Message::error(
                "registering needs an application: start twofold with --application-id or TWOFOLD_APPLICATION_ID",
            ))
        } else {
            None
        };
        Self {
            step: Step::Account,
            email: TextField::new("Email"),
            password: TextField::new("Password").masked(),
            first_name: TextField::new("First name"),
            focus: 0,
            choice: MethodChoice::Sms,
            phone: TextField::new("Mobile phone").with_placeholder("(e.g. +15551234567)"),
            code: TextField::new("Code").with_max_chars(32),
            app_code: TextField::new("App code")
                .with_max_chars(16)
                .with_placeholder("(6 digits)"),
            user: None,
            adding: false,
            issuer: None,
            app: None,
            fullscreen: false,
            recovery_codes: Vec::new(),
            resend_at: None,
            pending: None,
            message,
        }
    }

    /// For a signed-in `user`: straight to the choice of method, to add one to the account.
    pub fn add_method(ctx: &Ctx<'_>, user: User) -> Self {
        let login = user
            .email
            .clone()
            .or_else(|| user.username.clone())
            .unwrap_or_default();
        let mut screen = Self::new(ctx);
        screen.email.set_value(login);
        screen.user = Some(user);
        screen.adding = true;
        screen.step = Step::Method;
        screen.message = None;
        screen
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    fn account_field(&mut self, index: usize) -> Option<&mut TextField> {
        match index {
            0 => Some(&mut self.email),
            1 => Some(&mut self.password),
            2 => Some(&mut self.first_name),
            _ => None,
        }
    }

    fn focused_field(&mut self) -> Option<&mut TextField> {
        match self.step {
            Step::Account => self.account_field(self.focus),
            Step::Method if self.choice == MethodChoice::Sms => Some(&mut self.phone),
            Step::Code => Some(&mut self.code),
            Step::AppCode => Some(&mut self.app_code),
            Step::Method | Step::RecoveryCodes => None,
        }
    }

    fn user_id(&self) -> Option<String> {
        self.user
            .as_ref()
            .map(|u| u.id.clone())
            .filter(|id| !id.is_empty())
    }

    /// The name the authenticator app lists the account under: the email (or login id).
    fn account_name(&self) -> String {
        let typed = self.email.trimmed();
        if !typed.is_empty() {
            return typed.to_owned();
        }
        self.user
            .as_ref()
            .and_then(|u| u.email.clone().or_else(|| u.username.clone()))
            .unwrap_or_default()
    }

    fn email_status(&self) -> Option<FieldStatus> {
        let email = self.email.trimmed();
        if email.is_empty() {
            None
        } else if email.contains('@') {
            Some(FieldStatus::Ok("looks like an email".into()))
        } else {
            Some(FieldStatus::Problem("an email address has an @".into()))
        }
    }

    fn password_status(&self) -> Option<FieldStatus> {
        let n = self.password.value().chars().count();
        if n == 0 {
            None
        } else if n < MIN_PASSWORD_CHARS {
            Some(FieldStatus::Problem(format!(
                "at least {MIN_PASSWORD_CHARS} characters ({n} so far)"
            )))
        } else {
            Some(FieldStatus::Ok("long enough".into()))
        }
    }

    fn phone_status(&self) -> Option<FieldStatus> {
        let phone = self.phone.trimmed();
        if phone.is_empty() {
            return Some(FieldStatus::Hint(
                "international format: + and country code".into(),
            ));
        }
        Some(match validate::e164(phone) {
            Ok(()) => FieldStatus::Ok("E.164 number".into()),
            Err(problem) => FieldStatus::Problem(problem),
        })
    }

    fn create_account(&mut self, ctx: &mut Ctx<'_>) {
        let Some(application_id) = ctx.config.application_id.clone() else {
            self.message = Some(Message::error(
                "registering needs an application: start twofold with --application-id or TWOFOLD_APPLICATION_ID",
            ));
            return;
        };
        if !self.email.trimmed().contains('@') {
            self.email
                .set_error(Some("enter an email address".to_owned()));
            self.focus = 0;
            return;
        }
        if self.password.value().chars().count() < MIN_PASSWORD_CHARS {
            self.password
                .set_error(Some(format!("at least {MIN_PASSWORD_CHARS} characters")));
            self.focus = 1;
            return;
        }
        let first_name = self.first_name.trimmed();
        let request = RegistrationRequest {
            user: NewUser {
                email: self.email.trimmed().to_owned(),
                password: self.password.value().into(),
                first_name: (!first_name.is_empty()).then(|| first_name.to_owned()),
            },
            registration: NewRegistration { application_id },
        };
        self.message = None;
        self.pending = Some((ctx.call(ApiRequest::Register(request)), Op::CreateAccount));
    }

    fn send_code(&mut self, ctx: &mut Ctx<'_>) {
        let phone = self.phone.trimmed().to_owned();
        if let Err(problem) = validate::e164(&phone) {
            self.phone.set_error(Some(problem));
            return;
        }
        let Some(user_id) = self.user_id() else {
            self.message = Some(Message::error("the account has no id; start again"));
            return;
        };
        if let Some(resend_at) = self.resend_at
            && !ctx.now.reached(resend_at)
        {
            self.message = Some(
                Message::info("a code was sent moments ago; to send another,")
                    .with_countdown(Countdown::RetryIn(resend_at)),
            );
            return;
        }
        self.message = None;
        let request = ApiRequest::SendEnrolmentCode {
            user_id,
            mobile_phone: phone,
        };
        self.pending = Some((ctx.call(request), Op::SendCode));
    }

    fn confirm_code(&mut self, ctx: &mut Ctx<'_>) {
        let code = self.code.trimmed().to_owned();
        if code.is_empty() {
            self.code
                .set_error(Some("type the code from the SMS".to_owned()));
            return;
        }
        let Some(user_id) = self.user_id() else {
            self.message = Some(Message::error("the account has no id; start again"));
            return;
        };
        self.message = None;
        let request = ApiRequest::EnableSmsTwoFactor {
            user_id,
            mobile_phone: self.phone.trimmed().to_owned(),
            code: Secret::new(code),
        };
        self.pending = Some((ctx.call(request), Op::ConfirmCode));
    }

    /// Asks for a fresh authenticator secret (the first step of the app, and ^N).
    fn fetch_secret(&mut self, ctx: &mut Ctx<'_>) {
        if self.user_id().is_none() {
            self.message = Some(Message::error("the account has no id; start again"));
            return;
        }
        self.message = None;
        self.pending = Some((ctx.call(ApiRequest::GetTwoFactorSecret), Op::FetchSecret));
    }

    fn enable_app(&mut self, ctx: &mut Ctx<'_>) {
        let code: String = self
            .app_code
            .value()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if code.chars().count() != APP_CODE_DIGITS || !code.chars().all(|c| c.is_ascii_digit()) {
            self.app_code.set_error(Some(format!(
                "type the {APP_CODE_DIGITS} digits your app shows now"
            )));
            return;
        }
        let (Some(user_id), Some(app)) = (self.user_id(), &self.app) else {
            self.message = Some(Message::error("the account has no id; start again"));
            return;
        };
        let request = ApiRequest::EnableAuthenticator {
            user_id,
            secret_base32: app.secret_base32.clone(),
            code: Secret::new(code),
        };
        self.message = None;
        self.pending = Some((ctx.call(request), Op::EnableApp));
    }

    /// Shows the app step for `secret` once the issuer is known.
    fn show_app(&mut self, secret_base32: Secret) {
        let issuer = self
            .issuer
            .clone()
            .unwrap_or_else(|| otpauth::DEFAULT_ISSUER.to_owned());
        self.app = Some(AppEnrolment::new(
            secret_base32,
            &issuer,
            &self.account_name(),
        ));
        self.app_code.clear();
        self.fullscreen = false;
        self.step = Step::AppCode;
        self.message = None;
    }

    /// The issuer of the user's tenant (or of the only tenant), if the list names one.
    fn issuer_from(&self, tenants: &[Tenant]) -> Option<String> {
        let tenant_id = self.user.as_ref().and_then(|u| u.tenant_id.as_deref());
        let tenant = match tenant_id {
            Some(id) => tenants.iter().find(|t| t.id == id),
            None => None,
        }
        .or(match tenants {
            [only] => Some(only),
            _ => None,
        })?;
        tenant
            .issuer
            .as_deref()
            .map(str::trim)
            .filter(|issuer| !issuer.is_empty())
            .map(str::to_owned)
    }

    fn finish(&self, ctx: &mut Ctx<'_>) {
        let email = self.email.trimmed().to_owned();
        let method = match self.choice {
            MethodChoice::Sms => "SMS",
            MethodChoice::App => "authenticator-app",
        };
        if self.adding {
            let what = match self.choice {
                MethodChoice::Sms => format!("SMS to {}", self.phone.trimmed()),
                MethodChoice::App => "the authenticator app".to_owned(),
            };
            ctx.go(Nav::Back {
                login_id: None,
                message: Some(Message::success(format!(
                    "{what} is now a two-factor method of {email}"
                ))),
            });
            return;
        }
        ctx.go(Nav::Back {
            message: Some(Message::success(format!(
                "account {email} is ready with {method} two-factor: sign in"
            ))),
            login_id: Some(email),
        });
    }

    fn leave_without_a_method(&self, ctx: &mut Ctx<'_>) {
        if self.adding {
            ctx.go(Nav::Back {
                login_id: None,
                message: Some(Message::info("no two-factor method was added")),
            });
            return;
        }
        let email = self.email.trimmed().to_owned();
        ctx.go(Nav::Back {
            message: Some(Message::info(format!(
                "account {email} was created without two-factor"
            ))),
            login_id: Some(email),
        });
    }

    fn on_account_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        const SHOWN: [&str; 3] = ["user.email", "user.password", "user.firstName"];
        match reply.result {
            Ok(ApiResponse::Registered(response)) => {
                self.user = Some(response.user);
                self.step = Step::Method;
                self.message = Some(Message::success(format!(
                    "account {} created; now add a phone or an authenticator app for two-factor",
                    self.email.trimmed()
                )));
            }
            Err(ClientError::Rejected { errors, .. }) => {
                let plain = |field: &str| {
                    errors.field_errors.get(field).and_then(|entries| {
                        entries.first().map(|entry| {
                            match entry.code.split(']').next().unwrap_or_default() {
                                "[duplicate" => {
                                    "an account with this email already exists".to_owned()
                                }
                                "[tooShort" => {
                                    format!("too short: at least {MIN_PASSWORD_CHARS} characters")
                                }
                                _ => entry.text().to_owned(),
                            }
                        })
                    })
                };
                self.email.set_error(plain("user.email"));
                self.password.set_error(plain("user.password"));
                self.first_name
                    .set_error(field_error(&errors, "user.firstName"));
                if let Some(index) = [&self.email, &self.password, &self.first_name]
                    .iter()
                    .position(|f| f.error().is_some())
                {
                    self.focus = index;
                }
                if !super::only_shown_field_errors(&errors, &SHOWN) {
                    self.message = Some(Message::error(errors_text(&errors, &SHOWN)));
                }
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            Ok(other) => {
                self.message = Some(Message::error(format!("unexpected answer: {other:?}")));
            }
        }
    }

    fn on_send_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match reply.result {
            Ok(ApiResponse::EnrolmentCodeSent) => {
                self.resend_at = Some(reply.at.plus_secs(RESEND_COOLDOWN_SECS));
                self.step = Step::Code;
                self.code.clear();
                self.message = Some(Message::success(format!(
                    "a code was sent to {}",
                    self.phone.trimmed()
                )));
            }
            Err(ClientError::Rejected { errors, .. }) => {
                self.phone.set_error(field_error(&errors, "mobilePhone"));
                if !super::only_shown_field_errors(&errors, &["mobilePhone"]) {
                    self.message = Some(Message::error(errors_text(&errors, &["mobilePhone"])));
                }
                if self.phone.error().is_some() {
                    self.step = Step::Method;
                    self.choice = MethodChoice::Sms;
                }
            }
            Err(ClientError::Busy {
                retry_after_secs, ..
            }) => {
                let retry_at = reply
                    .at
                    .plus_secs(retry_after_secs.unwrap_or(RESEND_COOLDOWN_SECS));
                self.resend_at = Some(retry_at);
                self.message = Some(
                    Message::error("too many codes requested;")
                        .with_countdown(Countdown::RetryIn(retry_at)),
                );
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            Ok(other) => {
                self.message = Some(Message::error(format!("unexpected answer: {other:?}")));
            }
        }
    }

    /// The answer to a two-factor enable, SMS or app: recovery codes, or done.
    fn on_enabled(&mut self, codes: Vec<Secret>, ctx: &mut Ctx<'_>) {
        if codes.is_empty() {
            self.finish(ctx);
        } else {
            self.recovery_codes = codes;
            self.step = Step::RecoveryCodes;
            self.fullscreen = false;
            self.message = None;
        }
    }

    fn on_confirm_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match reply.result {
            Ok(ApiResponse::TwoFactorEnabled(codes)) => self.on_enabled(codes, ctx),
            Err(ClientError::InvalidCode) => {
                self.code.clear();
                self.message = Some(Message::error(
                    "wrong code: check the SMS and try again (^R sends a new one)",
                ));
            }
            Err(ClientError::Rejected { errors, .. }) => {
                self.code.set_error(field_error(&errors, "code"));
                if !super::only_shown_field_errors(&errors, &["code"]) {
                    self.message = Some(Message::error(errors_text(&errors, &["code"])));
                }
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            Ok(other) => {
                self.message = Some(Message::error(format!("unexpected answer: {other:?}")));
            }
        }
    }

    fn on_secret_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match reply.result {
            Ok(ApiResponse::TwoFactorSecret(TwoFactorSecret {
                secret_base32_encoded,
                ..
            })) if !secret_base32_encoded.is_empty() => {
                if self.issuer.is_some() {
                    self.show_app(secret_base32_encoded);
                } else {
                    // The secret waits in `app` until the issuer is known.
                    self.app = Some(AppEnrolment::new(
                        secret_base32_encoded,
                        otpauth::DEFAULT_ISSUER,
                        &self.account_name(),
                    ));
                    self.pending = Some((ctx.call(ApiRequest::ListTenants), Op::LoadIssuer));
                }
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            Ok(other) => {
                self.message = Some(Message::error(format!(
                    "unexpected answer to the secret request: {other:?}"
                )));
            }
        }
    }

    /// The tenant list only names the issuer: without it the app is labelled "twofold".
    fn on_issuer_reply(&mut self, reply: ApiReply) {
        let issuer = match reply.result {
            Ok(ApiResponse::Tenants(tenants)) => self.issuer_from(&tenants),
            _ => None,
        };
        self.issuer = Some(issuer.unwrap_or_else(|| otpauth::DEFAULT_ISSUER.to_owned()));
        if let Some(app) = self.app.take() {
            self.show_app(app.secret_base32);
        }
    }

    fn on_enable_app_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        const SECRET_FIELDS: [&str; 2] = ["secretBase32Encoded", "secret"];
        match reply.result {
            Ok(ApiResponse::TwoFactorEnabled(codes)) => self.on_enabled(codes, ctx),
            Err(ClientError::InvalidCode) => {
                self.app_code.clear();
                self.message = Some(Message::error(
                    "that code did not match — check the phone's clock (set it to automatic time), \
                     then type the code the app shows now",
                ));
            }
            Err(ClientError::Rejected { errors, .. }) => {
                self.app_code.set_error(field_error(&errors, "code"));
                let secret_error = SECRET_FIELDS
                    .iter()
                    .find_map(|field| field_error(&errors, field));
                if let Some(problem) = secret_error {
                    self.message = Some(Message::error(format!(
                        "the server refused this secret ({problem}): press ^N for a new one"
                    )));
                } else if !super::only_shown_field_errors(&errors, &["code"]) {
                    self.message = Some(Message::error(errors_text(&errors, &["code"])));
                }
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            Ok(other) => {
                self.message = Some(Message::error(format!("unexpected answer: {other:?}")));
            }
        }
    }

    fn render_recovery_codes(&self, frame: &mut Frame, area: Rect) {
        let mut lines = vec![
            Line::styled(
                "Two-factor is on. Store these recovery codes now:",
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Line::raw(
                "each signs you in once if you lose your phone. They will not be shown again.",
            ),
            Line::raw(""),
        ];
        for pair in self.recovery_codes.chunks(2) {
            let left = pair.first().map(Secret::expose).unwrap_or_default();
            let right = pair.get(1).map(Secret::expose).unwrap_or_default();
            lines.push(Line::raw(format!("    {left:<16}{right}")));
        }
        lines.push(Line::raw(""));
        lines.push(Line::raw("Press Enter once you have stored them."));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }

    fn render_method(&self, frame: &mut Frame, area: Rect, idle: bool) -> (Rect, Rect) {
        let radio = |choice: MethodChoice, text: &str| {
            let mark = if self.choice == choice {
                "(•)"
            } else {
                "( )"
            };
            let style = if self.choice == choice {
                Style::default().add_modifier(Modifier::BOLD)
            } else {
                Style::default()
            };
            Line::styled(format!("  {mark} {text}"), style)
        };
        let layout = rows(area, &[1, 1, 2, 1, 3, 1, area.height]);
        let row = |i: usize| layout.get(i).copied().unwrap_or_default();
        frame.render_widget(
            Paragraph::new("How will you confirm it is you when you sign in? (Tab switches)"),
            row(0),
        );
        frame.render_widget(
            Paragraph::new(vec![
                radio(MethodChoice::Sms, "Text message (SMS) to a mobile phone"),
                radio(MethodChoice::App, "Authenticator app (scan a QR code)"),
            ]),
            row(2),
        );
        match self.choice {
            MethodChoice::Sms => render_field(
                frame,
                row(4),
                &self.phone,
                idle,
                LABEL_WIDTH,
                self.phone_status().as_ref(),
            ),
            MethodChoice::App => frame.render_widget(
                Paragraph::new(
                    "Enter shows a new secret as a QR code for your authenticator app (any app \
                     for time-based codes), then asks for a code from it.",
                )
                .wrap(Wrap { trim: true }),
                row(4),
            ),
        }
        (row(5), row(6))
    }

    /// Where the QR code goes in `area` on the app step.
    fn qr_placement(&self, area: Rect) -> QrPlacement {
        let Some(qr) = self.app.as_ref().and_then(|app| app.qr.as_ref()) else {
            return QrPlacement::Hidden;
        };
        let beside_width = area.width.saturating_sub(TEXT_MIN_WIDTH + QR_GAP);
        if let Some(quiet) = qr.quiet_zone_to_fit(beside_width, area.height) {
            return QrPlacement::Beside(quiet);
        }
        let above_height = area.height.saturating_sub(TEXT_MIN_ROWS_BELOW);
        match qr.quiet_zone_to_fit(area.width, above_height) {
            Some(quiet) => QrPlacement::Above(quiet),
            None => QrPlacement::Hidden,
        }
    }

    fn render_app_code(&self, frame: &mut Frame, area: Rect, view: &View<'_>) {
        let Some(app) = &self.app else {
            return;
        };
        let idle = self.pending.is_none();
        let placement = self.qr_placement(area);
        let text_area = match (placement, &app.qr) {
            (QrPlacement::Beside(quiet), Some(qr)) => {
                let (width, height) = qr.cells(quiet);
                frame.render_widget(
                    QrWidget { matrix: qr, quiet },
                    Rect {
                        width,
                        height,
                        ..area
                    },
                );
                let x = area.x + width + QR_GAP;
                Rect {
                    x,
                    width: area.width.saturating_sub(width + QR_GAP),
                    ..area
                }
            }
            (QrPlacement::Above(quiet), Some(qr)) => {
                let (width, height) = qr.cells(quiet);
                frame.render_widget(
                    QrWidget { matrix: qr, quiet },
                    Rect {
                        width,
                        height,
                        ..area
                    },
                );
                Rect {
                    y: area.y + height,
                    height: area.height.saturating_sub(height),
                    ..area
                }
            }
            _ => area,
        };
        let width = usize::from(text_area.width);
        let mut text: Vec<String> = Vec::new();
        let wrap = |paragraph: &str, text: &mut Vec<String>| {
            text.extend(crate::widgets::wrap(paragraph, width));
        };
        match (placement, &app.qr) {
            (QrPlacement::Hidden, Some(qr)) => {
                let (w, h) = qr.cells(crate::widgets::qr::MIN_QUIET_ZONE);
                wrap(
                    &format!(
                        "The QR code needs {w}×{h} characters and does not fit here: ^F shows it \
                         full-screen. Or type this secret into your authenticator app:"
                    ),
                    &mut text,
                );
            }
            (_, None) => wrap(
                "The QR code cannot be drawn; type this secret into your authenticator app:",
                &mut text,
            ),
            _ => wrap(
                "Scan the QR code with your authenticator app, or type this secret into it:",
                &mut text,
            ),
        }
        text.push(String::new());
        let per_line = if width >= 2 + 8 * 5 { 8 } else { 4 };
        for line in app.secret_lines(per_line) {
            text.push(format!("  {line}"));
        }
        text.push(String::new());
        for line in [
            format!("Account  {}: {}", app.issuer, app.account),
            "Type     time-based, 6 digits, 30 s, SHA1".to_owned(),
        ] {
            if line.chars().count() <= width {
                text.push(line);
            } else {
                wrap(&line, &mut text);
            }
        }
        text.push(String::new());
        let text_rows = u16::try_from(text.len()).unwrap_or(u16::MAX);
        let field_height = field_rows(&self.app_code, None, text_area.width, LABEL_WIDTH);
        let [info, field, _, busy, message] =
            super::rows_array(text_area, [text_rows, field_height, 1, 1, text_area.height]);
        frame.render_widget(
            Paragraph::new(text.into_iter().map(Line::raw).collect::<Vec<_>>()),
            info,
        );
        render_field(frame, field, &self.app_code, idle, LABEL_WIDTH, None);
        if !idle {
            frame.render_widget(Paragraph::new(format!("{} Working…", view.spinner)), busy);
        }
        if let Some(text) = &self.message {
            frame.render_widget(
                Paragraph::new(text.line(view.now)).wrap(Wrap { trim: false }),
                message,
            );
        }
    }

    /// The QR code over the whole terminal, the secret and what to do beside it (or under it).
    fn render_qr_fullscreen(&self, frame: &mut Frame, area: Rect) {
        let Some(app) = &self.app else {
            return;
        };
        let mut text = vec![
            Line::styled(
                "Scan this with your authenticator app.",
                Style::default().add_modifier(Modifier::BOLD),
            ),
            Line::raw(""),
            Line::raw(format!("Account: {}: {}", app.issuer, app.account)),
            Line::raw(""),
            Line::raw("Secret, to type by hand:"),
        ];
        text.extend(
            app.secret_lines(4)
                .into_iter()
                .map(|line| Line::raw(format!("  {line}"))),
        );
        text.push(Line::raw(""));
        text.push(Line::raw("Any key goes back to the code field."));
        let Some(qr) = &app.qr else {
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), area);
            return;
        };
        let beside = area.width.saturating_sub(TEXT_MIN_WIDTH.min(30) + QR_GAP);
        let (quiet, text_beside) = match qr.quiet_zone_to_fit(beside, area.height) {
            Some(quiet) => (Some(quiet), true),
            None => (qr.quiet_zone_to_fit(area.width, area.height), false),
        };
        let Some(quiet) = quiet else {
            let (w, h) = qr.cells(crate::widgets::qr::MIN_QUIET_ZONE);
            let mut lines = vec![
                Line::raw(format!(
                    "This terminal is too small for the QR code: it needs {w}×{h} characters \
                     (now {}×{}). Enlarge the window, or type the secret by hand.",
                    area.width, area.height
                )),
                Line::raw(""),
            ];
            lines.extend(text.into_iter().skip(2));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
            return;
        };
        let (width, height) = qr.cells(quiet);
        let top = area.y + area.height.saturating_sub(height) / 2;
        frame.render_widget(
            QrWidget { matrix: qr, quiet },
            Rect {
                y: top,
                width,
                height,
                ..area
            },
        );
        if text_beside {
            let x = area.x + width + QR_GAP;
            let text_area = Rect {
                x,
                y: top,
                width: area.width.saturating_sub(width + QR_GAP),
                height: area.height.saturating_sub(top - area.y),
            };
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), text_area);
        }
    }
}

impl ScreenState for RegisterScreen {
    fn title(&self) -> &'static str {
        match (self.adding, self.step) {
            (false, Step::Account) => "Register: 1/3 account",
            (false, Step::Method) => "Register: 2/3 two-factor",
            (false, Step::Code) => "Register: 3/3 code",
            (false, Step::AppCode) => "Register: 3/3 authenticator app",
            (false, Step::RecoveryCodes) => "Register: recovery codes",
            (true, Step::Account | Step::Method) => "Add a two-factor method",
            (true, Step::Code) => "Add a two-factor method: SMS code",
            (true, Step::AppCode) => "Add a two-factor method: authenticator app",
            (true, Step::RecoveryCodes) => "Two-factor: recovery codes",
        }
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "stop waiting")];
        }
        let leave = if self.adding {
            "back"
        } else {
            "skip two-factor"
        };
        match self.step {
            Step::Account => vec![
                KeyHint::new("Tab/S-Tab", "next/prev field"),
                KeyHint::new("Enter", "create account"),
                KeyHint::new("Esc", "back"),
            ],
            Step::Method => vec![
                KeyHint::new("Tab", "SMS/app"),
                KeyHint::new(
                    "Enter",
                    match self.choice {
                        MethodChoice::Sms => "send code",
                        MethodChoice::App => "show QR code",
                    },
                ),
                KeyHint::new("Esc", leave),
            ],
            Step::Code => vec![
                KeyHint::new("Enter", "confirm"),
                KeyHint::new("^R", "resend"),
                KeyHint::new("Esc", "change phone"),
            ],
            Step::AppCode if self.fullscreen => vec![KeyHint::new("any key", "back")],
            Step::AppCode => vec![
                KeyHint::new("Enter", "confirm"),
                KeyHint::new("^F", "full-screen QR"),
                KeyHint::new("^N", "new secret"),
                KeyHint::new("Esc", "other method"),
            ],
            Step::RecoveryCodes => vec![KeyHint::new("Enter", "I have stored them")],
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx<'_>) {
        if self.pending.is_some() {
            if key.code == KeyCode::Esc {
                self.pending = None;
                self.message = Some(Message::info(
                    "stopped waiting; the server may still finish the request",
                ));
            }
            return;
        }
        if self.fullscreen {
            self.fullscreen = false;
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (self.step, key.code) {
            (Step::Account, KeyCode::Tab | KeyCode::Down) => self.focus = (self.focus + 1) % 3,
            (Step::Account, KeyCode::BackTab | KeyCode::Up) => self.focus = (self.focus + 2) % 3,
            (Step::Account, KeyCode::Enter) => self.create_account(ctx),
            (Step::Account, KeyCode::Esc) => ctx.go(Nav::Back {
                login_id: None,
                message: None,
            }),
            (Step::Method, KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down) => {
                self.choice = match self.choice {
                    MethodChoice::Sms => MethodChoice::App,
                    MethodChoice::App => MethodChoice::Sms,
                };
            }
            (Step::Method, KeyCode::Enter) => match self.choice {
                MethodChoice::Sms => self.send_code(ctx),
                MethodChoice::App => self.fetch_secret(ctx),
            },
            (Step::Method, KeyCode::Esc) => self.leave_without_a_method(ctx),
            (Step::Code, KeyCode::Enter) => self.confirm_code(ctx),
            (Step::Code, KeyCode::Char('r')) if ctrl => self.send_code(ctx),
            (Step::Code, KeyCode::Esc) => {
                self.step = Step::Method;
                self.message = None;
            }
            (Step::AppCode, KeyCode::Enter) => self.enable_app(ctx),
            (Step::AppCode, KeyCode::Char('f')) if ctrl => self.fullscreen = true,
            (Step::AppCode, KeyCode::Char('n')) if ctrl => self.fetch_secret(ctx),
            (Step::AppCode, KeyCode::Esc) => {
                self.app = None;
                self.app_code.clear();
                self.step = Step::Method;
                self.message = None;
            }
            (Step::RecoveryCodes, KeyCode::Enter) => self.finish(ctx),
            (Step::RecoveryCodes, KeyCode::Esc) => {
                self.message = Some(Message::info(
                    "these codes are shown only once: press Enter when you have stored them",
                ));
            }
            _ => {
                if let Some(field) = self.focused_field() {
                    field.handle_key(&key);
                }
            }
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx<'_>) {
        if self.pending.is_none()
            && !self.fullscreen
            && let Some(field) = self.focused_field()
        {
            field.paste(text);
        }
    }

    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match self.pending.take().map(|(_, op)| op) {
            Some(Op::CreateAccount) => self.on_account_reply(reply, ctx),
            Some(Op::SendCode) => self.on_send_reply(reply, ctx),
            Some(Op::ConfirmCode) => self.on_confirm_reply(reply, ctx),
            Some(Op::FetchSecret) => self.on_secret_reply(reply, ctx),
            Some(Op::LoadIssuer) => self.on_issuer_reply(reply),
            Some(Op::EnableApp) => self.on_enable_app_reply(reply, ctx),
            None => {}
        }
    }

    fn pending(&self) -> Option<RequestId> {
        self.pending.map(|(id, _)| id)
    }

    fn cancel_pending(&mut self) {
        self.pending = None;
    }

    fn set_message(&mut self, message: Option<Message>) {
        self.message = message;
    }

    fn render_fullscreen(&self, frame: &mut Frame, area: Rect, _view: &View<'_>) -> bool {
        if self.step == Step::AppCode && self.fullscreen {
            self.render_qr_fullscreen(frame, area);
            true
        } else {
            false
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, view: &View<'_>) {
        let layout = rows(area, &[1, 1, 3, 3, 3, 1, 1, area.height]);
        let row = |i: usize| layout.get(i).copied().unwrap_or_default();
        let idle = self.pending.is_none();
        let (busy, message_area) = match self.step {
            Step::Account => {
                frame.render_widget(
                    Paragraph::new("Create an account for this application."),
                    row(0),
                );
                render_field(
                    frame,
                    row(2),
                    &self.email,
                    idle && self.focus == 0,
                    LABEL_WIDTH,
                    self.email_status().as_ref(),
                );
                render_field(
                    frame,
                    row(3),
                    &self.password,
                    idle && self.focus == 1,
                    LABEL_WIDTH,
                    self.password_status().as_ref(),
                );
                render_field(
                    frame,
                    row(4),
                    &self.first_name,
                    idle && self.focus == 2,
                    LABEL_WIDTH,
                    None,
                );
                (row(6), row(7))
            }
            Step::Method => self.render_method(frame, area, idle),
            Step::Code => {
                frame.render_widget(
                    Paragraph::new(format!(
                        "Type the code sent to {} to turn on two-factor.",
                        self.phone.trimmed()
                    )),
                    row(0),
                );
                render_field(frame, row(2), &self.code, idle, LABEL_WIDTH, None);
                (row(6), row(7))
            }
            Step::AppCode => {
                self.render_app_code(frame, area, view);
                return;
            }
            Step::RecoveryCodes => {
                let [codes, message] = super::rows_array(area, [16, area.height]);
                self.render_recovery_codes(frame, codes);
                if let Some(text) = &self.message {
                    frame.render_widget(
                        Paragraph::new(text.line(view.now)).wrap(Wrap { trim: false }),
                        message,
                    );
                }
                return;
            }
        };
        if !idle {
            frame.render_widget(Paragraph::new(format!("{} Working…", view.spinner)), busy);
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(view.now)).wrap(Wrap { trim: false }),
                message_area,
            );
        }
    }
}
