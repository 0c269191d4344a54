//! Authenticator-app codes (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) through the
//! `totp-rs` crate, and FusionAuth's secret convention: the generated `secret` is a
//! 20-character string whose ASCII bytes are the HMAC key, and `secretBase32Encoded` is the
//! Base32 of those bytes (what authenticator apps take).

use data_encoding::BASE32_NOPAD;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Builder, Secret};
use zeroize::Zeroizing;

use crate::crypto::{CryptoError, random};
use crate::domain::time::Timestamp;

pub const ALGORITHM: &str = "HmacSHA1";
pub const CODE_LENGTH: u32 = 6;
pub const TIME_STEP: u32 = 30;
/// Steps either side of now that still count (clock skew).
const SKEW: i64 = 1;

/// Sealing purpose of authenticator secrets.
pub const SECRET_PURPOSE: &str = "two-factor/authenticator-secret";

/// Checks a code against one of the user's authenticator methods, unsealing its secret.
/// Returns the matched step; the caller records it with `use_totp_step`.
pub fn verify_method(
    keyring: &crate::crypto::Keyring,
    method: &crate::domain::two_factor::Method,
    last_used: Option<i64>,
    code: &str,
    now: Timestamp,
) -> Option<i64> {
    let crate::domain::two_factor::MethodKind::Authenticator { secret, .. } = &method.kind else {
        return None;
    };
    let key = keyring.open(SECRET_PURPOSE, secret).ok()?;
    verify(&key, code, now, last_used)
}

/// A new secret as FusionAuth hands it out.
pub struct NewSecret {
    pub secret: String,
    pub secret_base32: String,
}

const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

pub fn generate_secret() -> Result<NewSecret, CryptoError> {
    let secret = random::from_alphabet(SECRET_ALPHABET, 20)?;
    let secret_base32 = BASE32_NOPAD.encode(secret.as_bytes());
    Ok(NewSecret {
        secret,
        secret_base32,
    })
}

/// The HMAC key from what a client sent: `secretBase32Encoded` decoded, else the ASCII
/// bytes of `secret`. Keys under 128 bits are refused (RFC 4226 §4).
pub fn key_from(
    secret: Option<&str>,
    secret_base32: Option<&str>,
) -> Result<Zeroizing<Vec<u8>>, &'static str> {
    let key = match (
        secret_base32.map(str::trim).filter(|s| !s.is_empty()),
        secret.map(str::trim).filter(|s| !s.is_empty()),
    ) {
        (Some(b32), _) => {
            let normalized: String = b32
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '=')
                .collect::<String>()
                .to_uppercase();
            BASE32_NOPAD
                .decode(normalized.as_bytes())
                .map_err(|_| "secretBase32Encoded is not Base32")?
        }
        (None, Some(secret)) => secret.as_bytes().to_vec(),
        (None, None) => return Err("give the secret or secretBase32Encoded"),
    };
    if key.len() < 16 {
        return Err("the secret must carry at least 128 bits");
    }
    Ok(Zeroizing::new(key))
}

/// The code for one time step.
fn code_at(key: &[u8], step: i64) -> Option<String> {
    let totp = Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(CODE_LENGTH as u8)
        .with_step_duration(u64::from(TIME_STEP))
        .with_skew(0)
        .with_secret(Secret::new(key.to_vec().into_boxed_slice()))
        .build()
        .ok()?;
    let time = u64::try_from(step)
        .ok()?
        .checked_mul(u64::from(TIME_STEP))?;
    Some(totp.generate(time).to_string())
}

pub fn step_of(now: Timestamp) -> i64 {
    now.secs().div_euclid(i64::from(TIME_STEP))
}

/// The time step `code` belongs to, if it matches one within the skew window that is later
/// than `last_used` (a code is accepted once; so is any earlier one). Every candidate step is
/// computed and compared in constant time.
pub fn verify(key: &[u8], code: &str, now: Timestamp, last_used: Option<i64>) -> Option<i64> {
    if code.len() != CODE_LENGTH as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let current = step_of(now);
    let mut matched = None;
    for step in current - SKEW..=current + SKEW {
        if let Some(expected) = code_at(key, step) {
            let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
            if equal && last_used.is_none_or(|last| step > last) && matched.is_none() {
                matched = Some(step);
            }
        }
    }
    matched
}

/// The `otpauth://` URI authenticator apps read from a QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| {
        form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={CODE_LENGTH}&period={TIME_STEP}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1, key "12345678901234567890" (8-digit codes; the six-digit
    /// code is the last six digits of each).
    #[test]
    fn rfc_6238_vectors() {
        let key = b"12345678901234567890";
        for (time, expected) in [
            (59i64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            let code = code_at(key, time / 30).expect("code");
            assert_eq!(code, expected[2..], "t = {time}");
        }
    }

    /// FusionAuth's documented sample: the Base32 form is the Base32 of the secret's ASCII.
    #[test]
    fn fusionauth_secret_convention() {
        let from_secret = key_from(Some("8MJJfCY4ERBtotvenSc3"), None).expect("key");
        let from_base32 = key_from(None, Some("HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT")).expect("key");
        assert_eq!(*from_secret, *from_base32);
        assert_eq!(
            BASE32_NOPAD.encode(b"8MJJfCY4ERBtotvenSc3"),
            "HBGUUSTGINMTIRKSIJ2G65DWMVXFGYZT"
        );
        let generated = generate_secret().expect("rng");
        assert_eq!(generated.secret.len(), 20);
        assert_eq!(
            *key_from(None, Some(&generated.secret_base32)).expect("key"),
            generated.secret.as_bytes()
        );
        assert!(key_from(Some("short"), None).is_err());
        assert!(key_from(None, Some("not base32!")).is_err());
    }

    #[test]
    fn skew_window_and_single_use() {
        let key = b"12345678901234567890";
        let now = Timestamp::from_millis(1_111_111_111_000);
        let step = step_of(now);
        let code = code_at(key, step).expect("code");
        assert_eq!(verify(key, &code, now, None), Some(step));
        assert_eq!(verify(key, &code, now, Some(step)), None, "replayed");
        let previous = code_at(key, step - 1).expect("code");
        assert_eq!(verify(key, &previous, now, None), Some(step - 1));
        let stale = code_at(key, step - 2).expect("code");
        assert_eq!(verify(key, &stale, now, None), None);
        assert_eq!(verify(key, "12345", now, None), None);
    }

    #[test]
    fn otpauth_uris_are_escaped() {
        let uri = otpauth_uri("My App", "a@b.co", "ABC");
        assert_eq!(
            uri,
            "otpauth://totp/My%20App:a%40b.co?secret=ABC&issuer=My%20App&algorithm=SHA1&digits=6&period=30"
        );
    }
}
