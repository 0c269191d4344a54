//! `TextField`: a one-line text input (value, cursor, optional masking) and how it is drawn:
//! `> Label       : [value      ]` with a status line underneath (`✓ …`, `✗ …` or a hint).
//!
//! Focus is shown by the `>` marker, bold text and the terminal cursor, never by colour alone;
//! problems by `✗` and their wording. A masked field draws one `•` per character and never the
//! characters themselves. The field knows nothing about validation rules: screens compute a
//! [`FieldStatus`] and pass it in when drawing.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The character a masked field shows for each character of its value.
pub const MASK_CHAR: char = '•';

/// A one-line editable text value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextField {
    label: String,
    value: String,
    /// Cursor position in characters (0..=len).
    cursor: usize,
    masked: bool,
    max_chars: usize,
    /// Shown (dimmed) while the value is empty. Must not be secret.
    placeholder: String,
    /// An error the server reported for this field; cleared on the next edit.
    error: Option<String>,
}

/// What a screen wants said under a field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldStatus {
    /// Valid, with a short confirmation (`✓ looks right`).
    Ok(String),
    /// Invalid, with what to fix (`✗ must start with AC`).
    Problem(String),
    /// Neutral guidance.
    Hint(String),
}

impl TextField {
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: String::new(),
            cursor: 0,
            masked: false,
            max_chars: 256,
            placeholder: String::new(),
            error: None,
        }
    }

    /// Show `•` instead of the characters (passwords, auth tokens).
    pub fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.set_value(value);
        self
    }

    pub fn with_max_chars(mut self, max_chars: usize) -> Self {
        self.max_chars = max_chars;
        self
    }

    pub fn with_placeholder(mut self, placeholder: impl Into<String>) -> Self {
        self.placeholder = placeholder.into();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn set_label(&mut self, label: impl Into<String>) {
        self.label = label.into();
    }

    pub fn set_placeholder(&mut self, placeholder: impl Into<String>) {
        self.placeholder = placeholder.into();
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// The value with surrounding whitespace removed, as most forms submit it.
    pub fn trimmed(&self) -> &str {
        self.value.trim()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    pub fn is_masked(&self) -> bool {
        self.masked
    }

    /// Replaces the value and puts the cursor at its end.
    pub fn set_value(&mut self, value: impl Into<String>) {
        self.value = value.into();
        self.cursor = self.value.chars().count();
        self.error = None;
    }

    pub fn clear(&mut self) {
        self.set_value(String::new());
    }

    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    pub fn set_error(&mut self, error: Option<String>) {
        self.error = error;
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Applies an editing key. Returns true when the key was an editing key (consumed), whether or
    /// not it changed anything. Keys with Ctrl or Alt (other than Ctrl-U) are left to the screen.
    pub fn handle_key(&mut self, key: &KeyEvent) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match key.code {
            KeyCode::Char('u') if ctrl && !alt => {
                self.clear();
                true
            }
            KeyCode::Char(c) if !ctrl && !alt => {
                self.insert(c);
                true
            }
            KeyCode::Backspace => {
                if self.cursor > 0 {
                    self.cursor -= 1;
                    self.remove_at(self.cursor);
                }
                true
            }
            KeyCode::Delete => {
                if self.cursor < self.len() {
                    self.remove_at(self.cursor);
                }
                true
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                true
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.len());
                true
            }
            KeyCode::Home => {
                self.cursor = 0;
                true
            }
            KeyCode::End => {
                self.cursor = self.len();
                true
            }
            _ => false,
        }
    }

    /// Inserts pasted text at the cursor as one edit. Line breaks and other control characters
    /// are dropped: a field is one line.
    pub fn paste(&mut self, text: &str) {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.insert(c);
        }
    }

    fn insert(&mut self, c: char) {
        if self.len() >= self.max_chars {
            return;
        }
        let byte_index = self.byte_index(self.cursor);
        self.value.insert(byte_index, c);
        self.cursor += 1;
        self.error = None;
    }

    fn remove_at(&mut self, char_index: usize) {
        let byte_index = self.byte_index(char_index);
        if byte_index < self.value.len() {
            self.value.remove(byte_index);
            self.error = None;
        }
    }

    fn len(&self) -> usize {
        self.value.chars().count()
    }

    fn byte_index(&self, char_index: usize) -> usize {
        self.value
            .char_indices()
            .nth(char_index)
            .map_or(self.value.len(), |(i, _)| i)
    }

    /// The characters to draw: the value, or one mask character per character.
    fn display_chars(&self) -> Vec<char> {
        if self.masked {
            vec![MASK_CHAR; self.len()]
        } else {
            self.value.chars().collect()
        }
    }
}

/// What is said under a field: the server's error for it, else the screen's status.
fn status_text(field: &TextField, status: Option<&FieldStatus>) -> Option<String> {
    match (field.error(), status) {
        (Some(error), _) => Some(format!("✗ {error}")),
        (None, Some(FieldStatus::Problem(text))) => Some(format!("✗ {text}")),
        (None, Some(FieldStatus::Ok(text))) => Some(format!("✓ {text}")),
        (None, Some(FieldStatus::Hint(text))) => Some(text.clone()),
        (None, None) => None,
    }
}

/// Where the status starts: under the field's opening `[`.
fn status_indent(label_len: u16) -> u16 {
    label_len + 1
}

/// The rows [`render_field`] needs to show `field` and all of its status at `width`: 1 for the
/// field, plus the status's rows once wrapped (at least 1, so layouts do not jump).
pub fn field_rows(
    field: &TextField,
    status: Option<&FieldStatus>,
    width: u16,
    label_width: u16,
) -> u16 {
    // "> " + label + ": ", as `render_field` draws it.
    let label_chars = field.label.chars().count().max(usize::from(label_width));
    let label_len = u16::try_from(label_chars + 4).unwrap_or(u16::MAX);
    let status_width = width.saturating_sub(status_indent(label_len));
    let status_rows = status_text(field, status).map_or(1, |text| {
        super::wrap(&text, usize::from(status_width)).len().max(1)
    });
    u16::try_from(status_rows + 1).unwrap_or(u16::MAX)
}

/// Draws `field` on the first row of `area` and, if `area` has more rows, its status under it
/// (wrapping onto as many rows as `area` has).
/// When `focused`, also places the terminal cursor in the field.
pub fn render_field(
    frame: &mut Frame,
    area: Rect,
    field: &TextField,
    focused: bool,
    label_width: u16,
    status: Option<&FieldStatus>,
) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let marker = if focused { "> " } else { "  " };
    let label = format!(
        "{marker}{:<width$}: ",
        field.label,
        width = usize::from(label_width)
    );
    let label_len = u16::try_from(label.chars().count()).unwrap_or(u16::MAX);
    // "[" + box + "]"
    let box_width = area.width.saturating_sub(label_len).saturating_sub(2);
    let box_chars = usize::from(box_width);

    let chars = field.display_chars();
    let start = if box_chars == 0 || field.cursor < box_chars {
        0
    } else {
        field.cursor + 1 - box_chars
    };
    let label_style = if focused {
        Style::default().add_modifier(Modifier::BOLD)
    } else {
        Style::default()
    };
    let mut spans = vec![Span::styled(label, label_style), Span::raw("[")];
    if chars.is_empty() && !field.placeholder.is_empty() {
        let placeholder: String = field.placeholder.chars().take(box_chars).collect();
        let pad = box_chars.saturating_sub(placeholder.chars().count());
        spans.push(Span::styled(
            placeholder,
            Style::default().add_modifier(Modifier::DIM),
        ));
        spans.push(Span::raw(" ".repeat(pad)));
    } else {
        let visible: String = chars.iter().skip(start).take(box_chars).collect();
        let pad = box_chars.saturating_sub(visible.chars().count());
        spans.push(Span::styled(
            visible,
            Style::default().add_modifier(Modifier::UNDERLINED),
        ));
        spans.push(Span::styled(
            " ".repeat(pad),
            Style::default().add_modifier(Modifier::UNDERLINED),
        ));
    }
    spans.push(Span::raw("]"));
    let row = Rect { height: 1, ..area };
    frame.render_widget(Paragraph::new(Line::from(spans)), row);

    if focused {
        let offset = u16::try_from(field.cursor - start).unwrap_or(0);
        let x = area.x + label_len + 1 + offset.min(box_width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, area.y));
    }

    if area.height >= 2
        && let Some(text) = status_text(field, status)
    {
        let style = if text.starts_with('✗') {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default()
        };
        // The status may wrap onto every row of `area` below the field.
        let indent_width = status_indent(label_len).min(area.width);
        let status_area = Rect {
            x: area.x + indent_width,
            y: area.y + 1,
            width: area.width - indent_width,
            height: area.height - 1,
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, style)).wrap(Wrap { trim: true }),
            status_area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// The buffer's text, row by row, without styles.
    fn text_lines(terminal: &Terminal<TestBackend>) -> Vec<String> {
        let buffer = terminal.backend().buffer();
        (0..buffer.area.height)
            .map(|y| {
                (0..buffer.area.width)
                    .map(|x| buffer[(x, y)].symbol().to_owned())
                    .collect()
            })
            .collect()
    }

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_at_the_cursor() {
        let mut field = TextField::new("Login ID").with_value("alce");
        field.handle_key(&key(KeyCode::Left));
        field.handle_key(&key(KeyCode::Left));
        field.handle_key(&key(KeyCode::Left));
        field.handle_key(&key(KeyCode::Char('l')));
        assert_eq!(field.value(), "allce");
        field.handle_key(&key(KeyCode::Delete));
        assert_eq!(field.value(), "alce");
        field.handle_key(&key(KeyCode::End));
        field.handle_key(&key(KeyCode::Backspace));
        assert_eq!(field.value(), "alc");
        field.handle_key(&KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(field.value(), "");
    }

    #[test]
    fn leaves_ctrl_shortcuts_to_the_screen() {
        let mut field = TextField::new("Code");
        assert!(!field.handle_key(&KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL)));
        assert!(!field.handle_key(&key(KeyCode::Enter)));
        assert!(field.value().is_empty());
    }

    #[test]
    fn paste_inserts_one_line_and_respects_the_limit() {
        let mut field = TextField::new("Code").with_max_chars(6);
        field.paste("12 34\r\n5678");
        assert_eq!(field.value(), "12 345");
    }

    #[test]
    fn masked_field_never_draws_its_characters() -> Result<(), Box<dyn std::error::Error>> {
        let field = TextField::new("Password").masked().with_value("hunter22");
        let mut terminal = Terminal::new(TestBackend::new(40, 2))?;
        terminal.draw(|frame| {
            render_field(frame, frame.area(), &field, true, 8, None);
        })?;
        assert_eq!(
            text_lines(&terminal),
            [
                "> Password: [••••••••                  ]",
                "                                        ",
            ]
        );
        terminal.backend_mut().assert_cursor_position((21, 0));
        Ok(())
    }

    #[test]
    fn long_values_scroll_to_keep_the_cursor_visible() -> Result<(), Box<dyn std::error::Error>> {
        let field = TextField::new("ID").with_value("abcdefghijklmnop");
        let mut terminal = Terminal::new(TestBackend::new(20, 2))?;
        terminal.draw(|frame| {
            let status = FieldStatus::Problem("too long".into());
            render_field(frame, frame.area(), &field, true, 2, Some(&status));
        })?;
        terminal.backend_mut().assert_cursor_position((18, 0));
        assert_eq!(
            text_lines(&terminal),
            ["> ID: [fghijklmnop ]", "       ✗ too long   ",]
        );
        Ok(())
    }
}
