//! twofoldd: a login daemon with SMS two-factor authentication that speaks FusionAuth's REST
//! API.
//!
//! # Layout
//! - [`daemon`]: start, run and stop a daemon (the embedding API).
//! - [`server`] and [`http`]: the accept loop; requests, routing, responses, status codes.
//! - [`api`] and [`wire`]: one handler module per URL resource, and FusionAuth's JSON shapes.
//! - [`service`]: use cases over the store, hashing pool, keys and SMS providers.
//! - [`domain`]: records, rules and pure state transitions (no IO).
//! - [`store`]: durable records behind the [`store::Store`] interface; redb by default.
//! - [`crypto`]: randomness, keyed hashes and sealing, password hashing pool, JWT keys.
//! - [`config`], [`kickstart`]: configuration and first-start setup.
//! - [`cli`]: the `twofoldd` command line.
//! - [`clock`]: where time comes from (injected, so tests never sleep).

pub mod api;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod daemon;
pub mod domain;
pub mod http;
pub mod kickstart;
pub mod metrics;
pub mod metrics_listener;
pub mod private_file;
pub mod server;
pub mod service;
pub mod store;
pub mod thread_priority;
pub mod wire;

pub use daemon::{Daemon, DaemonError, Options};
