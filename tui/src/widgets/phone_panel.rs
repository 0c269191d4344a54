//! The Phone panel: a bordered box titled "Phone" that shows the messages the console SMS
//! provider "sent" (read from its outbox file by `crate::outbox`), newest at the bottom, so a demo
//! can be followed without a real phone.
//!
//! It only draws the entries it is given; reading the file happens in the runtime, never here.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use super::wrap;
use crate::outbox::OutboxEntry;
use crate::time::{Millis, Utc};

/// The panel's width when it is shown beside the app.
pub const WIDTH: u16 = 36;

/// The Phone panel widget.
pub struct PhonePanel<'a> {
    pub entries: &'a [OutboxEntry],
    /// A problem reading the outbox, shown at the bottom.
    pub note: Option<&'a str>,
}

impl Widget for PhonePanel<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered().title(" Phone ");
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let width = usize::from(inner.width);
        let mut lines: Vec<Line> = Vec::new();
        if self.entries.is_empty() {
            lines.push(Line::raw("No messages yet."));
            lines.push(Line::raw(""));
            for line in wrap("Codes sent by the console SMS provider appear here.", width) {
                lines.push(Line::raw(line));
            }
        }
        for (i, entry) in self.entries.iter().enumerate() {
            if i > 0 {
                lines.push(Line::raw(""));
            }
            let when = entry
                .sent_instant
                .map(|ms| clock(Millis(ms)))
                .unwrap_or_default();
            let header = format!("To {} {when}", entry.to);
            for line in wrap(&header, width) {
                lines.push(Line::styled(
                    line,
                    Style::default().add_modifier(Modifier::BOLD),
                ));
            }
            for line in wrap(&entry.body, width) {
                lines.push(Line::raw(line));
            }
        }
        if let Some(note) = self.note {
            for line in wrap(&format!("! {note}"), width) {
                lines.push(Line::raw(line));
            }
        }
        // Newest at the bottom: keep the last lines that fit.
        let keep = usize::from(inner.height);
        let skip = lines.len().saturating_sub(keep);
        let visible: Vec<Line> = lines.into_iter().skip(skip).collect();
        Paragraph::new(visible).render(inner, buf);
    }
}

/// `22:13:20` (UTC) from an instant.
fn clock(instant: Millis) -> String {
    let full = Utc(instant).to_string();
    full.get(11..19).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &str, ms: i64) -> OutboxEntry {
        OutboxEntry {
            to: "+15551234567".into(),
            body: body.into(),
            sent_instant: Some(ms),
            message_id: None,
            provider: Some("console".into()),
        }
    }

    #[test]
    fn wraps_words_and_cuts_long_ones() {
        assert_eq!(wrap("a bb ccc", 4), vec!["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
    }

    #[test]
    fn shows_the_newest_messages_at_the_bottom() {
        let entries = [
            entry("Your twofold code is 111111", 1_700_000_000_000),
            entry("Your twofold code is 222222", 1_700_000_060_000),
        ];
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 6));
        PhonePanel {
            entries: &entries,
            note: None,
        }
        .render(buf.area, &mut buf);
        let mut expected = Buffer::with_lines([
            "┌ Phone ─────────────────────┐",
            "│Your twofold code is 111111 │",
            "│                            │",
            "│To +15551234567 22:14:20    │",
            "│Your twofold code is 222222 │",
            "└────────────────────────────┘",
        ]);
        expected.set_style(
            Rect::new(1, 3, 24, 1),
            Style::default().add_modifier(Modifier::BOLD),
        );
        assert_eq!(buf, expected);
    }
}
