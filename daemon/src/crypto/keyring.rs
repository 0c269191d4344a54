//! The keyring: sub-keys derived from the master key for (1) keyed hashes of secrets we must
//! recognise but never store (codes, API keys, refresh tokens, trust ids, recovery codes) and
//! (2) sealing secrets we must use again (Twilio tokens, JWT private keys, TOTP secrets).
//! Each use names a purpose, so a digest or sealed blob from one purpose is useless in another.

use chacha20poly1305::XChaCha20Poly1305;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{CryptoError, random};
use crate::domain::secret::{Digest, Sealed};

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct Keyring {
    hash_key: Zeroizing<[u8; 32]>,
    seal_key: Zeroizing<[u8; 32]>,
    fingerprint: String,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        // Length-prefix every part so ("ab","c") and ("a","bc") differ.
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl Keyring {
    pub fn from_master(master: &[u8; 32]) -> Self {
        let hash_key = Zeroizing::new(hmac(master, &[b"twofold/v1/hash"]));
        let seal_key = Zeroizing::new(hmac(master, &[b"twofold/v1/seal"]));
        let check = hmac(master, &[b"twofold/v1/key-check"]);
        let fingerprint = check[..8].iter().map(|b| format!("{b:02x}")).collect();
        Self {
            hash_key,
            seal_key,
            fingerprint,
        }
    }

    /// A public, non-reversible name of the master key, stored beside the data so a daemon
    /// started with the wrong key refuses to run instead of failing every login.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The keyed hash of a secret for `purpose`.
    pub fn digest(&self, purpose: &str, parts: &[&[u8]]) -> Digest {
        let mut all: Vec<&[u8]> = Vec::with_capacity(parts.len() + 1);
        all.push(purpose.as_bytes());
        all.extend_from_slice(parts);
        Digest(hmac(self.hash_key.as_slice(), &all))
    }

    /// Encrypts `plaintext`, bound to `purpose` (XChaCha20-Poly1305, random nonce).
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<Sealed, CryptoError> {
        let cipher = XChaCha20Poly1305::new((&*self.seal_key).into());
        let nonce = random::bytes::<NONCE_LEN>()?;
        let ciphertext = cipher
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| CryptoError::Key("sealing failed".to_owned()))?;
        let mut out = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        Ok(Sealed(out))
    }

    pub fn open(&self, purpose: &str, sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        if sealed.0.len() < NONCE_LEN {
            return Err(CryptoError::Unseal);
        }
        let (nonce, ciphertext) = sealed.0.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError::Unseal)?;
        let cipher = XChaCha20Poly1305::new((&*self.seal_key).into());
        cipher
            .decrypt(
                (&nonce).into(),
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::Unseal)
    }
}

/// Constant-time equality of two digests.
pub fn digests_equal(a: &Digest, b: &Digest) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(byte: u8) -> Keyring {
        Keyring::from_master(&[byte; 32])
    }

    #[test]
    fn digests_depend_on_key_purpose_and_framing() {
        let a = ring(1);
        assert_eq!(
            a.digest("code", &[b"123456"]),
            a.digest("code", &[b"123456"])
        );
        assert_ne!(
            a.digest("code", &[b"123456"]),
            a.digest("key", &[b"123456"])
        );
        assert_ne!(
            a.digest("code", &[b"ab", b"c"]),
            a.digest("code", &[b"a", b"bc"])
        );
        assert_ne!(a.digest("code", &[b"1"]), ring(2).digest("code", &[b"1"]));
        assert!(digests_equal(&a.digest("x", &[]), &a.digest("x", &[])));
    }

    #[test]
    fn sealing_round_trips_and_binds_purpose_and_key() {
        let a = ring(1);
        let sealed = a.seal("twilio-token", b"secret").expect("seal");
        assert_eq!(
            a.open("twilio-token", &sealed).expect("open").as_slice(),
            b"secret"
        );
        assert!(a.open("jwt-key", &sealed).is_err());
        assert!(ring(2).open("twilio-token", &sealed).is_err());
        assert!(a.open("twilio-token", &Sealed(vec![1, 2])).is_err());
        assert_ne!(a.fingerprint(), ring(2).fingerprint());
    }
}
