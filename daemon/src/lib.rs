//! twofoldd: a login daemon with SMS two-factor authentication that speaks FusionAuth's REST
//! API.
//!
//! # Layout
//! - [`domain`]: records, rules and pure state transitions (no IO).
//! - [`store`]: durable records behind the [`store::Store`] interface; redb by default.
//! - [`crypto`]: randomness, keyed hashes and sealing, password hashing pool, JWT keys.
//! - [`clock`]: where time comes from (injected, so tests never sleep).

pub mod clock;
pub mod crypto;
pub mod domain;
pub mod store;
