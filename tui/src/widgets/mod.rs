//! Reusable drawing pieces: the text field, the key bar, the message line, the spinner, the
//! Phone panel and the QR code. Widgets draw what they are given; they hold no app state and do no IO.

pub mod field;
pub mod key_bar;
pub mod message;
pub mod phone_panel;
pub mod qr;
pub mod spinner;

/// Greedy word wrap by characters; words longer than a line are cut.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let mut word: String = word.to_owned();
        loop {
            let current_len = current.chars().count();
            let word_len = word.chars().count();
            let needed = if current_len == 0 {
                word_len
            } else {
                current_len + 1 + word_len
            };
            if needed <= width {
                if current_len > 0 {
                    current.push(' ');
                }
                current.push_str(&word);
                break;
            }
            if current_len > 0 {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            // The word alone is too long: cut it.
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}
