//! Validation failures in FusionAuth's vocabulary: a field path (`user.email`) and a code
//! (`[blank]user.email`). The HTTP layer turns [`Violations`] into the `fieldErrors` /
//! `generalErrors` JSON body; nothing here knows about JSON.

use std::collections::BTreeMap;

/// One problem with a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub code: String,
    pub message: String,
    /// Extra machine-readable details (e.g. a provider's error code), rendered as `data`.
    pub data: Vec<(String, String)>,
}

/// Every problem found with one request, by field, plus general ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations {
    pub fields: BTreeMap<String, Vec<Violation>>,
    pub general: Vec<Violation>,
}

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `[kind]field` with a message.
    pub fn field(&mut self, field: &str, kind: &str, message: impl Into<String>) -> &mut Self {
        self.fields
            .entry(field.to_owned())
            .or_default()
            .push(Violation {
                code: format!("[{kind}]{field}"),
                message: message.into(),
                data: Vec::new(),
            });
        self
    }

    /// Adds a general error with a full code such as `[TooManySends]`.
    pub fn general(&mut self, code: impl Into<String>, message: impl Into<String>) -> &mut Self {
        self.general.push(Violation {
            code: code.into(),
            message: message.into(),
            data: Vec::new(),
        });
        self
    }

    pub fn general_with_data(
        &mut self,
        code: impl Into<String>,
        message: impl Into<String>,
        data: Vec<(String, String)>,
    ) -> &mut Self {
        self.general.push(Violation {
            code: code.into(),
            message: message.into(),
            data,
        });
        self
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_empty()
    }

    /// `Ok(())` when nothing was found, else the violations as an error.
    pub fn into_result(self) -> Result<(), Violations> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }

    /// A single field violation, for the common one-problem case.
    pub fn one(field: &str, kind: &str, message: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.field(field, kind, message);
        v
    }

    /// A single general violation.
    pub fn one_general(code: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.general(code, message);
        v
    }

    /// The codes, flattened, for tests and logs.
    pub fn codes(&self) -> Vec<&str> {
        self.fields
            .values()
            .flatten()
            .chain(self.general.iter())
            .map(|v| v.code.as_str())
            .collect()
    }
}

/// True when a string has no visible content (FusionAuth's `[blank]`).
pub fn is_blank(value: Option<&str>) -> bool {
    value.is_none_or(|v| v.trim().is_empty())
}

/// A deliberately plain e-mail check: one `@`, something on both sides, a dot in the domain,
/// no spaces. Deliverability is the mail system's business, not ours.
pub fn looks_like_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
        && value.len() <= 254
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_fusionauth_shape() {
        let mut v = Violations::new();
        v.field("user.email", "blank", "required");
        v.general("[TooManySends]", "stop");
        assert_eq!(v.codes(), vec!["[blank]user.email", "[TooManySends]"]);
        assert!(v.clone().into_result().is_err());
        assert!(Violations::new().into_result().is_ok());
    }

    #[test]
    fn email_check_is_plain() {
        assert!(looks_like_email("a@b.co"));
        assert!(!looks_like_email("a@b"));
        assert!(!looks_like_email("a b@c.de"));
        assert!(!looks_like_email("@c.de"));
        assert!(!looks_like_email("a@@c.de"));
        assert!(is_blank(Some("  ")));
        assert!(is_blank(None));
        assert!(!is_blank(Some("x")));
    }
}
