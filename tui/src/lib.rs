//! twofold: the terminal client for twofoldd, a FusionAuth-compatible login daemon with SMS
//! two-factor authentication. It talks to the daemon only over HTTP, with its own wire structs; it
//! never links the daemon.
//!
//! # Layout
//!
//! - [`client`]: `ApiClient` (reqwest) and the wire structs; the only code that does HTTP.
//! - [`outbox`]: tails the console provider's outbox file for the Phone panel.
//! - [`widgets`]: text field, key bar, message line, spinner, Phone panel.
//! - [`jwt`], [`time`], [`validate`]: claim decoding, instants and countdowns, form checks.

pub mod client;
pub mod jwt;
pub mod outbox;
pub mod time;
pub mod validate;
pub mod widgets;
