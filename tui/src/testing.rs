//! Helpers for driving `App` from tests (here and in the workspace's `tests` crate): turn text into
//! key events and collect the effects. No terminal, runtime or network involved.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::app::App;
use crate::event::{Effect, Event};

/// A key press without modifiers.
pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Ctrl + a letter, e.g. `ctrl('r')`.
pub fn ctrl(c: char) -> Event {
    Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Sends `text` as key presses: `\t` is Tab, `\n` is Enter, `\u{1b}` is Esc, anything else a
/// character. Returns every effect produced, in order.
pub fn type_keys(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in text.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        effects.extend(app.update(key(code)));
    }
    effects
}

/// Sends one key and returns its effects.
pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.update(key(code))
}
