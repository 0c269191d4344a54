//! Terminal setup and teardown for the real binary: raw mode, the alternate screen and bracketed
//! paste on the way in; the reverse on the way out, including from a panic. [`run_app`] wraps a
//! whole session (set up, run, restore) for the binary, with or without the demo.
//!
//! The panic hook restores the terminal, lets the previous hook print the panic, and then exits
//! the process with status 101. Exiting matters because the panic may happen in a background task:
//! without it the UI would keep running on a terminal that is no longer in raw mode.

use std::io::{self, Stdout, stdout};

use crossterm::cursor::Show;
use crossterm::event::EventStream;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::runtime::Runtime;

use crate::app::App;
use crate::client::ApiClient;

/// The terminal type the binary draws on.
pub type RealTerminal = Terminal<CrosstermBackend<Stdout>>;

/// Sets up the terminal, runs `app` on `runtime` until it quits (Ctrl-C, a termination signal or
/// the end of input), and restores the terminal whatever the outcome.
pub fn run_app(runtime: &Runtime, app: &mut App, client: ApiClient) -> anyhow::Result<()> {
    let mut terminal = init().map_err(|e| anyhow::anyhow!("cannot set up the terminal: {e}"))?;
    let result = runtime.block_on(crate::runtime::run(
        &mut terminal,
        app,
        client,
        EventStream::new(),
    ));
    restore();
    result
}

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
