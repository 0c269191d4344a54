//! The Register / enrol screen (F3, needs an API key and an application id), in four steps:
//! create the account (`POST /api/user/registration`: email, password, first name), add a phone
//! (`POST /api/two-factor/send`), confirm the code (`POST /api/user/two-factor/{userId}`), and show
//! the 10 recovery codes once, until the user acknowledges having stored them.
//!
//! The recovery codes live only in this screen's memory and are dropped when it closes. No IO
//! here: each step's call is an effect, its answer an event.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, Nav, ScreenState, View, describe_error, errors_text, field_error, rows};
use crate::client::wire::{NewRegistration, NewUser, RegistrationRequest, Secret, User};
use crate::client::{ApiRequest, ApiResponse, ClientError};
use crate::event::{ApiReply, RequestId};
use crate::time::Millis;
use crate::validate;
use crate::widgets::field::{FieldStatus, TextField, render_field};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::{Countdown, Message};

/// The daemon's minimum password length.
pub const MIN_PASSWORD_CHARS: usize = 8;
const RESEND_COOLDOWN_SECS: u64 = 30;
const LABEL_WIDTH: u16 = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Email, password, first name.
    Account,
    /// The phone number to enrol.
    Phone,
    /// The code sent to that phone.
    Code,
    /// The recovery codes, shown once.
    RecoveryCodes,
}

/// What the pending call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    CreateAccount,
    SendCode,
    ConfirmCode,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RegisterScreen {
    pub step: Step,
    pub email: TextField,
    pub password: TextField,
    pub first_name: TextField,
    /// Focus among the account fields (0 email, 1 password, 2 first name).
    pub focus: usize,
    pub phone: TextField,
    pub code: TextField,
    /// The created user.
    pub user: Option<User>,
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
            phone: TextField::new("Mobile phone").with_placeholder("(e.g. +15551234567)"),
            code: TextField::new("Code").with_max_chars(32),
            user: None,
            recovery_codes: Vec::new(),
            resend_at: None,
            pending: None,
            message,
        }
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
            Step::Phone => Some(&mut self.phone),
            Step::Code => Some(&mut self.code),
            Step::RecoveryCodes => None,
        }
    }

    fn user_id(&self) -> Option<String> {
        self.user
            .as_ref()
            .map(|u| u.id.clone())
            .filter(|id| !id.is_empty())
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

    fn finish(&self, ctx: &mut Ctx<'_>) {
        let email = self.email.trimmed().to_owned();
        ctx.go(Nav::Back {
            message: Some(Message::success(format!(
                "account {email} is ready with SMS two-factor: sign in"
            ))),
            login_id: Some(email),
        });
    }

    fn on_account_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        const SHOWN: [&str; 3] = ["user.email", "user.password", "user.firstName"];
        match reply.result {
            Ok(ApiResponse::Registered(response)) => {
                self.user = Some(response.user);
                self.step = Step::Phone;
                self.message = Some(Message::success(format!(
                    "account {} created; now add a phone for two-factor codes",
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
                    self.step = Step::Phone;
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

    fn on_confirm_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match reply.result {
            Ok(ApiResponse::TwoFactorEnabled(codes)) if codes.is_empty() => self.finish(ctx),
            Ok(ApiResponse::TwoFactorEnabled(codes)) => {
                self.recovery_codes = codes;
                self.step = Step::RecoveryCodes;
                self.message = None;
            }
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
}

impl ScreenState for RegisterScreen {
    fn title(&self) -> &'static str {
        match self.step {
            Step::Account => "Register: 1/3 account",
            Step::Phone => "Register: 2/3 phone",
            Step::Code => "Register: 3/3 code",
            Step::RecoveryCodes => "Register: recovery codes",
        }
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "stop waiting")];
        }
        match self.step {
            Step::Account => vec![
                KeyHint::new("Tab/S-Tab", "next/prev field"),
                KeyHint::new("Enter", "create account"),
                KeyHint::new("Esc", "back"),
            ],
            Step::Phone => vec![
                KeyHint::new("Enter", "send code"),
                KeyHint::new("Esc", "skip two-factor"),
            ],
            Step::Code => vec![
                KeyHint::new("Enter", "confirm"),
                KeyHint::new("^R", "resend"),
                KeyHint::new("Esc", "change phone"),
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
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match (self.step, key.code) {
            (Step::Account, KeyCode::Tab | KeyCode::Down) => self.focus = (self.focus + 1) % 3,
            (Step::Account, KeyCode::BackTab | KeyCode::Up) => self.focus = (self.focus + 2) % 3,
            (Step::Account, KeyCode::Enter) => self.create_account(ctx),
            (Step::Account, KeyCode::Esc) => ctx.go(Nav::Back {
                login_id: None,
                message: None,
            }),
            (Step::Phone, KeyCode::Enter) => self.send_code(ctx),
            (Step::Phone, KeyCode::Esc) => {
                let email = self.email.trimmed().to_owned();
                ctx.go(Nav::Back {
                    message: Some(Message::info(format!(
                        "account {email} was created without two-factor"
                    ))),
                    login_id: Some(email),
                });
            }
            (Step::Code, KeyCode::Enter) => self.confirm_code(ctx),
            (Step::Code, KeyCode::Char('r')) if ctrl => self.send_code(ctx),
            (Step::Code, KeyCode::Esc) => {
                self.step = Step::Phone;
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

    fn render(&self, frame: &mut Frame, area: Rect, view: &View<'_>) {
        let layout = rows(area, &[1, 1, 3, 3, 3, 1, 1, area.height]);
        let row = |i: usize| layout.get(i).copied().unwrap_or_default();
        let idle = self.pending.is_none();
        match self.step {
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
            }
            Step::Phone => {
                frame.render_widget(
                    Paragraph::new("Add the mobile phone that will receive your sign-in codes."),
                    row(0),
                );
                render_field(
                    frame,
                    row(2),
                    &self.phone,
                    idle,
                    LABEL_WIDTH,
                    self.phone_status().as_ref(),
                );
            }
            Step::Code => {
                frame.render_widget(
                    Paragraph::new(format!(
                        "Type the code sent to {} to turn on two-factor.",
                        self.phone.trimmed()
                    )),
                    row(0),
                );
                render_field(frame, row(2), &self.code, idle, LABEL_WIDTH, None);
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
        }
        if !idle {
            frame.render_widget(Paragraph::new(format!("{} Working…", view.spinner)), row(6));
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(view.now)).wrap(Wrap { trim: false }),
                row(7),
            );
        }
    }
}
