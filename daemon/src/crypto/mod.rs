//! Cryptographic building blocks: randomness, the keyring (keyed hashes and sealing with
//! keys kept outside the database), password hashing on a bounded pool, and JWT keys.
//! Nothing here touches the store or HTTP.

pub mod jwt;
pub mod keyring;
pub mod master_key;
pub mod password;
pub mod random;

pub use keyring::Keyring;

/// A cryptographic operation failed. Never carries secret material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the operating system's random source failed")]
    Random,
    #[error("a sealed value could not be opened (wrong key or corrupted data)")]
    Unseal,
    #[error("key material is invalid: {0}")]
    Key(String),
    #[error("password hashing failed: {0}")]
    Hashing(String),
}
