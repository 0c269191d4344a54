//! Helpers for driving `App` from tests (here and in the workspace's `tests` crate): turn text into
//! key events, collect the effects, and draw the app to plain text. No terminal, runtime or network
//! involved.
//!
//! It re-exports [`KeyCode`] and [`insta`] so that the `tests` crate can press any key and snapshot
//! screens without depending on crossterm or insta itself.

pub use crossterm::event::KeyCode;
pub use insta;

use crossterm::event::{KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

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

/// Draws `app` on a `width`×`height` test terminal and returns the backend (its buffer holds the
/// cells, styles included; its `Display` is the insta snapshot format).
pub fn draw(app: &App, width: u16, height: u16) -> std::io::Result<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    terminal
        .draw(|frame| app.render(frame))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(terminal.backend().clone())
}

/// All text on screen at `width`×`height`, rows joined with newlines.
pub fn screen_text(app: &App, width: u16, height: u16) -> std::io::Result<String> {
    let backend = draw(app, width, height)?;
    let buffer = backend.buffer();
    let rows: Vec<String> = (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
        })
        .collect();
    Ok(rows.join("\n"))
}
