//! Terminal setup and teardown for the real binary: raw mode, the alternate screen and bracketed
//! paste on the way in; the reverse on the way out, including from a panic.
//!
//! The panic hook restores the terminal, lets the previous hook print the panic, and then exits
//! the process with status 101. Exiting matters because the panic may happen in a background task:
//! without it the UI would keep running on a terminal that is no longer in raw mode.

use std::io::{self, Stdout, stdout};

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal type the binary draws on.
pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Installs the panic hook, then enters raw mode, the alternate screen and bracketed paste.
/// On failure, whatever was already set up is undone before returning the error.
pub fn init() -> io::Result<RealTerminal> {
    install_panic_hook();
    let setup = || -> io::Result<RealTerminal> {
        enable_raw_mode()?;
        execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
        Terminal::new(CrosstermBackend::new(stdout()))
    };
    setup().inspect_err(|_| restore())
}

/// Leaves the alternate screen, turns off bracketed paste and raw mode and shows the cursor.
/// Safe to call more than once; errors are ignored because there is nothing left to do about them
/// while exiting.
pub fn restore() {
    let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
        std::process::exit(101);
    }));
}
