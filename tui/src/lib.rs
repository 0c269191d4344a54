//! twofold: the terminal client for twofoldd, a FusionAuth-compatible login daemon with SMS
//! two-factor authentication. It talks to the daemon only over HTTP, with its own wire structs;
//! only the offline demo ([`demo`]) links the daemon, to start one in-process.
//!
//! # Layout
//!
//! - [`app`]: `App`, the whole UI as a pure state machine: `update(Event) -> Vec<Effect>` and
//!   `render(&self, &mut Frame)`.
//! - [`event`]: `Event` (keys, paste, ticks, call results, outbox reads) and `Effect` (calls,
//!   outbox reads, quit).
//! - [`screens`]: one module per screen (login, two-factor code, signed in, Twilio setup,
//!   register) behind the `ScreenState` trait.
//! - [`widgets`]: text field, key bar, message line, spinner, Phone panel, QR code.
//! - [`client`]: `ApiClient` (reqwest) and the wire structs; the only code that does HTTP.
//! - [`runtime`]: the tokio loop that draws, reads input and performs effects.
//! - [`terminal`]: raw mode / alternate screen / bracketed paste setup and restore, panic hook.
//! - [`outbox`]: tails the console provider's outbox file for the Phone panel.
//! - [`demo`]: `twofold --demo`, an embedded daemon with a seeded demo account (the only module that
//!   imports `daemon`).
//! - [`jwt`], [`time`], [`validate`], [`cli`], [`otpauth`]: claim decoding, instants and
//!   countdowns, form checks, command-line arguments, authenticator-app key URIs.
//! - [`testing`]: helpers for tests here and in the workspace's `tests` crate (keys, drawing to
//!   text, insta).
//!
//! Invariants: `App::update` and `render` do no IO and never read the clock; only `client` speaks
//! HTTP (and `demo`, to seed its own daemon); only `runtime` spawns tasks and reads the wall clock;
//! secrets (passwords, tokens, the Twilio auth token) are never drawn and are redacted in `Debug`
//! — the exceptions being the demo account's throw-away password, which the demo shows, and a new
//! authenticator-app secret, which enrolment shows (as text and as a QR code) for the app to take.

pub mod app;
pub mod cli;
pub mod client;
pub mod demo;
pub mod event;
pub mod jwt;
pub mod otpauth;
pub mod outbox;
pub mod runtime;
pub mod screens;
pub mod terminal;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;
pub mod validate;
pub mod widgets;

#[cfg(test)]
mod tests;
