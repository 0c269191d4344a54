//! Reusable drawing pieces: the text field, the key bar, the message line, the spinner and the
//! Phone panel. Widgets draw what they are given; they hold no app state and do no IO.

pub mod field;
pub mod key_bar;
pub mod message;
pub mod phone_panel;
pub mod spinner;
