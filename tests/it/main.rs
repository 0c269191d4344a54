//! The end-to-end test binary: one binary, one module per area (see ARCHITECTURE.md).
//! Every test starts its own daemon in-process on port 0 with a temporary data directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod applications;
mod authenticator;
mod cluster;
mod enrolment;
mod hardening;
mod http;
mod loadgen;
mod login;
mod messengers;
mod postgres_store;
mod process;
mod providers;
mod python_client;
mod tokens;
mod tui_authenticator;
mod tui_flow;
mod two_factor;
mod users;
