//! The domain: records, rules and pure state transitions. No HTTP, no storage engine, no
//! network client, no clock reads and no randomness here — those arrive as arguments, so
//! every rule is a plain unit test.

pub mod api_key;
pub mod application;
pub mod audit;
pub mod error;
pub mod ids;
pub mod lockout;
pub mod messenger;
pub mod phone;
pub mod rate;
pub mod secret;
pub mod send_log;
pub mod signing_key;
pub mod tenant;
pub mod time;
pub mod token;
pub mod two_factor;
pub mod user;
pub mod validation;

pub use error::{DomainError, DomainResult};
