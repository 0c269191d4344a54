//! `Message`: the one-line (wrapping) feedback a screen shows, with its tone spelled out in words
//! (`Error: …`, `OK: …`) so nothing depends on colour, and an optional live countdown
//! (`retry in 5 s`, `until … UTC, 4:59 left`) computed from `now` at draw time.

use ratatui::style::{Modifier, Style};
use ratatui::text::Line;

use crate::time::{Millis, Utc, countdown};

/// How a message reads and is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Neutral progress or guidance; no prefix.
    Info,
    /// Something worked; prefixed `OK: `.
    Success,
    /// Something failed or needs fixing; prefixed `Error: `.
    Error,
}

/// A live part appended to the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Countdown {
    /// "retry in N s", then "retry now".
    RetryIn(Millis),
    /// "(until 2023-11-14 22:18:20 UTC, 4:59 left)".
    Until(Millis),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub tone: Tone,
    pub text: String,
    pub countdown: Option<Countdown>,
}

impl Message {
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Info,
            text: text.into(),
            countdown: None,
        }
    }

    pub fn success(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Success,
            text: text.into(),
            countdown: None,
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            tone: Tone::Error,
            text: text.into(),
            countdown: None,
        }
    }

    pub fn with_countdown(mut self, countdown: Countdown) -> Self {
        self.countdown = Some(countdown);
        self
    }

    /// The full text as shown at `now`, prefix included.
    pub fn render_text(&self, now: Millis) -> String {
        let prefix = match self.tone {
            Tone::Info => "",
            Tone::Success => "OK: ",
            Tone::Error => "Error: ",
        };
        let live = match self.countdown {
            None => String::new(),
            Some(Countdown::RetryIn(deadline)) if now.reached(deadline) => " retry now".to_owned(),
            Some(Countdown::RetryIn(deadline)) => {
                format!(" retry in {} s", now.secs_until(deadline))
            }
            Some(Countdown::Until(deadline)) if now.reached(deadline) => {
                format!(" (until {}, over now)", Utc(deadline))
            }
            Some(Countdown::Until(deadline)) => format!(
                " (until {}, {} left)",
                Utc(deadline),
                countdown(now, deadline)
            ),
        };
        format!("{prefix}{}{live}", self.text)
    }

    /// A styled line: errors bold (in addition to their `Error:` prefix).
    pub fn line(&self, now: Millis) -> Line<'static> {
        let style = match self.tone {
            Tone::Error => Style::default().add_modifier(Modifier::BOLD),
            Tone::Info | Tone::Success => Style::default(),
        };
        Line::styled(self.render_text(now), style)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_is_spelled_out_and_countdowns_are_live() {
        let busy = Message::error("busy,").with_countdown(Countdown::RetryIn(Millis(10_000)));
        assert_eq!(busy.render_text(Millis(4_500)), "Error: busy, retry in 6 s");
        assert_eq!(busy.render_text(Millis(10_000)), "Error: busy, retry now");
        let locked = Message::error("locked").with_countdown(Countdown::Until(Millis(300_000)));
        assert_eq!(
            locked.render_text(Millis(1_000)),
            "Error: locked (until 1970-01-01 00:05:00 UTC, 4:59 left)"
        );
        assert_eq!(
            Message::success("saved").render_text(Millis(0)),
            "OK: saved"
        );
        assert_eq!(Message::info("hello").render_text(Millis(0)), "hello");
    }
}
