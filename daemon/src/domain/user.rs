//! Users: the stored record, its registrations to applications, and the rules a new or
//! changed user must satisfy (unique e-mail/username, password length). Lookups by login id
//! are case-insensitive: e-mails are stored lower-cased, usernames are indexed lower-cased.

use serde::{Deserialize, Serialize};

use crate::domain::ids::{ApplicationId, RegistrationId, TenantId, UserId};
use crate::domain::lockout::LockoutState;
use crate::domain::time::Timestamp;
use crate::domain::two_factor::TwoFactor;
use crate::domain::validation::{Violations, is_blank, looks_like_email};

/// A user as stored. `password_hash` never leaves the daemon.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    /// Lower-cased; unique.
    #[serde(default)]
    pub email: Option<String>,
    /// As given; unique case-insensitively.
    #[serde(default)]
    pub username: Option<String>,
    /// PHC string (`$argon2id$…`).
    #[serde(default)]
    pub password_hash: Option<String>,
    #[serde(default)]
    pub password_last_update: Option<Timestamp>,
    #[serde(default)]
    pub profile: Profile,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub expiry: Option<Timestamp>,
    #[serde(default)]
    pub password_change_required: bool,
    pub inserted: Timestamp,
    pub last_updated: Timestamp,
    #[serde(default)]
    pub last_login: Option<Timestamp>,
    #[serde(default)]
    pub registrations: Vec<Registration>,
    #[serde(default)]
    pub two_factor: TwoFactor,
    #[serde(default)]
    pub lockout: LockoutState,
    /// Bumped whenever the password or the two-factor methods change; trust ids and
    /// pending challenges remember the value they were issued under and die with it.
    #[serde(default)]
    pub security_stamp: u64,
}

fn yes() -> bool {
    true
}

/// The free-form part of a user that the daemon stores and returns but never interprets.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub middle_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub birth_date: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub preferred_languages: Vec<String>,
    /// E.164 when it could be parsed, else as given.
    #[serde(default)]
    pub mobile_phone: Option<String>,
    #[serde(default)]
    pub data: serde_json::Value,
}

/// A user's registration to an application: the roles they hold there.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Registration {
    pub id: RegistrationId,
    pub application_id: ApplicationId,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub data: serde_json::Value,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub preferred_languages: Vec<String>,
    pub inserted: Timestamp,
    #[serde(default)]
    pub last_updated: Option<Timestamp>,
    #[serde(default)]
    pub last_login: Option<Timestamp>,
    #[serde(default = "yes")]
    pub verified: bool,
}

impl User {
    pub fn registration(&self, application_id: ApplicationId) -> Option<&Registration> {
        self.registrations
            .iter()
            .find(|r| r.application_id == application_id)
    }

    pub fn registration_mut(&mut self, application_id: ApplicationId) -> Option<&mut Registration> {
        self.registrations
            .iter_mut()
            .find(|r| r.application_id == application_id)
    }

    /// A completed login: the failure counters start over and the time is remembered, on the
    /// registration too. Returns whether the user is registered for the application (no
    /// application counts as registered; not registered answers 202).
    pub fn record_login(&mut self, application_id: Option<ApplicationId>, now: Timestamp) -> bool {
        self.lockout.record_success();
        self.last_login = Some(now);
        match application_id {
            None => true,
            Some(id) => match self.registration_mut(id) {
                Some(registration) => {
                    registration.last_login = Some(now);
                    true
                }
                None => false,
            },
        }
    }

    pub fn has_two_factor(&self) -> bool {
        !self.two_factor.methods.is_empty()
    }

    /// The lower-cased username used for unique indexing and lookups.
    pub fn username_key(&self) -> Option<String> {
        self.username.as_deref().map(str::to_lowercase)
    }

    /// A name for humans: full name, else first + last, else username, else e-mail.
    pub fn display_name(&self) -> Option<String> {
        let p = &self.profile;
        if let Some(full) = &p.full_name {
            return Some(full.clone());
        }
        match (&p.first_name, &p.last_name) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(f), None) => Some(f.clone()),
            (None, Some(l)) => Some(l.clone()),
            (None, None) => self.username.clone().or_else(|| self.email.clone()),
        }
    }
}

/// How a login id is looked up: e-mail if it looks like one, username otherwise, both
/// case-insensitively.
pub fn login_id_key(login_id: &str) -> String {
    login_id.to_lowercase()
}

/// Limits on passwords, from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct PasswordRules {
    pub min_length: usize,
    pub max_length: usize,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
        }
    }
}

impl PasswordRules {
    /// Checks a new password; lengths count characters, not bytes.
    pub fn check(&self, field: &str, password: Option<&str>, violations: &mut Violations) {
        match password {
            None => {
                violations.field(field, "blank", "You must specify a password.");
            }
            Some("") => {
                violations.field(field, "blank", "You must specify a password.");
            }
            Some(p) => {
                let length = p.chars().count();
                if length < self.min_length {
                    violations.field(
                        field,
                        "tooShort",
                        format!(
                            "The password must be at least {} characters.",
                            self.min_length
                        ),
                    );
                } else if length > self.max_length {
                    violations.field(
                        field,
                        "tooLong",
                        format!(
                            "The password must be at most {} characters.",
                            self.max_length
                        ),
                    );
                }
            }
        }
    }
}

/// Checks identity fields shared by create and update: at least one of e-mail/username,
/// e-mail shape. Uniqueness needs the store and is checked by the use case.
pub fn check_identity(email: Option<&str>, username: Option<&str>, violations: &mut Violations) {
    if is_blank(email) && is_blank(username) {
        violations.field(
            "user.email",
            "blank",
            "You must specify either the user.email or user.username property.",
        );
        violations.field(
            "user.username",
            "blank",
            "You must specify either the user.email or user.username property.",
        );
        return;
    }
    if let Some(email) = email.filter(|e| !e.trim().is_empty())
        && !looks_like_email(email)
    {
        violations.field(
            "user.email",
            "notEmail",
            "The user.email property is not a valid email address.",
        );
    }
    if let Some(username) = username
        && username.chars().count() > 191
    {
        violations.field(
            "user.username",
            "tooLong",
            "The user.username property is too long.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules_count_characters() {
        let rules = PasswordRules::default();
        let mut v = Violations::new();
        rules.check("user.password", Some("short"), &mut v);
        assert_eq!(v.codes(), vec!["[tooShort]user.password"]);
        let mut v = Violations::new();
        rules.check("user.password", Some("ééééééééé"), &mut v);
        assert!(v.is_empty());
        let mut v = Violations::new();
        rules.check("user.password", Some(&"x".repeat(257)), &mut v);
        assert_eq!(v.codes(), vec!["[tooLong]user.password"]);
        let mut v = Violations::new();
        rules.check("user.password", None, &mut v);
        assert_eq!(v.codes(), vec!["[blank]user.password"]);
    }

    #[test]
    fn identity_needs_email_or_username() {
        let mut v = Violations::new();
        check_identity(None, Some(" "), &mut v);
        assert!(v.codes().contains(&"[blank]user.email"));
        let mut v = Violations::new();
        check_identity(Some("nope"), None, &mut v);
        assert_eq!(v.codes(), vec!["[notEmail]user.email"]);
        let mut v = Violations::new();
        check_identity(None, Some("neo"), &mut v);
        assert!(v.is_empty());
    }
}
