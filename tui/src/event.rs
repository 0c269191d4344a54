//! What `App::update` consumes ([`Event`]) and what it asks the runtime to do ([`Effect`]).
//!
//! Both are plain data: no channels, no futures, no terminal. Time only enters through
//! [`Event::Tick`] and through the instant an [`ApiReply`] carries, so `update` stays pure and
//! tests can fix the clock. The runtime (`crate::runtime`) converts terminal input with
//! [`Event::from_terminal`], performs effects and feeds the results back.

use std::path::PathBuf;

use crossterm::event::{Event as TerminalEvent, KeyEvent, KeyEventKind};

use crate::client::{ApiRequest, ApiResult};
use crate::outbox::OutboxRead;
use crate::time::Millis;

/// An input to `App::update`.
// Events are moved once each, a few per second: boxing the large reply would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A key press (releases and repeats of other kinds are filtered out by the runtime).
    Key(KeyEvent),
    /// Text pasted with bracketed paste, inserted into the focused field as one edit.
    Paste(String),
    /// The terminal was resized; the next draw adapts.
    Resize(u16, u16),
    /// The clock: the wall-clock time now. Drives countdowns, the spinner and outbox polling.
    Tick(Millis),
    /// The answer to an `Effect::Call`.
    Api(ApiReply),
    /// The answer to an `Effect::ReadOutbox`.
    Outbox(OutboxRead),
}

impl Event {
    /// Converts a crossterm event; `None` for events the app ignores (key releases, mouse, focus).
    pub fn from_terminal(event: TerminalEvent) -> Option<Self> {
        match event {
            TerminalEvent::Key(key) if key.kind != KeyEventKind::Release => Some(Self::Key(key)),
            TerminalEvent::Paste(text) => Some(Self::Paste(text)),
            TerminalEvent::Resize(width, height) => Some(Self::Resize(width, height)),
            _ => None,
        }
    }
}

/// Identifies one call so a late answer can be matched to the request that is still wanted (and
/// dropped if the user moved on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// The result of one `Effect::Call`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    pub id: RequestId,
    /// When the answer arrived (wall clock), e.g. to turn `Retry-After` into a deadline.
    pub at: Millis,
    pub result: ApiResult,
}

/// Something `App::update` wants done outside the pure core.
// Like `Event`: few, short-lived values, so their size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run this call with `ApiClient` and send back `Event::Api` with the same id.
    Call { id: RequestId, request: ApiRequest },
    /// Read new lines of the console outbox from `offset` and send back `Event::Outbox`.
    ReadOutbox { path: PathBuf, offset: u64 },
    /// Restore the terminal and exit with status 0.
    Quit,
}
