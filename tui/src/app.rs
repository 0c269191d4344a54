//! `App`: the whole client as one synchronous state machine (The Elm Architecture).
//!
//! [`App::update`] takes one [`Event`] and returns the [`Effect`]s to perform; it never does IO,
//! never reads the clock (time arrives in `Event::Tick` and in replies) and never blocks.
//! [`App::render`] draws the current state into any ratatui `Frame` (a real terminal or
//! `TestBackend`). Global keys live here (Ctrl-C quits from anywhere, F2 Twilio setup, F3
//! register, F4 the Phone panel); everything else goes to the current screen.
//!
//! Layout: a title row, the screen in a bordered box (with the Phone panel on the right when it is
//! enabled and the terminal is at least 100×30, or instead of the screen after F4 when smaller), a
//! notice row, and the key bar.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::client::wire::Secret;
use crate::event::{Effect, Event};
use crate::outbox::{OutboxEntry, OutboxRead};
use crate::screens::{
    Ctx, LoginScreen, Nav, RegisterScreen, Screen, SignedInScreen, TwilioSetupScreen,
    TwoFactorScreen, View,
};
use crate::time::Millis;
use crate::widgets::key_bar::{self, KeyBar, KeyHint};
use crate::widgets::message::Message;
use crate::widgets::phone_panel::{self, PhonePanel};
use crate::widgets::spinner;

/// Below this size the app asks for a bigger terminal instead of drawing a broken layout.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;
/// From this size on, the Phone panel is shown beside the app by default.
pub const PHONE_BESIDE_WIDTH: u16 = 100;
pub const PHONE_BESIDE_HEIGHT: u16 = 30;
/// The Phone panel keeps at most this many messages.
const MAX_PHONE_ENTRIES: usize = 200;

/// What the client was started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The daemon's base URL, e.g. `http://127.0.0.1:9011`.
    pub url: String,
    /// Sent as `applicationId` on logins and used for registration.
    pub application_id: Option<String>,
    /// Whether an API key was given (the key itself stays in `ApiClient`).
    pub has_api_key: bool,
    /// A console outbox file to show in the Phone panel (`<dir>/outbox.jsonl`).
    pub outbox: Option<PathBuf>,
    /// Set by `twofold --demo`: the seeded account, shown on the Login screen and filled in.
    pub demo: Option<DemoAccount>,
}

/// The demo's seeded account. Its password is not a secret: the demo prints it on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoAccount {
    pub login_id: String,
    pub password: String,
    /// The phone its codes go to, as seeded (e.g. `+12025550100`).
    pub phone: String,
}

impl Config {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            application_id: None,
            has_api_key: false,
            outbox: None,
            demo: None,
        }
    }
}

/// The Phone panel's data: the outbox being tailed and what was read so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneState {
    pub path: PathBuf,
    /// Where the next read starts.
    pub offset: u64,
    pub entries: Vec<OutboxEntry>,
    /// A read is in flight; no new one is asked for until it answers.
    pub reading: bool,
    pub error: Option<String>,
    /// F4 flips the default (beside at ≥100×30, hidden below).
    pub toggled: bool,
}

impl PhoneState {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            offset: 0,
            entries: Vec::new(),
            reading: false,
            error: None,
            toggled: false,
        }
    }

    fn apply(&mut self, read: OutboxRead) {
        self.reading = false;
        if read.restarted {
            self.entries.clear();
        }
        self.entries.extend(read.entries);
        let excess = self.entries.len().saturating_sub(MAX_PHONE_ENTRIES);
        self.entries.drain(..excess);
        self.offset = read.next_offset;
        self.error = read.error;
    }
}

/// Where the Phone panel goes at a given terminal size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhonePlacement {
    Hidden,
    /// To the right of the screen.
    Beside,
    /// In place of the screen (small terminals, after F4).
    Instead,
}

#[derive(Debug, Clone, PartialEq)]
pub struct App {
    config: Config,
    now: Millis,
    ticks: u64,
    screen: Screen,
    /// Screens to return to with Esc (F2/F3 push the one they were pressed on).
    back: Vec<Screen>,
    /// From "trust this device"; sent with the next `/api/login`.
    trust_id: Option<Secret>,
    next_request: u64,
    /// An app-level message (e.g. "F2 needs an API key"), cleared by the next key.
    notice: Option<Message>,
    phone: Option<PhoneState>,
}

impl App {
    /// The app on the Login screen. Needs no runtime and no terminal.
    pub fn new(config: Config) -> Self {
        let phone = config.outbox.clone().map(PhoneState::new);
        let login = LoginScreen::for_config(&config, None, None);
        Self {
            config,
            now: Millis::default(),
            ticks: 0,
            screen: Screen::Login(login),
            back: Vec::new(),
            trust_id: None,
            next_request: 0,
            notice: None,
            phone,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    pub fn now(&self) -> Millis {
        self.now
    }

    pub fn notice(&self) -> Option<&Message> {
        self.notice.as_ref()
    }

    pub fn trust_id(&self) -> Option<&Secret> {
        self.trust_id.as_ref()
    }

    pub fn phone(&self) -> Option<&PhoneState> {
        self.phone.as_ref()
    }

    /// Handles one event and returns what the runtime must do. Pure: no IO, no clock.
    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        let mut effects = Vec::new();
        match event {
            Event::Tick(now) => {
                self.now = now;
                self.ticks = self.ticks.wrapping_add(1);
                if let Some(phone) = &mut self.phone
                    && !phone.reading
                {
                    phone.reading = true;
                    effects.push(Effect::ReadOutbox {
                        path: phone.path.clone(),
                        offset: phone.offset,
                    });
                }
                effects.extend(self.with_screen(|screen, ctx| screen.on_tick(ctx)));
            }
            Event::Key(key) => return self.on_key(key),
            Event::Paste(text) => {
                effects.extend(self.with_screen(|screen, ctx| screen.on_paste(&text, ctx)));
            }
            Event::Resize(..) => {}
            Event::Api(reply) => {
                if self.screen.state().pending() == Some(reply.id) {
                    let now = reply.at.max(self.now);
                    self.now = now;
                    effects.extend(self.with_screen(|screen, ctx| screen.on_reply(reply, ctx)));
                }
            }
            Event::Outbox(read) => {
                if let Some(phone) = &mut self.phone {
                    phone.apply(read);
                }
            }
        }
        effects
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c' | 'C')) {
            return vec![Effect::Quit];
        }
        self.notice = None;
        let at_home = matches!(self.screen, Screen::Login(_) | Screen::SignedIn(_));
        match key.code {
            KeyCode::F(2) | KeyCode::F(3) if !at_home => {
                self.notice = Some(Message::info("press Esc to leave this screen first"));
                Vec::new()
            }
            KeyCode::F(2) | KeyCode::F(3) if !self.config.has_api_key => {
                let what = if key.code == KeyCode::F(2) {
                    "Twilio setup"
                } else {
                    "registering"
                };
                self.notice = Some(Message::error(format!(
                    "{what} needs an API key: start twofold with --api-key or TWOFOLD_API_KEY"
                )));
                Vec::new()
            }
            KeyCode::F(2) => {
                self.push_screen(|ctx| Screen::TwilioSetup(TwilioSetupScreen::open(ctx)))
            }
            KeyCode::F(3) => self.push_screen(|ctx| Screen::Register(RegisterScreen::new(ctx))),
            KeyCode::F(4) if self.phone.is_some() => {
                if let Some(phone) = &mut self.phone {
                    phone.toggled = !phone.toggled;
                }
                Vec::new()
            }
            _ => self.with_screen(|screen, ctx| screen.on_key(key, ctx)),
        }
    }

    /// Runs `f` on the current screen with a fresh `Ctx`, then applies the navigation it asked for.
    fn with_screen(
        &mut self,
        f: impl FnOnce(&mut dyn crate::screens::ScreenState, &mut Ctx<'_>),
    ) -> Vec<Effect> {
        let mut ctx = Ctx::new(
            self.now,
            &self.config,
            &mut self.trust_id,
            &mut self.next_request,
        );
        f(self.screen.state_mut(), &mut ctx);
        let (mut effects, nav) = ctx.finish();
        if let Some(nav) = nav {
            effects.extend(self.navigate(nav));
        }
        effects
    }

    fn push_screen(&mut self, open: impl FnOnce(&mut Ctx<'_>) -> Screen) -> Vec<Effect> {
        let mut ctx = Ctx::new(
            self.now,
            &self.config,
            &mut self.trust_id,
            &mut self.next_request,
        );
        let screen = open(&mut ctx);
        let (effects, _) = ctx.finish();
        let mut previous = std::mem::replace(&mut self.screen, screen);
        previous.state_mut().cancel_pending();
        self.back.push(previous);
        effects
    }

    fn navigate(&mut self, nav: Nav) -> Vec<Effect> {
        match nav {
            Nav::Login { login_id, message } => {
                self.back.clear();
                self.screen =
                    Screen::Login(LoginScreen::for_config(&self.config, login_id, message));
            }
            Nav::TwoFactor {
                challenge,
                login_id,
                at,
            } => {
                self.back.clear();
                self.screen = Screen::TwoFactor(TwoFactorScreen::new(challenge, login_id, at));
            }
            Nav::SignedIn(session) => {
                self.back.clear();
                self.screen = Screen::SignedIn(SignedInScreen::new(session));
            }
            Nav::AddMethod(user) => {
                return self
                    .push_screen(|ctx| Screen::Register(RegisterScreen::add_method(ctx, user)));
            }
            Nav::Back { login_id, message } => {
                let mut screen = self.back.pop().unwrap_or_else(|| {
                    Screen::Login(LoginScreen::for_config(&self.config, None, None))
                });
                if let (Screen::Login(login), Some(login_id)) = (&mut screen, login_id) {
                    *login = LoginScreen::for_config(&self.config, Some(login_id), None);
                }
                if message.is_some() {
                    screen.state_mut().set_message(message);
                }
                self.screen = screen;
            }
        }
        Vec::new()
    }

    /// Where the Phone panel goes in a terminal of this size.
    pub fn phone_placement(&self, width: u16, height: u16) -> PhonePlacement {
        let Some(phone) = &self.phone else {
            return PhonePlacement::Hidden;
        };
        let large = width >= PHONE_BESIDE_WIDTH && height >= PHONE_BESIDE_HEIGHT;
        match (large, phone.toggled) {
            (true, false) => PhonePlacement::Beside,
            (false, true) => PhonePlacement::Instead,
            _ => PhonePlacement::Hidden,
        }
    }

    /// The key bar at this terminal size: the screen's keys, then the global ones that apply.
    pub fn key_hints(&self, width: u16, height: u16) -> Vec<KeyHint> {
        let mut hints = self.screen.state().key_hints();
        let at_home = matches!(self.screen, Screen::Login(_) | Screen::SignedIn(_));
        let idle = self.screen.state().pending().is_none();
        if at_home && idle {
            hints.push(KeyHint::new("F2", "Twilio setup"));
            hints.push(KeyHint::new("F3", "register"));
        }
        match self.phone_placement(width, height) {
            _ if self.phone.is_none() => {}
            PhonePlacement::Hidden => hints.push(KeyHint::new("F4", "show phone")),
            PhonePlacement::Beside | PhonePlacement::Instead => {
                hints.push(KeyHint::new("F4", "hide phone"));
            }
        }
        hints.push(KeyHint::new("^C", "quit"));
        hints
    }

    /// Draws everything. Never blocks; reads nothing but `self`.
    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            frame.render_widget(
                Paragraph::new(format!(
                    "twofold needs a terminal of at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}). ^C quits.",
                    area.width, area.height
                ))
                .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
        let view = View {
            now: self.now,
            spinner: spinner::frame(self.ticks),
            config: &self.config,
        };
        if self.screen.state().render_fullscreen(frame, area, &view) {
            return;
        }
        let hints = self.key_hints(area.width, area.height);
        let bar_height = key_bar::height(&hints, area.width);
        let [title_area, body_area, notice_area, bar_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(bar_height),
        ])
        .areas(area);

        self.render_title(frame, title_area);

        let (screen_area, phone_area) = match self.phone_placement(area.width, area.height) {
            PhonePlacement::Hidden => (Some(body_area), None),
            PhonePlacement::Instead => (None, Some(body_area)),
            PhonePlacement::Beside => {
                let [left, right] = Layout::horizontal([
                    Constraint::Min(1),
                    Constraint::Length(phone_panel::WIDTH),
                ])
                .areas(body_area);
                (Some(left), Some(right))
            }
        };
        if let Some(screen_area) = screen_area {
            let state = self.screen.state();
            let block = Block::bordered().title(format!(" {} ", state.title()));
            let inner = block.inner(screen_area);
            frame.render_widget(block, screen_area);
            state.render(frame, inner, &view);
        }
        if let (Some(phone_area), Some(phone)) = (phone_area, &self.phone) {
            frame.render_widget(
                PhonePanel {
                    entries: &phone.entries,
                    note: phone.error.as_deref(),
                },
                phone_area,
            );
        }
        if let Some(notice) = &self.notice {
            frame.render_widget(Paragraph::new(notice.line(self.now)), notice_area);
        }
        frame.render_widget(KeyBar(&hints), bar_area);
    }

    fn render_title(&self, frame: &mut Frame, area: Rect) {
        let key = if self.config.has_api_key {
            "API key: yes"
        } else {
            "API key: no"
        };
        let name = if self.config.demo.is_some() {
            " twofold · offline demo"
        } else {
            " twofold"
        };
        frame.render_widget(
            Paragraph::new(Line::styled(
                name,
                Style::default().add_modifier(Modifier::BOLD),
            )),
            area,
        );
        frame.render_widget(
            Paragraph::new(format!("{} · {key} ", self.config.url)).alignment(Alignment::Right),
            area,
        );
    }
}
