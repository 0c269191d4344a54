//! The Two-factor code screen, shown after a 242: where the code went (the masked number), a
//! countdown until it and the whole attempt expire, resend with its 30 s cooldown, the method
//! choice when there is more than one (an authenticator app beside SMS: when the app was used
//! last the server sends no SMS, and ^R sends one instead), a recovery-code toggle (same field, other label), and a
//! "trust this device" toggle whose `twoFactorTrustId` is kept for the next login.
//!
//! Wrong codes (421) are counted locally from `codeAttemptsRemaining` (default 5) and the screen
//! stays; an expired or consumed challenge (404, or the countdown reaching zero) returns to Login.
//! No IO here: sends and verifications are effects, their answers events.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{
    Ctx, Nav, ScreenState, Session, View, describe_error, errors_text, field_error,
    prevented_message, rows,
};
use crate::client::wire::{Secret, TwoFactorChallenge, TwoFactorLoginRequest, TwoFactorMethod};
use crate::client::{ApiRequest, ApiResponse, ClientError, LoginOutcome};
use crate::event::{ApiReply, RequestId};
use crate::time::{Millis, countdown};
use crate::widgets::field::{FieldStatus, TextField, render_field};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::{Countdown, Message};

/// Seconds between two sends of a code (the daemon enforces the same).
pub const RESEND_COOLDOWN_SECS: u64 = 30;
/// Wrong codes allowed when the server does not say (FusionAuth's default).
pub const DEFAULT_ATTEMPTS: u32 = 5;

/// One method of the challenge and what we know about its code.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodState {
    pub method: TwoFactorMethod,
    /// `Some(false)`: the server tried and failed; `None`: the server did not say.
    pub code_sent: Option<bool>,
    pub code_sent_reason: Option<String>,
    pub code_expires_at: Option<Millis>,
    pub resend_at: Option<Millis>,
}

impl MethodState {
    fn new(method: TwoFactorMethod, at: Millis) -> Self {
        let resend_at = method.resend_allowed_instant.map(Millis).or_else(|| {
            (method.code_sent == Some(true)).then(|| at.plus_secs(RESEND_COOLDOWN_SECS))
        });
        Self {
            code_sent: method.code_sent,
            code_sent_reason: method.code_sent_reason.clone(),
            code_expires_at: method.code_expiration_instant.map(Millis),
            resend_at,
            method,
        }
    }

    pub fn is_authenticator(&self) -> bool {
        self.method.method == "authenticator"
    }

    /// "SMS to +1******4567", "authenticator app", …
    pub fn target(&self) -> String {
        let m = &self.method;
        match m.method.as_str() {
            "sms" => format!(
                "SMS to {}",
                m.mobile_phone.as_deref().unwrap_or("your phone")
            ),
            "email" => format!("email to {}", m.email.as_deref().unwrap_or("your address")),
            "authenticator" => "authenticator app".to_owned(),
            other => other.to_owned(),
        }
    }
}

/// What the pending call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Verify(RequestId),
    /// Resending the code of the method at this index.
    Resend(RequestId, usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TwoFactorScreen {
    two_factor_id: Secret,
    pub login_id: String,
    pub methods: Vec<MethodState>,
    pub selected: usize,
    pub code: TextField,
    /// Typing a recovery code instead of the method's code.
    pub recovery: bool,
    /// Ask the server to trust this device (`trustComputer: true`).
    pub trust: bool,
    pub attempts_left: u32,
    /// When the whole challenge expires.
    pub expires_at: Option<Millis>,
    pending: Option<Pending>,
    pub message: Option<Message>,
}

impl TwoFactorScreen {
    /// The screen for a 242 body that arrived at `at`.
    pub fn new(challenge: TwoFactorChallenge, login_id: String, at: Millis) -> Self {
        let methods: Vec<MethodState> = challenge
            .methods
            .into_iter()
            .map(|method| MethodState::new(method, at))
            .collect();
        let selected = methods
            .iter()
            .position(|m| m.code_sent == Some(true) && m.method.last_used == Some(true))
            .or_else(|| methods.iter().position(|m| m.code_sent == Some(true)))
            .or_else(|| {
                methods
                    .iter()
                    .position(|m| m.method.last_used == Some(true))
            })
            .unwrap_or(0);
        let mut screen = Self {
            two_factor_id: challenge.two_factor_id,
            login_id,
            methods,
            selected,
            code: TextField::new("Code").with_max_chars(32),
            recovery: false,
            trust: false,
            attempts_left: challenge
                .code_attempts_remaining
                .unwrap_or(DEFAULT_ATTEMPTS),
            expires_at: challenge.two_factor_id_expiration_instant.map(Millis),
            pending: None,
            message: None,
        };
        screen.relabel();
        screen
    }

    pub fn selected_method(&self) -> Option<&MethodState> {
        self.methods.get(self.selected)
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The SMS method to fall back on while an authenticator is selected.
    fn sms_instead(&self) -> Option<usize> {
        if !self.selected_method()?.is_authenticator() {
            return None;
        }
        self.methods.iter().position(|m| m.method.method == "sms")
    }

    /// The method the server treats as the default (and sends to), when it is not `index`.
    fn other_last_used(&self, index: usize) -> Option<&MethodState> {
        self.methods
            .iter()
            .enumerate()
            .find(|(i, m)| *i != index && m.method.last_used == Some(true))
            .map(|(_, m)| m)
    }

    fn relabel(&mut self) {
        let (label, placeholder) = if self.recovery {
            ("Recovery code", "(like QJD73-L6GR5)")
        } else {
            match self.selected_method().map(|m| m.method.method.as_str()) {
                Some("authenticator") => ("App code", "(from your authenticator app)"),
                Some("sms") => ("SMS code", ""),
                Some("email") => ("Email code", ""),
                _ => ("Code", ""),
            }
        };
        self.code.set_label(label);
        self.code.set_placeholder(placeholder);
    }

    fn verify(&mut self, ctx: &mut Ctx<'_>) {
        let code = self.code.trimmed().to_owned();
        if code.is_empty() {
            let what = if self.recovery {
                "type one of your recovery codes"
            } else {
                "type the code first"
            };
            self.code.set_error(Some(what.to_owned()));
            return;
        }
        let request = TwoFactorLoginRequest {
            two_factor_id: self.two_factor_id.clone(),
            code: Secret::new(code),
            application_id: ctx.config.application_id.clone(),
            trust_computer: self.trust,
        };
        self.message = None;
        self.pending = Some(Pending::Verify(
            ctx.call(ApiRequest::TwoFactorLogin(request)),
        ));
    }

    fn resend(&mut self, ctx: &mut Ctx<'_>) {
        if !self.recovery
            && let Some(sms) = self.sms_instead()
        {
            // "Send an SMS instead": switch to the phone, then send as for it.
            self.selected = sms;
            self.code.clear();
            self.relabel();
        }
        let index = self.selected;
        let Some(method) = self.methods.get(index) else {
            self.message = Some(Message::error(
                "the server offered no method to send a code to",
            ));
            return;
        };
        if method.is_authenticator() {
            self.message = Some(Message::info(
                "authenticator codes come from your app; there is nothing to send",
            ));
            return;
        }
        if let Some(resend_at) = method.resend_at
            && !ctx.now.reached(resend_at)
        {
            let text = if method.code_sent == Some(true) {
                "a code was sent moments ago; to send another,"
            } else {
                "the server does not allow another code yet;"
            };
            self.message = Some(Message::info(text).with_countdown(Countdown::RetryIn(resend_at)));
            return;
        }
        let request = ApiRequest::SendTwoFactorCode {
            two_factor_id: self.two_factor_id.clone(),
            method_id: method.method.id.clone(),
        };
        self.message = None;
        self.pending = Some(Pending::Resend(ctx.call(request), index));
    }

    fn select(&mut self, delta: isize) {
        if self.recovery || self.methods.len() < 2 {
            return;
        }
        let n = self.methods.len();
        let current = self.selected;
        self.selected = if delta < 0 {
            (current + n - 1) % n
        } else {
            (current + 1) % n
        };
        self.code.clear();
        self.message = None;
        self.relabel();
    }

    fn expired(&self, ctx: &mut Ctx<'_>) {
        ctx.go(Nav::Login {
            login_id: Some(self.login_id.clone()),
            message: Some(Message::error("the login attempt expired — sign in again")),
        });
    }

    fn on_verify_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match reply.result {
            Ok(ApiResponse::TwoFactorLogin(LoginOutcome::Success(mut response))) => {
                if self.trust
                    && let Some(trust_id) = response.two_factor_trust_id.take()
                {
                    *ctx.trust_id = Some(trust_id);
                }
                match Session::from_login(response) {
                    Some(session) => ctx.go(Nav::SignedIn(session)),
                    None => {
                        self.message = Some(Message::error(
                            "the server accepted the code but sent no token",
                        ));
                    }
                }
            }
            Ok(ApiResponse::TwoFactorLogin(LoginOutcome::NotRegistered(_))) => ctx.go(Nav::Login {
                login_id: Some(self.login_id.clone()),
                message: Some(Message::error(
                    "you are not registered for this application",
                )),
            }),
            Ok(other) => {
                self.message = Some(Message::error(format!(
                    "unexpected answer to the code: {other:?}"
                )));
            }
            Err(ClientError::InvalidCode) => {
                self.attempts_left = self.attempts_left.saturating_sub(1);
                self.code.clear();
                if self.attempts_left == 0 {
                    ctx.go(Nav::Login {
                        login_id: Some(self.login_id.clone()),
                        message: Some(Message::error("wrong code, no tries left — sign in again")),
                    });
                } else {
                    let tries = if self.attempts_left == 1 {
                        "try"
                    } else {
                        "tries"
                    };
                    self.message = Some(Message::error(format!(
                        "wrong code, {} {tries} left",
                        self.attempts_left
                    )));
                }
            }
            Err(ClientError::NotFound) => self.expired(ctx),
            Err(ClientError::LoginPrevented { actions }) => ctx.go(Nav::Login {
                login_id: Some(self.login_id.clone()),
                message: Some(prevented_message(&actions)),
            }),
            Err(ClientError::Locked) => ctx.go(Nav::Login {
                login_id: Some(self.login_id.clone()),
                message: Some(Message::error("account locked (deactivated)")),
            }),
            Err(ClientError::Rejected { errors, .. }) => {
                self.code.set_error(field_error(&errors, "code"));
                if !super::only_shown_field_errors(&errors, &["code"]) {
                    self.message = Some(Message::error(errors_text(&errors, &["code"])));
                }
            }
            Err(error) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
        }
    }

    fn on_resend_reply(&mut self, index: usize, reply: ApiReply, ctx: &mut Ctx<'_>) {
        let at = reply.at;
        match reply.result {
            Ok(ApiResponse::CodeSent) => {
                if let Some(method) = self.methods.get_mut(index) {
                    method.code_sent = Some(true);
                    method.code_sent_reason = None;
                    // The server does not say when the new code expires; the attempt's own expiry
                    // still shows.
                    method.code_expires_at = None;
                    method.resend_at = Some(at.plus_secs(RESEND_COOLDOWN_SECS));
                    self.message = Some(Message::success(format!(
                        "a new code was sent by {}",
                        method.target()
                    )));
                }
            }
            Ok(other) => {
                self.message = Some(Message::error(format!(
                    "unexpected answer to the resend: {other:?}"
                )));
            }
            Err(ClientError::NotFound) => self.expired(ctx),
            Err(ClientError::Busy {
                retry_after_secs, ..
            }) => {
                let retry_at = at.plus_secs(retry_after_secs.unwrap_or(RESEND_COOLDOWN_SECS));
                if let Some(method) = self.methods.get_mut(index) {
                    method.resend_at = Some(retry_at);
                }
                self.message = Some(
                    Message::error("too many codes requested;")
                        .with_countdown(Countdown::RetryIn(retry_at)),
                );
            }
            Err(ClientError::Rejected { errors, .. }) => {
                self.message = Some(Message::error(format!(
                    "the code was not sent: {}",
                    errors_text(&errors, &[])
                )));
            }
            Err(error) => self.message = Some(describe_error(&error, at, ctx.config)),
        }
    }

    /// The sentence about where the code went (or why it did not).
    fn delivery_line(&self) -> String {
        if self.recovery {
            return "Type one of your recovery codes (they look like QJD73-L6GR5). Each works once."
                .to_owned();
        }
        let Some(method) = self.selected_method() else {
            return "Type your two-factor code.".to_owned();
        };
        if method.is_authenticator() {
            let digits = method
                .method
                .authenticator
                .as_ref()
                .and_then(|a| a.code_length)
                .unwrap_or(6);
            return format!(
                "Open your authenticator app and type its current {digits}-digit code."
            );
        }
        match method.code_sent {
            Some(true) => format!("A code was sent by {}.", method.target()),
            Some(false) if is_rate_limited(method.code_sent_reason.as_deref()) => format!(
                "The code was NOT sent ({}): {}. A code from an earlier sign-in does not work \
                 here: press ^R for a new one.",
                method.target(),
                not_sent_reason(method.code_sent_reason.as_deref())
            ),
            Some(false) => format!(
                "The code was NOT sent ({}): {}. Press ^R to try again.",
                method.target(),
                not_sent_reason(method.code_sent_reason.as_deref())
            ),
            None => match self.other_last_used(self.selected) {
                Some(last) if last.is_authenticator() => format!(
                    "No code was sent by {} for this sign-in (you last used your authenticator \
                     app): press ^R to send one.",
                    method.target()
                ),
                Some(_) => format!(
                    "No code was sent by {} for this sign-in (you last used another method): \
                     press ^R to send one.",
                    method.target()
                ),
                None => format!(
                    "Code by {}. If none arrives, press ^R to send one.",
                    method.target()
                ),
            },
        }
    }

    /// "Code expires in 4:32 · this sign-in expires in 4:59".
    fn expiry_line(&self, now: Millis) -> String {
        let mut parts = Vec::new();
        if !self.recovery
            && let Some(code_expires_at) = self.selected_method().and_then(|m| m.code_expires_at)
        {
            if now.reached(code_expires_at) {
                parts.push("The code has expired: press ^R for a new one".to_owned());
            } else {
                parts.push(format!(
                    "Code expires in {}",
                    countdown(now, code_expires_at)
                ));
            }
        }
        if let Some(expires_at) = self.expires_at {
            parts.push(format!(
                "this sign-in expires in {}",
                countdown(now, expires_at)
            ));
        }
        let line = parts.join(" · ");
        let mut chars = line.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => line,
        }
    }

    fn resend_line(&self, now: Millis) -> Option<String> {
        let mut method = self.selected_method()?;
        let what = if method.is_authenticator() {
            if self.recovery {
                return None;
            }
            // No phone app at hand: offer the SMS method instead.
            method = self.methods.get(self.sms_instead()?)?;
            format!("Send an {} instead (^R)", method.target())
        } else if method.code_sent == Some(true) {
            "Resend (^R)".to_owned()
        } else {
            "Send a code (^R)".to_owned()
        };
        Some(match method.resend_at {
            Some(at) if !now.reached(at) => {
                format!("{what}: available in {}", countdown(now, at))
            }
            _ => format!("{what}: available now"),
        })
    }
}

/// Plain words for `codeSentReason` (twofoldd's reason codes; anything else is shown as sent).
fn not_sent_reason(reason: Option<&str>) -> String {
    match reason {
        Some("[RateLimited]") => "too many codes were sent recently".to_owned(),
        Some("[BudgetExhausted]") => "the server's SMS budget for this hour is spent".to_owned(),
        Some("[CountryNotAllowed]") => "SMS to this number's country are not allowed".to_owned(),
        Some("[NotMobile]") => "this number cannot receive SMS".to_owned(),
        Some(provider) if provider.starts_with("[ProviderError]") => {
            "the SMS provider could not send it".to_owned()
        }
        Some(other) => other.to_owned(),
        None => "the server did not say why".to_owned(),
    }
}

/// A send refused for now by the server's limits, which a later ^R can overcome.
fn is_rate_limited(reason: Option<&str>) -> bool {
    matches!(reason, Some("[RateLimited]" | "[BudgetExhausted]"))
}

impl ScreenState for TwoFactorScreen {
    fn title(&self) -> &'static str {
        "Two-factor code"
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "cancel")];
        }
        let mut hints = vec![KeyHint::new("Enter", "verify")];
        if let Some(method) = self.selected_method().filter(|m| !m.is_authenticator()) {
            let what = if method.code_sent == Some(true) {
                "resend"
            } else {
                "send code"
            };
            hints.push(KeyHint::new("^R", what));
        } else if !self.recovery && self.sms_instead().is_some() {
            hints.push(KeyHint::new("^R", "SMS instead"));
        }
        hints.push(KeyHint::new(
            "^T",
            if self.trust {
                "don't trust device"
            } else {
                "trust device"
            },
        ));
        hints.push(KeyHint::new(
            "^O",
            if self.recovery {
                "use the code"
            } else {
                "use recovery code"
            },
        ));
        if self.methods.len() > 1 && !self.recovery {
            hints.push(KeyHint::new("↑/↓", "method"));
        }
        hints.push(KeyHint::new("Esc", "back to login"));
        hints
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx<'_>) {
        if self.pending.is_some() {
            if key.code == KeyCode::Esc {
                self.pending = None;
                self.message = Some(Message::info("cancelled"));
            }
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => self.verify(ctx),
            KeyCode::Char('r') if ctrl => self.resend(ctx),
            KeyCode::Char('t') if ctrl => self.trust = !self.trust,
            KeyCode::Char('o') if ctrl => {
                self.recovery = !self.recovery;
                self.code.clear();
                self.message = None;
                self.relabel();
            }
            KeyCode::Up => self.select(-1),
            KeyCode::Down => self.select(1),
            KeyCode::Esc => ctx.go(Nav::Login {
                login_id: Some(self.login_id.clone()),
                message: Some(Message::info("two-factor sign-in cancelled")),
            }),
            _ => {
                self.code.handle_key(&key);
            }
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx<'_>) {
        if self.pending.is_none() {
            self.code.paste(text);
        }
    }

    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        match self.pending.take() {
            Some(Pending::Verify(_)) => self.on_verify_reply(reply, ctx),
            Some(Pending::Resend(_, index)) => self.on_resend_reply(index, reply, ctx),
            None => {}
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(expires_at) = self.expires_at
            && ctx.now.reached(expires_at)
        {
            self.expired(ctx);
        }
    }

    fn pending(&self) -> Option<RequestId> {
        match self.pending {
            Some(Pending::Verify(id) | Pending::Resend(id, _)) => Some(id),
            None => None,
        }
    }

    fn cancel_pending(&mut self) {
        self.pending = None;
    }

    fn set_message(&mut self, message: Option<Message>) {
        self.message = message;
    }

    fn render(&self, frame: &mut Frame, area: Rect, view: &View<'_>) {
        let show_methods = self.methods.len() > 1 && !self.recovery;
        let methods_height = if show_methods {
            // The heading, up to four methods and a blank line.
            2 + u16::try_from(self.methods.len().min(4)).unwrap_or(4)
        } else {
            0
        };
        let resend = self.resend_line(view.now);
        let intro = format!(
            "Second step for {}: enter the code to finish signing in.",
            self.login_id
        );
        let delivery = self.delivery_line();
        let wrapped = |text: &str, at_least: usize| {
            let n = crate::widgets::wrap(text, usize::from(area.width)).len();
            u16::try_from(n.max(at_least)).unwrap_or(u16::MAX)
        };
        let layout = rows(
            area,
            &[
                wrapped(&intro, 1),          // 0 intro (may wrap)
                1,                           // 1 blank
                methods_height,              // 2 methods
                wrapped(&delivery, 2),       // 3 delivery (may wrap)
                1,                           // 4 expiry
                1,                           // 5 blank
                2,                           // 6 code field + tries
                1,                           // 7 blank
                1,                           // 8 trust
                u16::from(resend.is_some()), // 9 resend
                1,                           // 10 blank
                1,                           // 11 spinner
                area.height,                 // 12 message (the rest)
            ],
        );
        let row = |i: usize| layout.get(i).copied().unwrap_or_default();

        frame.render_widget(Paragraph::new(intro).wrap(Wrap { trim: true }), row(0));
        if show_methods {
            let mut lines = vec![Line::raw("Method (↑/↓ to choose):")];
            for (i, method) in self.methods.iter().enumerate().take(4) {
                let selected = i == self.selected;
                let marker = if selected { ">" } else { " " };
                let note = match method.code_sent {
                    Some(true) if !method.is_authenticator() => " (code sent)",
                    Some(false) => " (not sent)",
                    _ if method.is_authenticator() && method.method.last_used == Some(true) => {
                        " (used last)"
                    }
                    None if !method.is_authenticator() && self.other_last_used(i).is_some() => {
                        " (nothing sent)"
                    }
                    _ => "",
                };
                let target = method.target();
                let mut chars = target.chars();
                let target: String = match chars.next() {
                    Some(first) => first.to_uppercase().chain(chars).collect(),
                    None => target,
                };
                let text = format!("{marker} {}. {target}{note}", i + 1);
                let style = if selected {
                    Style::default().add_modifier(Modifier::BOLD)
                } else {
                    Style::default()
                };
                lines.push(Line::styled(text, style));
            }
            frame.render_widget(Paragraph::new(lines), row(2));
        }
        frame.render_widget(Paragraph::new(delivery).wrap(Wrap { trim: false }), row(3));
        frame.render_widget(Paragraph::new(self.expiry_line(view.now)), row(4));

        let tries = if self.attempts_left == 1 {
            "try"
        } else {
            "tries"
        };
        let status = FieldStatus::Hint(format!("{} {tries} left", self.attempts_left));
        render_field(
            frame,
            row(6),
            &self.code,
            self.pending.is_none(),
            13,
            Some(&status),
        );
        let check = if self.trust { "[x]" } else { "[ ]" };
        frame.render_widget(
            Paragraph::new(format!(
                "{check} Trust this device: skip the code next time (^T)"
            )),
            row(8),
        );
        if let Some(resend) = resend {
            frame.render_widget(Paragraph::new(resend), row(9));
        }
        match self.pending {
            Some(Pending::Verify(_)) => frame.render_widget(
                Paragraph::new(format!("{} Checking the code…", view.spinner)),
                row(11),
            ),
            Some(Pending::Resend(..)) => frame.render_widget(
                Paragraph::new(format!("{} Sending a new code…", view.spinner)),
                row(11),
            ),
            None => {}
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(view.now)).wrap(Wrap { trim: false }),
                row(12),
            );
        }
    }
}
