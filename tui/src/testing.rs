//! Helpers for driving `App` from tests (here and in the workspace's `tests` crate): turn text into
//! key events, collect the effects, and draw the app to plain text. No terminal, runtime or network
//! involved.
//!
//! It re-exports [`KeyCode`] and [`insta`] so that the `tests` crate can press any key and snapshot
//! screens without depending on crossterm or insta itself, and [`decode_qr`] reads a QR code drawn
//! on screen back the way a phone would (from the cells' shapes and colours, with `rqrr`).

pub use crossterm::event::KeyCode;
pub use insta;

use crossterm::event::{KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

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

/// The terminal's own colours, for cells that do not set theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    /// Light text on a dark background (most terminals).
    Dark,
    /// Dark text on a light background.
    Light,
}

/// Pixels per module side in the picture [`decode_qr`] takes of the screen.
const PIXELS_PER_MODULE: usize = 4;

/// Takes a "screenshot" of `buffer` as a phone camera would see it on a terminal with `theme` and
/// returns the contents of every QR code found in it, decoded with `rqrr`.
///
/// Each cell is one module wide and two tall: its top half shows the foreground colour if the
/// symbol is `▀` or `█`, its bottom half if it is `▄` or `█`, and the background colour otherwise.
/// Any other symbol (text) is drawn as background: text around a code is noise the decoder must
/// cope with anyway. Colours become grey levels: black 0, white 255, the terminal's default
/// background and foreground per `theme`.
pub fn decode_qr(buffer: &Buffer, theme: Theme) -> Vec<Result<String, String>> {
    let luma = |color: Color, default: u8| -> u8 {
        match color {
            Color::Reset => default,
            Color::Black => 0,
            Color::White => 255,
            Color::DarkGray => 85,
            Color::Gray => 170,
            Color::Rgb(r, g, b) => {
                let y = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
                u8::try_from(y).unwrap_or(u8::MAX)
            }
            _ => 128,
        }
    };
    let (default_fg, default_bg) = match theme {
        Theme::Dark => (255, 0),
        Theme::Light => (0, 255),
    };
    let area = buffer.area;
    let width = usize::from(area.width) * PIXELS_PER_MODULE;
    let height = usize::from(area.height) * 2 * PIXELS_PER_MODULE;
    let pixel = |x: usize, y: usize| -> u8 {
        let column = u16::try_from(x / PIXELS_PER_MODULE).unwrap_or(u16::MAX);
        let module_row = y / PIXELS_PER_MODULE;
        let row = u16::try_from(module_row / 2).unwrap_or(u16::MAX);
        let Some(cell) = buffer.cell((area.x + column, area.y + row)) else {
            return default_bg;
        };
        let top = module_row.is_multiple_of(2);
        let ink = match cell.symbol() {
            "█" => true,
            "▀" => top,
            "▄" => !top,
            _ => false,
        };
        if ink {
            luma(cell.fg, default_fg)
        } else {
            luma(cell.bg, default_bg)
        }
    };
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, pixel);
    image
        .detect_grids()
        .into_iter()
        .map(|grid| {
            grid.decode()
                .map(|(_, content)| content)
                .map_err(|error| error.to_string())
        })
        .collect()
}
