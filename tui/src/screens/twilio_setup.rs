//! The Twilio setup screen (F2, needs an API key): edit the tenant's Twilio messenger — API URL,
//! Account SID, Auth Token (masked), From number, Messaging Service SID — with validation as you
//! type, send a test message to a phone number (^T) and save (^S), which creates or updates the
//! messenger and makes it the tenant's SMS messenger.
//!
//! On opening it loads the tenant (`GET /api/tenant`) then the messengers (`GET /api/messenger`).
//! The stored auth token is never loaded into the form (the server only returns a mask); an empty
//! token field on save means "keep the stored one". Validation here is a hint; the daemon's 400
//! and the provider's answer to the test are authoritative and are shown as they come.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};

use super::{Ctx, Nav, ScreenState, View, describe_error, rows};
use crate::client::wire::{Errors, Messenger, Secret, Tenant};
use crate::client::{ApiRequest, ApiResponse, ClientError};
use crate::event::{ApiReply, RequestId};
use crate::validate;
use crate::widgets::field::{FieldStatus, TextField, field_rows, render_field};
use crate::widgets::key_bar::KeyHint;
use crate::widgets::message::Message;

pub const FIELD_URL: usize = 0;
pub const FIELD_ACCOUNT_SID: usize = 1;
pub const FIELD_AUTH_TOKEN: usize = 2;
pub const FIELD_FROM: usize = 3;
pub const FIELD_MESSAGING_SERVICE_SID: usize = 4;
pub const FIELD_TEST_PHONE: usize = 5;
/// Fields that make up the messenger (the test phone number does not).
const MESSENGER_FIELDS: std::ops::Range<usize> = 0..5;

pub const DEFAULT_URL: &str = "https://api.twilio.com";
/// The name given to a messenger created here.
pub const DEFAULT_NAME: &str = "Twilio";
const LABEL_WIDTH: u16 = 21;
/// Rows kept for the message (test results and save errors can be long).
const MIN_MESSAGE_ROWS: u16 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    LoadTenants,
    LoadMessengers,
    Save,
    AttachToTenant,
    Test,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TwilioSetupScreen {
    pub fields: [TextField; 6],
    pub focus: usize,
    /// The saved messenger being edited; `None` until one exists.
    pub messenger_id: Option<String>,
    pub messenger_name: Option<String>,
    /// The server holds an auth token for `messenger_id`.
    pub token_stored: bool,
    /// The messenger fields changed since they were loaded or saved.
    pub dirty: bool,
    pub tenant_id: Option<String>,
    /// The tenant's current SMS messenger, as loaded.
    pub tenant_messenger_id: Option<String>,
    pending: Option<(RequestId, Op)>,
    pub message: Option<Message>,
}

impl TwilioSetupScreen {
    /// The screen with an empty form; asks for the tenant, then the messengers.
    pub fn open(ctx: &mut Ctx<'_>) -> Self {
        let mut screen = Self {
            fields: [
                TextField::new("API URL").with_value(DEFAULT_URL),
                TextField::new("Account SID").with_placeholder("(AC + 32 hex digits)"),
                TextField::new("Auth Token").masked(),
                TextField::new("From phone number").with_placeholder("(e.g. +15551234567)"),
                TextField::new("Messaging Service SID").with_placeholder("(MG + 32 hex digits)"),
                TextField::new("Test phone number").with_placeholder("(e.g. +15557654321)"),
            ],
            focus: FIELD_ACCOUNT_SID,
            messenger_id: None,
            messenger_name: None,
            token_stored: false,
            dirty: false,
            tenant_id: None,
            tenant_messenger_id: None,
            pending: None,
            message: Some(Message::info("Loading the current settings…")),
        };
        screen.pending = Some((ctx.call(ApiRequest::ListTenants), Op::LoadTenants));
        screen
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    fn value(&self, index: usize) -> &str {
        self.fields.get(index).map_or("", TextField::trimmed)
    }

    /// What to say under field `index`, from the live validation rules.
    pub fn status(&self, index: usize) -> Option<FieldStatus> {
        let value = self.value(index);
        let check = |result: Result<(), String>, ok: &str| match result {
            Ok(()) => FieldStatus::Ok(ok.to_owned()),
            Err(problem) => FieldStatus::Problem(problem),
        };
        let from = self.value(FIELD_FROM);
        let service = self.value(FIELD_MESSAGING_SERVICE_SID);
        Some(match index {
            FIELD_URL => check(validate::api_url(value), "looks right"),
            FIELD_ACCOUNT_SID if value.is_empty() => {
                FieldStatus::Problem("required: the Account SID from the Twilio console".into())
            }
            FIELD_ACCOUNT_SID => check(validate::account_sid(value), "looks right"),
            FIELD_AUTH_TOKEN if value.is_empty() && self.token_stored => {
                FieldStatus::Hint("stored on the server; leave empty to keep it".into())
            }
            FIELD_AUTH_TOKEN if value.is_empty() => {
                FieldStatus::Problem("required: the Auth Token from the Twilio console".into())
            }
            FIELD_AUTH_TOKEN => FieldStatus::Ok("entered (hidden)".into()),
            FIELD_FROM | FIELD_MESSAGING_SERVICE_SID if from.is_empty() && service.is_empty() => {
                FieldStatus::Problem("needs exactly one: From or Messaging Service SID".into())
            }
            FIELD_FROM | FIELD_MESSAGING_SERVICE_SID if !from.is_empty() && !service.is_empty() => {
                FieldStatus::Problem("fill in only one of From / Messaging Service SID".into())
            }
            FIELD_FROM if from.is_empty() => {
                FieldStatus::Hint("not needed: the Messaging Service SID is set".into())
            }
            FIELD_FROM => check(validate::e164(value), "E.164 number"),
            FIELD_MESSAGING_SERVICE_SID if service.is_empty() => {
                FieldStatus::Hint("not needed: From is set".into())
            }
            FIELD_MESSAGING_SERVICE_SID => {
                check(validate::messaging_service_sid(value), "looks right")
            }
            FIELD_TEST_PHONE if value.is_empty() => {
                FieldStatus::Hint("where ^T sends a test message".into())
            }
            FIELD_TEST_PHONE => check(validate::e164(value), "E.164 number"),
            _ => return None,
        })
    }

    fn first_problem(&self, range: std::ops::Range<usize>) -> Option<usize> {
        range
            .into_iter()
            .find(|&i| matches!(self.status(i), Some(FieldStatus::Problem(_))))
    }

    /// The messenger described by the form. `for_patch` sends cleared sender fields as empty
    /// strings (so a PATCH clears them instead of keeping the old value).
    pub fn form_messenger(&self, for_patch: bool) -> Messenger {
        let optional = |index: usize| {
            let value = self.value(index);
            if !value.is_empty() {
                Some(value.to_owned())
            } else if for_patch {
                Some(String::new())
            } else {
                None
            }
        };
        let token = self.value(FIELD_AUTH_TOKEN);
        Messenger {
            id: None,
            name: Some(
                self.messenger_name
                    .clone()
                    .unwrap_or_else(|| DEFAULT_NAME.to_owned()),
            ),
            kind: Some("Twilio".to_owned()),
            url: Some(self.value(FIELD_URL).to_owned()),
            account_sid: Some(self.value(FIELD_ACCOUNT_SID).to_owned()),
            auth_token: (!token.is_empty()).then(|| Secret::new(token)),
            from_phone_number: optional(FIELD_FROM),
            messaging_service_sid: optional(FIELD_MESSAGING_SERVICE_SID),
            debug: None,
        }
    }

    fn save(&mut self, ctx: &mut Ctx<'_>) {
        if let Some(index) = self.first_problem(MESSENGER_FIELDS) {
            self.focus = index;
            self.message = Some(Message::error("fix the fields marked ✗ before saving"));
            return;
        }
        let request = match &self.messenger_id {
            Some(id) => ApiRequest::UpdateMessenger {
                id: id.clone(),
                messenger: self.form_messenger(true),
            },
            None => ApiRequest::CreateMessenger(self.form_messenger(false)),
        };
        self.message = None;
        self.pending = Some((ctx.call(request), Op::Save));
    }

    fn test(&mut self, ctx: &mut Ctx<'_>) {
        let phone_number = self.value(FIELD_TEST_PHONE).to_owned();
        if phone_number.is_empty() || validate::e164(&phone_number).is_err() {
            self.focus = FIELD_TEST_PHONE;
            self.message = Some(Message::error(
                "enter the phone number to send the test to, like +15557654321",
            ));
            return;
        }
        let request = match &self.messenger_id {
            Some(id) if !self.dirty => ApiRequest::TestSavedMessenger {
                id: id.clone(),
                phone_number,
            },
            _ => {
                if self.value(FIELD_AUTH_TOKEN).is_empty() && self.token_stored {
                    self.focus = FIELD_AUTH_TOKEN;
                    self.message = Some(Message::error(
                        "the saved auth token stays on the server: to test changed settings, type the token again, or save first (^S)",
                    ));
                    return;
                }
                if let Some(index) = self.first_problem(MESSENGER_FIELDS) {
                    self.focus = index;
                    self.message = Some(Message::error("fix the fields marked ✗ before testing"));
                    return;
                }
                ApiRequest::TestMessenger {
                    messenger: self.form_messenger(false),
                    phone_number,
                }
            }
        };
        self.message = None;
        self.pending = Some((ctx.call(request), Op::Test));
    }

    /// Fills the form from a loaded messenger. The auth token is never copied: the server sends a
    /// mask, and the field stays empty to mean "keep the stored one".
    fn load(&mut self, messenger: &Messenger) {
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        self.fields[FIELD_URL].set_value(
            messenger
                .url
                .clone()
                .filter(|u| !u.is_empty())
                .unwrap_or_else(|| DEFAULT_URL.to_owned()),
        );
        self.fields[FIELD_ACCOUNT_SID].set_value(text(&messenger.account_sid));
        self.fields[FIELD_AUTH_TOKEN].clear();
        self.fields[FIELD_FROM].set_value(text(&messenger.from_phone_number));
        self.fields[FIELD_MESSAGING_SERVICE_SID].set_value(text(&messenger.messaging_service_sid));
        self.messenger_id = messenger.id.clone();
        self.messenger_name = messenger.name.clone();
        self.token_stored = true;
        self.dirty = false;
        self.fields[FIELD_AUTH_TOKEN].set_placeholder("(stored on the server)");
    }

    fn on_tenants(&mut self, tenants: Vec<Tenant>, ctx: &mut Ctx<'_>) {
        match tenants.into_iter().next() {
            Some(tenant) => {
                self.tenant_messenger_id = tenant.sms_messenger_id().map(str::to_owned);
                self.tenant_id = Some(tenant.id);
            }
            None => self.tenant_id = None,
        }
        self.pending = Some((ctx.call(ApiRequest::ListMessengers), Op::LoadMessengers));
    }

    fn on_messengers(&mut self, messengers: &[Messenger]) {
        let is_twilio = |m: &&Messenger| m.kind.as_deref() == Some("Twilio");
        let tenant_messenger = self
            .tenant_messenger_id
            .as_deref()
            .and_then(|id| messengers.iter().find(|m| m.id.as_deref() == Some(id)));
        let chosen = tenant_messenger
            .filter(is_twilio)
            .or_else(|| messengers.iter().find(is_twilio));
        let in_use = match tenant_messenger {
            Some(m) => format!(
                "The tenant now sends codes with the {} messenger \"{}\".",
                m.kind.as_deref().unwrap_or("unknown"),
                m.name.as_deref().unwrap_or("unnamed")
            ),
            None => "The tenant has no SMS messenger yet.".to_owned(),
        };
        self.message = Some(match chosen {
            Some(messenger) => {
                self.load(messenger);
                Message::info(format!(
                    "Loaded the Twilio messenger \"{}\". {in_use} ^S saves and makes it the tenant's SMS messenger.",
                    messenger.name.as_deref().unwrap_or(DEFAULT_NAME)
                ))
            }
            None => Message::info(format!(
                "No Twilio messenger yet: fill in the form and press ^S to create one. {in_use}"
            )),
        });
    }

    fn on_saved(&mut self, messenger: Messenger, ctx: &mut Ctx<'_>) {
        let Some(id) = messenger.id.clone().or_else(|| self.messenger_id.clone()) else {
            self.message = Some(Message::error(
                "the server saved the messenger but did not say its id",
            ));
            return;
        };
        self.messenger_id = Some(id.clone());
        if messenger.name.is_some() {
            self.messenger_name = messenger.name;
        }
        self.token_stored = true;
        self.dirty = false;
        self.fields[FIELD_AUTH_TOKEN].clear();
        self.fields[FIELD_AUTH_TOKEN].set_placeholder("(stored on the server)");
        match self.tenant_id.clone() {
            Some(tenant_id) => {
                let request = ApiRequest::SetTenantSmsMessenger {
                    tenant_id,
                    messenger_id: id,
                };
                self.pending = Some((ctx.call(request), Op::AttachToTenant));
            }
            None => {
                self.message = Some(Message::error(format!(
                    "saved messenger {id}, but no tenant was found to attach it to"
                )));
            }
        }
    }

    /// Puts field errors of a 400 under the matching fields; returns the rest as text.
    fn apply_field_errors(&mut self, errors: &Errors) -> String {
        let mut rest = Vec::new();
        for (name, entries) in &errors.field_errors {
            let text = entries
                .first()
                .map(|e| e.text().to_owned())
                .unwrap_or_default();
            match field_index(name) {
                Some(index) => {
                    self.fields[index].set_error(Some(text));
                    self.focus = index;
                }
                None => rest.push(format!("{name}: {text}")),
            }
        }
        for entry in &errors.general_errors {
            let code = entry
                .provider_code()
                .map(|code| format!("code {code}"))
                .unwrap_or_else(|| entry.code.clone());
            rest.push(format!("{code}: {}", entry.text()));
        }
        rest.join("; ")
    }
}

/// The form field a 400 field-error name refers to (`messenger.accountSID`, `phoneNumber`, …).
fn field_index(name: &str) -> Option<usize> {
    let last = name.rsplit('.').next().unwrap_or(name);
    match last {
        "url" => Some(FIELD_URL),
        "accountSID" | "accountSid" => Some(FIELD_ACCOUNT_SID),
        "authToken" => Some(FIELD_AUTH_TOKEN),
        "fromPhoneNumber" => Some(FIELD_FROM),
        "messagingServiceSid" => Some(FIELD_MESSAGING_SERVICE_SID),
        "phoneNumber" => Some(FIELD_TEST_PHONE),
        _ => None,
    }
}

impl ScreenState for TwilioSetupScreen {
    fn title(&self) -> &'static str {
        "Twilio setup"
    }

    fn key_hints(&self) -> Vec<KeyHint> {
        if self.pending.is_some() {
            return vec![KeyHint::new("Esc", "stop waiting")];
        }
        vec![
            KeyHint::new("Tab/S-Tab", "next/prev field"),
            KeyHint::new("^T", "send test"),
            KeyHint::new("^S", "save"),
            KeyHint::new("Esc", "back"),
        ]
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
        let n_fields = self.fields.len();
        match key.code {
            KeyCode::Tab | KeyCode::Down | KeyCode::Enter => {
                self.focus = (self.focus + 1) % n_fields;
            }
            KeyCode::BackTab | KeyCode::Up => {
                self.focus = (self.focus + n_fields - 1) % n_fields;
            }
            KeyCode::Char('t') if ctrl => self.test(ctx),
            KeyCode::Char('s') if ctrl => self.save(ctx),
            KeyCode::Esc => ctx.go(Nav::Back {
                login_id: None,
                message: None,
            }),
            _ => {
                let focus = self.focus;
                if let Some(field) = self.fields.get_mut(focus) {
                    let before = field.value().to_owned();
                    field.handle_key(&key);
                    if field.value() != before && MESSENGER_FIELDS.contains(&focus) {
                        self.dirty = true;
                    }
                }
            }
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx<'_>) {
        if self.pending.is_some() {
            return;
        }
        let focus = self.focus;
        if let Some(field) = self.fields.get_mut(focus) {
            field.paste(text);
            if MESSENGER_FIELDS.contains(&focus) {
                self.dirty = true;
            }
        }
    }

    fn on_reply(&mut self, reply: ApiReply, ctx: &mut Ctx<'_>) {
        let Some((_, op)) = self.pending.take() else {
            return;
        };
        match (op, reply.result) {
            (Op::LoadTenants, Ok(ApiResponse::Tenants(tenants))) => self.on_tenants(tenants, ctx),
            (Op::LoadMessengers, Ok(ApiResponse::Messengers(messengers))) => {
                self.on_messengers(&messengers);
            }
            (Op::Save, Ok(ApiResponse::MessengerSaved(messenger))) => {
                self.on_saved(messenger, ctx);
            }
            (Op::AttachToTenant, Ok(ApiResponse::TenantUpdated)) => {
                self.tenant_messenger_id = self.messenger_id.clone();
                self.message = Some(Message::success(format!(
                    "saved: the tenant now sends its SMS codes with the Twilio messenger \"{}\" ({})",
                    self.messenger_name.as_deref().unwrap_or(DEFAULT_NAME),
                    self.messenger_id.as_deref().unwrap_or("?")
                )));
            }
            (Op::Test, Ok(ApiResponse::TestReceipt(receipt))) => {
                self.message = Some(Message::success(format!(
                    "{} accepted the test message: {} (status {})",
                    receipt.provider.as_deref().unwrap_or("the provider"),
                    receipt.message_id.as_deref().unwrap_or("no message id"),
                    receipt.status.as_deref().unwrap_or("unknown")
                )));
            }
            (Op::Test, Err(ClientError::Rejected { status, errors })) => {
                let detail = self.apply_field_errors(&errors);
                let what = if status == 502 {
                    "the provider could not be reached or failed"
                } else {
                    "the provider refused the test"
                };
                self.message = Some(Message::error(format!("{what} (HTTP {status}): {detail}")));
            }
            (Op::Save, Err(ClientError::Rejected { status, errors })) => {
                let detail = self.apply_field_errors(&errors);
                let detail = if detail.is_empty() {
                    "see the fields marked ✗".to_owned()
                } else {
                    detail
                };
                self.message = Some(Message::error(format!(
                    "not saved (HTTP {status}): {detail}"
                )));
            }
            (Op::LoadTenants, Err(ClientError::NotFound)) => {
                // Without a tenant the form still works; saving then only stores the messenger.
                self.message = Some(Message::error(
                    "this daemon does not answer GET /api/tenant (HTTP 404): a saved messenger cannot be made the tenant's SMS messenger",
                ));
                self.pending = Some((ctx.call(ApiRequest::ListMessengers), Op::LoadMessengers));
            }
            (Op::LoadMessengers, Err(ClientError::NotFound)) => {
                self.message = Some(Message::error(
                    "this daemon does not answer GET /api/messenger (HTTP 404): it has no messenger API, so nothing can be loaded or saved",
                ));
            }
            (Op::AttachToTenant, Err(error)) => {
                self.message = Some(Message::error(format!(
                    "saved the messenger, but could not make it the tenant's SMS messenger: {}",
                    describe_error(&error, reply.at, ctx.config).text
                )));
            }
            (_, Err(error)) => self.message = Some(describe_error(&error, reply.at, ctx.config)),
            (_, Ok(other)) => {
                self.message = Some(Message::error(format!("unexpected answer: {other:?}")));
            }
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
        let saved = match (&self.messenger_id, self.dirty) {
            (Some(id), false) => format!("Saved messenger {id}."),
            (Some(id), true) => format!("Messenger {id}: unsaved changes."),
            (None, _) => "Not saved yet.".to_owned(),
        };
        let intro = format!("Twilio sends the SMS codes. {saved}");
        // A messenger id may not fit beside the sentence: let it wrap rather than be cut.
        let intro_height = crate::widgets::wrap(&intro, usize::from(area.width))
            .len()
            .max(1);
        let intro_height = u16::try_from(intro_height).unwrap_or(1);
        // Each field gets two rows; a status that wraps gets more while the message keeps at
        // least MIN_MESSAGE_ROWS (narrow screens: the Phone panel beside, at 100×30).
        let mut spare = area
            .height
            .saturating_sub(intro_height + 1 + 2 * 6 + 1 + MIN_MESSAGE_ROWS);
        let mut heights = vec![intro_height, 1];
        for (i, field) in self.fields.iter().enumerate() {
            let wanted = field_rows(field, self.status(i).as_ref(), area.width, LABEL_WIDTH);
            let extra = wanted.saturating_sub(2).min(spare);
            spare -= extra;
            heights.push(2 + extra);
        }
        heights.extend([1, area.height]);
        let layout = rows(area, &heights);
        let row = |i: usize| layout.get(i).copied().unwrap_or_default();
        frame.render_widget(Paragraph::new(intro).wrap(Wrap { trim: true }), row(0));
        for (i, field) in self.fields.iter().enumerate() {
            render_field(
                frame,
                row(2 + i),
                field,
                self.focus == i && self.pending.is_none(),
                LABEL_WIDTH,
                self.status(i).as_ref(),
            );
        }
        let busy = match self.pending.map(|(_, op)| op) {
            Some(Op::LoadTenants | Op::LoadMessengers) => Some("Loading…"),
            Some(Op::Save) => Some("Saving the messenger…"),
            Some(Op::AttachToTenant) => Some("Making it the tenant's SMS messenger…"),
            Some(Op::Test) => Some("Sending a test message…"),
            None => None,
        };
        if let Some(text) = busy {
            frame.render_widget(Paragraph::new(format!("{} {text}", view.spinner)), row(8));
        }
        if let Some(message) = &self.message {
            frame.render_widget(
                Paragraph::new(message.line(view.now)).wrap(Wrap { trim: false }),
                row(9),
            );
        }
    }
}
