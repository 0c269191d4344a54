//! The Signed-in screen: "Signed in", who (name, email), and the access token's claims decoded
//! client-side (`sub`, `amr`, `exp` as a countdown). `r` refreshes the token
//! (`POST /api/jwt/refresh`); `a` adds a two-factor method (SMS or an authenticator app) on the
//! enrolment screen, which needs the API key; `l` or Esc logs out (`POST /api/logout`) and
//! returns to Login.
//!
//! The raw token is never shown, only a 10-character prefix; the refresh token not at all. The
//! claims are read, not verified: they are for display only.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, Nav, ScreenState, Session, View, describe_error, rows_array};
use crate::client::{ApiRequest, ApiResponse, ClientError};
use crate::event::{ApiReply, RequestId};
use crate::jwt::{Claims, JwtError, decode_claims, token_prefix};
use crate::time::{Millis, Utc, countdown};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Refresh(RequestId),
    Logout(RequestId),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignedInScreen {
    pub session: Session,
    pub claims: Result<Claims, JwtError>,
    pending: Option<Pending>,
    pub message: Option<Message>,
}

impl SignedInScreen {
    pub fn new(session: Session) -> Self {
        let claims = decode_claims(session.token.expose());
        Self {
            session,
            claims,
            pending: None,
            message: None,
        }
    }

    /// When the access token expires: the `exp` claim, else the login body's instant.
    pub fn expires_at(&self) -> Option<Millis> {
        self.claims
            .as_ref()
            .ok()
            .and_then(|claims| claims.exp)
            .map(Millis::from_secs)
            .or(self.session.token_expiration)
    }

    fn refresh(&mut self, ctx: &mut Ctx<'_>) {
        let Some(refresh_token) = self.session.refresh_token.clone() else {
            self.message = Some(Message::error(
                "no refresh token: the daemon gives one only when you sign in with --application-id",
            ));
            return;
        };
        self.message = None;
        self.pending = Some(Pending::Refresh(
            ctx.call(ApiRequest::RefreshJwt { refresh_token }),
        ));
    }

    fn logout(&mut self, ctx: &mut Ctx<'_>) {
        let login_id = self.login_id();
        match self.session.refresh_token.clone() {
            Some(refresh_token) => {
                self.message = None;
                self.pending = Some(Pending::Logout(ctx.call(ApiRequest::Logout {
                    refresh_token: Some(refresh_token),
                })));
            }
            None => ctx.go(Nav::Login {
                login_id,
                message: Some(Message::success(
                    "signed out (the token was dropped; there was no refresh token to revoke)",
                )),
            }),
        }
    }

    /// `a`: the enrolment screen for this user, from its choice of method.
    fn add_method(&mut self, ctx: &mut Ctx<'_>) {
        if !ctx.config.has_api_key {
            self.message = Some(Message::error(
                "adding a two-factor method needs an API key: start twofold with --api-key or TWOFOLD_API_KEY",
            ));
            return;
        }
        match self.session.user.clone().filter(|user| !user.id.is_empty()) {
            Some(user) => {
                self.message = None;
                ctx.go(Nav::AddMethod(user));
            }
            None => {
                self.message = Some(Message::error(
                    "the server did not say who signed in, so no method can be added",
                ));
            }
        }
    }

    fn login_id(&self) -> Option<String> {
        let user = self.session.user.as_ref()?;
        user.email.clone().or_else(|| user.username.clone())
    }
}

impl ScreenState for SignedInScreen {
    fn title(&self) -> &'static str {
        "Signed in"
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "stop waiting")];
        }
        vec![
            KeyHint::new("r", "refresh token"),
            KeyHint::new("a", "add 2FA"),
            KeyHint::new("l/Esc", "log out"),
        ]
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx<'_>) {
        if let Some(pending) = self.pending {
            if key.code == KeyCode::Esc {
                self.pending = None;
                if let Pending::Logout(_) = pending {
                    ctx.go(Nav::Login {
                        login_id: self.login_id(),
                        message: Some(Message::info(
                            "signed out locally; the server did not confirm the logout",
                        )),
                    });
                }
            }
            return;
        }
        match key.code {
            KeyCode::Char('r' | 'R') => self.refresh(ctx),
            KeyCode::Char('a' | 'A') => self.add_method(ctx),
            KeyCode::Char('l' | 'L') | KeyCode::Esc => self.logout(ctx),
            _ => {}
        }
    }

    fn on_paste(&mut self, _text: &str, _ctx: &mut Ctx<'_>) {}

    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        match (pending, reply.result) {
            (Pending::Refresh(_), Ok(ApiResponse::Refreshed(refreshed))) => {
                self.session.token = refreshed.token;
                if let Some(refresh_token) = refreshed.refresh_token.filter(|t| !t.is_empty()) {
                    self.session.refresh_token = Some(refresh_token);
                }
                if refreshed.refresh_token_id.is_some() {
                    self.session.refresh_token_id = refreshed.refresh_token_id;
                }
                self.session.token_expiration = None;
                self.claims = decode_claims(self.session.token.expose());
                self.message = Some(Message::success("token refreshed"));
            }
            (Pending::Refresh(_), Err(ClientError::Rejected { .. })) => {
                self.message = Some(Message::error(
                    "the refresh token is no longer valid: log out and sign in again",
                ));
            }
            (Pending::Refresh(_), Err(error)) => {
                self.message = Some(describe_error(&error, reply.at, ctx.config));
            }
            (Pending::Logout(_), Ok(_)) => ctx.go(Nav::Login {
                login_id: self.login_id(),
                message: Some(Message::success("signed out")),
            }),
            (Pending::Logout(_), Err(error)) => ctx.go(Nav::Login {
                login_id: self.login_id(),
                message: Some(Message::error(format!(
                    "signed out here, but the server could not revoke the refresh token: {}",
                    describe_error(&error, reply.at, ctx.config).text
                ))),
            }),
            (Pending::Refresh(_), Ok(other)) => {
                self.message = Some(Message::error(format!(
                    "unexpected answer to the refresh: {other:?}"
                )));
            }
        }
    }

    fn pending(&self) -> Option<RequestId> {
        match self.pending {
            Some(Pending::Refresh(id) | Pending::Logout(id)) => Some(id),
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
        let now = view.now;
        let user = self.session.user.as_ref();
        let dash = || "—".to_owned();
        let name = user.and_then(|u| u.display_name()).unwrap_or_else(dash);
        let email = user.and_then(|u| u.email.clone()).unwrap_or_else(dash);

        let mut lines = vec![
            Line::styled("Signed in", Style::default().add_modifier(Modifier::BOLD)),
            Line::raw(""),
            Line::raw(format!("  Name   {name}")),
            Line::raw(format!("  Email  {email}")),
            Line::raw(""),
            Line::raw(format!(
                "Access token  {}  (claims decoded here, not verified)",
                token_prefix(self.session.token.expose())
            )),
        ];
        match &self.claims {
            Ok(claims) => {
                let sub = claims.sub.clone().unwrap_or_else(dash);
                let amr = if claims.amr.is_empty() {
                    dash()
                } else {
                    claims.amr.join(", ")
                };
                lines.push(Line::raw(format!("  sub    {sub}")));
                lines.push(Line::raw(format!("  amr    {amr}")));
            }
            Err(error) => lines.push(Line::raw(format!("  (cannot read the claims: {error})"))),
        }
        let exp = match self.expires_at() {
            Some(at) if now.reached(at) => format!("{} (expired: press r to refresh)", Utc(at)),
            Some(at) => format!("{} (expires in {})", Utc(at), countdown(now, at)),
            None => dash(),
        };
        lines.push(Line::raw(format!("  exp    {exp}")));
        lines.push(Line::raw(""));
        lines.push(Line::raw(match &self.session.refresh_token {
            Some(_) => "Refresh token  kept in memory only",
            None => "Refresh token  none (sign in with --application-id to get one)",
        }));

        let n_lines = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        let [info, _, busy, message_area] = rows_array(area, [n_lines, 1, 1, area.height]);
        frame.render_widget(Paragraph::new(lines), info);
        let busy_text = match self.pending {
            Some(Pending::Refresh(_)) => Some("Refreshing the token…"),
            Some(Pending::Logout(_)) => Some("Signing out…"),
            None => None,
        };
        if let Some(text) = busy_text {
            frame.render_widget(Paragraph::new(format!("{} {text}", view.spinner)), busy);
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(now)).wrap(Wrap { trim: false }),
                message_area,
            );
        }
    }
}
