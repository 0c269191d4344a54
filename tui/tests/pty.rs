//! The real `twofold` binary in a pseudo-terminal (portable-pty), its output read through a
//! terminal emulator (vt100): the login screen appears at 80×24, a login against an unreachable
//! daemon says so, Ctrl-C exits with status 0 after leaving the alternate screen and turning off
//! bracketed paste; a resize is followed and a hangup also restores the terminal. And the offline
//! demo end to end: `twofold --demo` at 100×30 signs in with only keystrokes, reading the code off
//! its Phone panel, and leaves neither the terminal nor its temporary directory behind.
//!
//! Waiting is done on the pty output with a deadline, never with sleeps.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use portable_pty::{
    ChildKiller, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system,
};

/// Generous: a cold CI machine may be slow to start the binary, but a pass takes well under a
/// second.
const DEADLINE: Duration = Duration::from_secs(30);

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A running `twofold` in a pty, with an emulated screen fed by a reader thread.
struct Session {
    parser: vt100::Parser,
    output: Receiver<Vec<u8>>,
    exit: Receiver<std::io::Result<ExitStatus>>,
    keyboard: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    killer: Box<dyn ChildKiller + Send + Sync>,
    /// Set once the exit was seen, so `Drop` never signals a reaped (possibly reused) pid.
    exited: bool,
}

impl Session {
    fn start(args: &[&str], rows: u16, cols: u16) -> Result<Self, Box<dyn std::error::Error>> {
        Self::start_with_env(args, &[], rows, cols)
    }

    fn start_with_env(
        args: &[&str],
        env: &[(&str, &std::path::Path)],
        rows: u16,
        cols: u16,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let pair = native_pty_system().openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_twofold"));
        command.args(args);
        command.env("TERM", "xterm-256color");
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = pair.slave.spawn_command(command)?;
        // Only the child keeps the slave side open, so reads end when it exits.
        drop(pair.slave);
        let killer = child.clone_killer();

        let mut reader = pair.master.try_clone_reader()?;
        let keyboard = pair.master.take_writer()?;
        let (output_tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 8192];
            loop {
                match reader.read(&mut buffer) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if output_tx.send(buffer[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        let (exit_tx, exit) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = exit_tx.send(child.wait());
        });
        let parser = vt100::Parser::new(
            NonZeroU16::new(rows).ok_or("rows")?,
            NonZeroU16::new(cols).ok_or("cols")?,
            0,
        );
        Ok(Self {
            parser,
            output,
            exit,
            keyboard,
            master: pair.master,
            killer,
            exited: false,
        })
    }

    /// Feeds output until `done` holds for the screen, or fails after the deadline with what the
    /// screen showed.
    fn wait_for(
        &mut self,
        what: &str,
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> Result<(), String> {
        let deadline = Instant::now() + DEADLINE;
        while !done(self.parser.screen()) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(error) => {
                    let why = match error {
                        RecvTimeoutError::Timeout => "timed out",
                        RecvTimeoutError::Disconnected => "the program closed the terminal",
                    };
                    return Err(format!(
                        "{why} waiting for {what}; the screen shows:\n{}",
                        self.parser.screen().contents()
                    ));
                }
            }
        }
        Ok(())
    }

    fn type_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.keyboard.write_all(bytes)?;
        self.keyboard.flush()
    }

    /// Waits for the exit, then feeds the rest of the output until the pty closes.
    fn finish(&mut self) -> Result<ExitStatus, Box<dyn std::error::Error>> {
        let status = self.exit.recv_timeout(DEADLINE)??;
        self.exited = true;
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(RecvTimeoutError::Disconnected) => return Ok(status),
                Err(RecvTimeoutError::Timeout) => {
                    return Err("the pty was not closed in time".into());
                }
            }
        }
    }

    /// The terminal state a well-behaved exit leaves behind.
    fn assert_restored(&self) {
        let screen = self.parser.screen();
        assert!(!screen.alternate_screen(), "the alternate screen was left");
        assert!(!screen.bracketed_paste(), "bracketed paste was turned off");
        assert!(!screen.hide_cursor(), "the cursor is visible again");
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        // Stops the child if a check failed before it exited.
        if !self.exited && self.exit.try_recv().is_err() {
            let _ = self.killer.kill();
        }
    }
}

#[test]
fn login_against_an_unreachable_daemon_then_ctrl_c_restores_the_terminal() -> TestResult {
    let mut session = Session::start(&["--url", "http://127.0.0.1:1"], 24, 80)?;
    session.wait_for("the login screen", |s| {
        s.alternate_screen()
            && s.contents().contains("Login ID")
            && s.contents().contains("Password")
    })?;
    assert!(
        session.parser.screen().bracketed_paste(),
        "bracketed paste is on"
    );

    session.type_bytes(b"alice\tsecret\r")?;
    session.wait_for("the could-not-reach message", |s| {
        s.contents()
            .contains("Error: could not reach http://127.0.0.1:1/api/login:")
    })?;
    let contents = session.parser.screen().contents();
    assert!(
        !contents.contains("secret"),
        "the password is masked:\n{contents}"
    );

    session.type_bytes(b"\x03")?; // Ctrl-C
    let status = session.finish()?;
    assert!(status.success(), "twofold exited with {status:?}");
    session.assert_restored();
    Ok(())
}

#[test]
fn a_resize_is_followed_and_a_hangup_restores_the_terminal() -> TestResult {
    let mut session = Session::start(&["--url", "http://127.0.0.1:1"], 24, 80)?;
    session.wait_for("the login screen", |s| s.contents().contains("Login ID"))?;

    session.master.resize(PtySize {
        rows: 30,
        cols: 100,
        pixel_width: 0,
        pixel_height: 0,
    })?;
    session.parser.screen_mut().set_size(
        NonZeroU16::new(30).ok_or("rows")?,
        NonZeroU16::new(100).ok_or("cols")?,
    );
    session.wait_for("the login box at the new width", |s| {
        s.contents()
            .lines()
            .any(|line| line.starts_with("┌ Login") && line.chars().count() == 100)
    })?;

    session.killer.kill()?; // SIGHUP, as when the terminal window closes
    let status = session.finish()?;
    assert!(status.success(), "twofold exited with {status:?}");
    session.assert_restored();
    Ok(())
}

/// The first run of exactly six digits in `text`.
fn six_digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

/// The code in the newest message on the Phone panel (the rightmost 36 columns at 100×30).
fn code_on_phone(screen: &vt100::Screen) -> Option<String> {
    let (_, cols) = screen.size();
    let panel: Vec<String> = screen.rows(cols.get().saturating_sub(36), 36).collect();
    let header = panel
        .iter()
        .rposition(|line| line.contains("To +12025550100"))?;
    panel[header + 1..].iter().find_map(|line| six_digits(line))
}

/// The names of the entries of `dir`.
fn entries(dir: &std::path::Path) -> std::io::Result<Vec<String>> {
    std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

#[test]
fn the_demo_signs_in_with_the_code_from_its_phone_panel_and_cleans_up() -> TestResult {
    // The demo's temporary directory goes under TMPDIR, here one of the test's own.
    let tmp = tempfile::tempdir()?;
    let mut session = Session::start_with_env(&["--demo"], &[("TMPDIR", tmp.path())], 30, 100)?;
    session.wait_for("the filled-in login screen beside the Phone panel", |s| {
        let contents = s.contents();
        contents.contains("┌ Login")
            && contents.contains("┌ Phone")
            && contents.contains("No messages yet.")
            && contents.contains("Login ID: [demo@twofold.local")
            && contents.contains("> Password: [••••")
    })?;
    let running = entries(tmp.path())?;
    assert!(
        matches!(running.as_slice(), [name] if name.starts_with("twofold-demo-")),
        "one demo directory while it runs: {running:?}"
    );

    session.type_bytes(b"\r")?;
    session.wait_for("the two-factor screen and a code on the Phone panel", |s| {
        s.contents().contains("┌ Two-factor code") && code_on_phone(s).is_some()
    })?;
    let code = code_on_phone(session.parser.screen()).ok_or("no code on the Phone panel")?;

    session.type_bytes(format!("{code}\r").as_bytes())?;
    session.wait_for("the signed-in screen", |s| {
        let contents = s.contents();
        contents.contains("┌ Signed in") && contents.contains("Email  demo@twofold.local")
    })?;

    session.type_bytes(b"\x03")?; // Ctrl-C
    let status = session.finish()?;
    assert!(status.success(), "twofold --demo exited with {status:?}");
    session.assert_restored();
    let contents = session.parser.screen().contents();
    assert!(
        contents.contains("twofold demo: daemon stopped, temporary data removed"),
        "{contents}"
    );
    let left = entries(tmp.path())?;
    assert!(left.is_empty(), "the demo left {left:?} behind");
    Ok(())
}
