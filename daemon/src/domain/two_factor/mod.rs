//! Two-factor authentication: the methods a user has, pending enrolment codes, recovery
//! codes, login challenges ([`challenge`]) and trusted devices ([`trust`]). Pure state and
//! rules; codes arrive here already hashed with the keyring.

pub mod challenge;
pub mod trust;

use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::domain::secret::{Digest, Sealed};
use crate::domain::time::Timestamp;

/// A user's two-factor state, stored inside the user record so every change is atomic.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TwoFactor {
    #[serde(default)]
    pub methods: Vec<Method>,
    /// Digests of the unused recovery codes.
    #[serde(default)]
    pub recovery_codes: Vec<Digest>,
    /// Codes sent to enable or disable a method, not yet confirmed.
    #[serde(default)]
    pub pending: Vec<PendingCode>,
    /// The last TOTP time step accepted, per authenticator method, against replay.
    #[serde(default)]
    pub last_totp_step: Vec<(String, i64)>,
}

/// One enrolled method.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Method {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub last_used: bool,
    pub kind: MethodKind,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum MethodKind {
    Sms {
        /// E.164.
        mobile_phone: String,
    },
    Authenticator {
        /// The HMAC key bytes, sealed.
        secret: Sealed,
        algorithm: String,
        code_length: u32,
        time_step: u32,
    },
}

impl MethodKind {
    pub fn wire_name(&self) -> &'static str {
        match self {
            MethodKind::Sms { .. } => "sms",
            MethodKind::Authenticator { .. } => "authenticator",
        }
    }

    pub fn is_authenticator(&self) -> bool {
        matches!(self, MethodKind::Authenticator { .. })
    }

    pub fn sms_phone(&self) -> Option<&str> {
        match self {
            MethodKind::Sms { mobile_phone } => Some(mobile_phone),
            MethodKind::Authenticator { .. } => None,
        }
    }
}

/// What a pending code, sent outside a login, is for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum PendingPurpose {
    /// Enable SMS to this E.164 number.
    EnableSms { mobile_phone: String },
    /// Disable this method.
    Disable { method_id: String },
}

/// A code sent to enable or disable a method.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingCode {
    pub purpose: PendingPurpose,
    pub digest: Digest,
    pub issued: Timestamp,
    pub expires: Timestamp,
    #[serde(default)]
    pub failed_attempts: u32,
}

impl TwoFactor {
    pub fn method(&self, id: &str) -> Option<&Method> {
        self.methods.iter().find(|m| m.id == id)
    }

    /// The method a login should use first: the last used, else the first enrolled.
    pub fn preferred(&self) -> Option<&Method> {
        self.methods
            .iter()
            .find(|m| m.last_used)
            .or_else(|| self.methods.first())
    }

    pub fn sms_method_for(&self, mobile_phone: &str) -> Option<&Method> {
        self.methods
            .iter()
            .find(|m| m.kind.sms_phone() == Some(mobile_phone))
    }

    pub fn mark_used(&mut self, method_id: &str) {
        for m in &mut self.methods {
            m.last_used = m.id == method_id;
        }
    }

    /// Consumes the recovery code with this digest, if it is one of ours. Every stored
    /// digest is compared, matched or not, so timing does not tell which one matched.
    pub fn take_recovery_code(&mut self, candidate: &Digest) -> bool {
        let mut found = None;
        for (index, stored) in self.recovery_codes.iter().enumerate() {
            if bool::from(stored.as_bytes().ct_eq(candidate.as_bytes())) {
                found = Some(index);
            }
        }
        match found {
            Some(index) => {
                self.recovery_codes.remove(index);
                true
            }
            None => false,
        }
    }

    /// The last TOTP step accepted for an authenticator method.
    pub fn last_totp_step(&self, method_id: &str) -> Option<i64> {
        self.last_totp_step
            .iter()
            .find(|(id, _)| id == method_id)
            .map(|(_, step)| *step)
    }

    /// Remembers that `step` was used for `method_id`, so its code (and earlier ones) fail.
    pub fn use_totp_step(&mut self, method_id: &str, step: i64) {
        self.last_totp_step.retain(|(id, _)| id != method_id);
        self.last_totp_step.push((method_id.to_owned(), step));
    }

    /// Drops pending codes that have expired.
    pub fn prune_pending(&mut self, now: Timestamp) {
        self.pending.retain(|p| p.expires > now);
    }
}

/// Normalises typed recovery codes: case, spaces and the dash don't matter, and the
/// letters Crockford base32 leaves out are read as the digits they look like.
pub fn normalize_recovery_code(input: &str) -> Option<String> {
    let mut out = String::with_capacity(10);
    for c in input.chars() {
        let c = c.to_ascii_uppercase();
        let mapped = match c {
            '-' | ' ' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c if c.is_ascii_alphanumeric() && c != 'U' => c,
            _ => return None,
        };
        out.push(mapped);
    }
    (out.len() == 10).then_some(out)
}

/// Whether a typed code looks like a numeric one-time code of `len` digits.
pub fn is_numeric_code(input: &str, len: usize) -> bool {
    input.len() == len && input.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sms(id: &str, phone: &str, last_used: bool) -> Method {
        Method {
            id: id.to_owned(),
            name: None,
            last_used,
            kind: MethodKind::Sms {
                mobile_phone: phone.to_owned(),
            },
        }
    }

    #[test]
    fn preferred_is_last_used_else_first() {
        let mut tf = TwoFactor {
            methods: vec![sms("A", "+1", false), sms("B", "+2", false)],
            ..TwoFactor::default()
        };
        assert_eq!(tf.preferred().map(|m| m.id.as_str()), Some("A"));
        tf.mark_used("B");
        assert_eq!(tf.preferred().map(|m| m.id.as_str()), Some("B"));
        assert!(!tf.methods[0].last_used);
    }

    #[test]
    fn recovery_codes_are_single_use() {
        let mut tf = TwoFactor {
            recovery_codes: vec![Digest([1; 32]), Digest([2; 32])],
            ..TwoFactor::default()
        };
        assert!(tf.take_recovery_code(&Digest([2; 32])));
        assert!(!tf.take_recovery_code(&Digest([2; 32])));
        assert_eq!(tf.recovery_codes.len(), 1);
    }

    #[test]
    fn recovery_code_input_is_forgiving() {
        assert_eq!(
            normalize_recovery_code("qjd73-l6gr5").as_deref(),
            Some("QJD7316GR5")
        );
        assert_eq!(
            normalize_recovery_code("QJD73 L6GR5").as_deref(),
            Some("QJD7316GR5")
        );
        assert_eq!(normalize_recovery_code("QJD73"), None);
        assert_eq!(normalize_recovery_code("QJD73-L6GR!"), None);
        assert!(is_numeric_code("012345", 6));
        assert!(!is_numeric_code("01234a", 6));
    }
}
