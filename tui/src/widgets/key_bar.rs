//! The key bar at the bottom of every screen: `Tab next field  Enter sign in  ^C quit`.
//!
//! Each key is drawn reversed (not coloured) followed by its action in plain text. Hints wrap
//! onto further lines, never in the middle of a hint, so narrow terminals still list every key;
//! [`height`] says how many lines that takes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// One key and what it does here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyHint {
    pub key: String,
    pub action: String,
}

impl KeyHint {
    pub fn new(key: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            action: action.into(),
        }
    }

    fn width(&self) -> usize {
        self.key.chars().count() + 1 + self.action.chars().count()
    }
}

/// The gap between two hints.
const GAP: usize = 2;

/// Splits hints into lines that fit `width`, keeping each hint whole.
fn layout(hints: &[KeyHint], width: u16) -> Vec<Vec<&KeyHint>> {
    let width = usize::from(width.max(1));
    let mut lines: Vec<Vec<&KeyHint>> = Vec::new();
    let mut used = 0;
    for hint in hints {
        let needed = if used == 0 {
            1 + hint.width()
        } else {
            GAP + hint.width()
        };
        match lines.last_mut() {
            Some(line) if used + needed <= width => {
                line.push(hint);
                used += needed;
            }
            _ => {
                lines.push(vec![hint]);
                used = 1 + hint.width();
            }
        }
    }
    lines
}

/// Lines needed to show every hint at this width (at least 1).
pub fn height(hints: &[KeyHint], width: u16) -> u16 {
    u16::try_from(layout(hints, width).len().max(1)).unwrap_or(u16::MAX)
}

/// The key bar widget.
pub struct KeyBar<'a>(pub &'a [KeyHint]);

impl Widget for KeyBar<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let key_style = Style::default().add_modifier(Modifier::REVERSED);
        let lines: Vec<Line> = layout(self.0, area.width)
            .into_iter()
            .map(|hints| {
                let mut spans = vec![Span::raw(" ")];
                for (i, hint) in hints.into_iter().enumerate() {
                    if i > 0 {
                        spans.push(Span::raw(" ".repeat(GAP)));
                    }
                    spans.push(Span::styled(hint.key.clone(), key_style));
                    spans.push(Span::raw(format!(" {}", hint.action)));
                }
                Line::from(spans)
            })
            .collect();
        Paragraph::new(lines).render(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_between_hints_not_inside_them() {
        let hints = vec![
            KeyHint::new("Tab", "next field"),
            KeyHint::new("Enter", "sign in"),
            KeyHint::new("^C", "quit"),
        ];
        assert_eq!(height(&hints, 80), 1);
        assert_eq!(height(&hints, 30), 2);
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 2));
        KeyBar(&hints).render(buf.area, &mut buf);
        assert_eq!(
            buf,
            Buffer::with_lines([
                " Tab next field  Enter sign in",
                " ^C quit                      ",
            ])
            .with_key_styles(&[(0, 1, 3), (0, 17, 5), (1, 1, 2)])
        );
    }

    trait WithKeyStyles {
        fn with_key_styles(self, cells: &[(u16, u16, u16)]) -> Self;
    }

    impl WithKeyStyles for Buffer {
        /// Marks (row, column, length) runs as reversed, like the key labels.
        fn with_key_styles(mut self, runs: &[(u16, u16, u16)]) -> Self {
            for &(row, column, length) in runs {
                self.set_style(
                    Rect::new(column, row, length, 1),
                    Style::default().add_modifier(Modifier::REVERSED),
                );
            }
            self
        }
    }
}
