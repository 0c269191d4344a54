//! The secrets of two-factor login and how they are recognised: challenge ids, SMS codes
//! (derived, never stored), trust ids and recovery codes (stored as keyed digests only).

use crate::crypto::{Keyring, random};
use crate::domain::ids::UserId;
use crate::domain::secret::Digest;
use crate::domain::two_factor::PendingPurpose;

const CHALLENGE_PURPOSE: &str = "two-factor/id";
const CODE_PURPOSE: &str = "two-factor/code";
const CODE_DERIVATION_PURPOSE: &str = "two-factor/code-derivation";
const TRUST_PURPOSE: &str = "two-factor/trust";
const RECOVERY_PURPOSE: &str = "two-factor/recovery-code";
const PENDING_PURPOSE: &str = "two-factor/pending-code";

/// Digits in an SMS code.
pub const CODE_LENGTH: usize = 6;
/// Recovery codes issued at once.
pub const RECOVERY_CODE_COUNT: usize = 10;

pub fn challenge_digest(keyring: &Keyring, raw_id: &str) -> Digest {
    keyring.digest(CHALLENGE_PURPOSE, &[raw_id.as_bytes()])
}

/// The SMS code of a challenge: HMAC(keyring, raw id ‖ nonce) read as six uniformly
/// distributed digits. Only someone holding both the raw `twoFactorId` and the server key
/// can compute it, so the code need not be stored, yet a resend repeats it exactly.
pub fn derive_code(keyring: &Keyring, raw_id: &str, nonce: &[u8; 16]) -> String {
    let mut counter: u32 = 0;
    loop {
        let block = keyring.digest(
            CODE_DERIVATION_PURPOSE,
            &[raw_id.as_bytes(), nonce, &counter.to_be_bytes()],
        );
        // Rejection sampling on 4-byte windows keeps the six digits unbiased.
        for window in block.as_bytes().chunks_exact(4) {
            let value = u32::from_be_bytes([window[0], window[1], window[2], window[3]]);
            let zone = u32::MAX - (u32::MAX % 1_000_000);
            if value < zone {
                return format!("{:06}", value % 1_000_000);
            }
        }
        counter += 1;
    }
}

pub fn code_digest(keyring: &Keyring, challenge: &Digest, code: &str) -> Digest {
    keyring.digest(CODE_PURPOSE, &[challenge.as_bytes(), code.as_bytes()])
}

pub fn trust_digest(keyring: &Keyring, raw: &str) -> Digest {
    keyring.digest(TRUST_PURPOSE, &[raw.as_bytes()])
}

/// Recovery codes are bound to their user, so one user's code is nothing to another.
pub fn recovery_digest(keyring: &Keyring, user: UserId, normalized: &str) -> Digest {
    keyring.digest(
        RECOVERY_PURPOSE,
        &[user.0.as_bytes(), normalized.as_bytes()],
    )
}

pub fn pending_digest(
    keyring: &Keyring,
    user: UserId,
    purpose: &PendingPurpose,
    code: &str,
) -> Digest {
    let tag = match purpose {
        PendingPurpose::EnableSms { mobile_phone } => format!("enable-sms:{mobile_phone}"),
        PendingPurpose::Disable { method_id } => format!("disable:{method_id}"),
    };
    keyring.digest(
        PENDING_PURPOSE,
        &[user.0.as_bytes(), tag.as_bytes(), code.as_bytes()],
    )
}

/// A fresh set of recovery codes: the codes to show once and the digests to keep.
pub fn new_recovery_codes(
    keyring: &Keyring,
    user: UserId,
) -> Result<(Vec<String>, Vec<Digest>), crate::crypto::CryptoError> {
    let mut shown = Vec::with_capacity(RECOVERY_CODE_COUNT);
    let mut kept = Vec::with_capacity(RECOVERY_CODE_COUNT);
    while shown.len() < RECOVERY_CODE_COUNT {
        let code = random::recovery_code()?;
        let normalized = code.replace('-', "");
        let digest = recovery_digest(keyring, user, &normalized);
        if kept.contains(&digest) {
            continue;
        }
        shown.push(code);
        kept.push(digest);
    }
    Ok((shown, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_codes_are_stable_six_digits_and_depend_on_every_input() {
        let keyring = Keyring::from_master(&[3; 32]);
        let code = derive_code(&keyring, "id-1", &[1; 16]);
        assert_eq!(code.len(), CODE_LENGTH);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(code, derive_code(&keyring, "id-1", &[1; 16]));
        let others = [
            derive_code(&keyring, "id-2", &[1; 16]),
            derive_code(&keyring, "id-1", &[2; 16]),
            derive_code(&Keyring::from_master(&[4; 32]), "id-1", &[1; 16]),
        ];
        // A collision among three draws of 10^6 is possible but vanishingly unlikely.
        assert!(others.iter().all(|o| *o != code));
    }

    #[test]
    fn recovery_codes_are_distinct_and_user_bound() {
        let keyring = Keyring::from_master(&[5; 32]);
        let user = UserId::random();
        let (shown, kept) = new_recovery_codes(&keyring, user).expect("rng");
        assert_eq!(shown.len(), 10);
        assert_eq!(kept.len(), 10);
        let normalized = shown[0].replace('-', "");
        assert_eq!(recovery_digest(&keyring, user, &normalized), kept[0]);
        assert_ne!(
            recovery_digest(&keyring, UserId::random(), &normalized),
            kept[0]
        );
    }
}
