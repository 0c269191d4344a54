//! Phone numbers: parsing to E.164 with libphonenumber's data (the `phonenumber` crate),
//! the region a number belongs to, whether it can take SMS, and masking for display.

use phonenumber::{Mode, PhoneNumber, country};

/// A number normalised to E.164 (`+15551234567`), with what we learned about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct E164 {
    pub number: String,
    /// ISO 3166 region, e.g. `US`, when the metadata knows it.
    pub region: Option<String>,
    pub kind: NumberKind,
}

/// What libphonenumber can tell about a number's line type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    Mobile,
    /// Numbering plans (e.g. North America) that do not tell mobile from fixed lines.
    MobileOrFixed,
    FixedLine,
    PremiumRate,
    TollFree,
    SharedCost,
    Voip,
    Other,
}

impl NumberKind {
    /// Whether an SMS code may be sent to this kind of line.
    pub fn accepts_sms(self) -> bool {
        matches!(self, NumberKind::Mobile | NumberKind::MobileOrFixed)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not a phone number")]
    Unparseable,
    #[error("not a valid number for its region")]
    Invalid,
}

/// Parses `input` (E.164, or national format for `default_region`) and validates it.
pub fn parse(input: &str, default_region: Option<&str>) -> Result<E164, PhoneError> {
    let trimmed = input.trim();
    if trimmed.is_empty() || trimmed.len() > 32 {
        return Err(PhoneError::Unparseable);
    }
    let region = default_region.and_then(|r| r.to_ascii_uppercase().parse::<country::Id>().ok());
    let number: PhoneNumber =
        phonenumber::parse(region, trimmed).map_err(|_| PhoneError::Unparseable)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::Invalid);
    }
    let kind = classify(&number);
    Ok(E164 {
        number: number.format().mode(Mode::E164).to_string(),
        region: number.country().id().map(|id| format!("{id:?}")),
        kind,
    })
}

fn classify(number: &PhoneNumber) -> NumberKind {
    use phonenumber::Type;
    match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile => NumberKind::Mobile,
        Type::FixedLineOrMobile => NumberKind::MobileOrFixed,
        Type::FixedLine => NumberKind::FixedLine,
        Type::PremiumRate => NumberKind::PremiumRate,
        Type::TollFree => NumberKind::TollFree,
        Type::SharedCost => NumberKind::SharedCost,
        Type::Voip => NumberKind::Voip,
        _ => NumberKind::Other,
    }
}

/// Masks all digits but the last four: `+15551234567` → `+1*******4567`. The country
/// calling code's first digit stays so the user recognises which phone it is.
pub fn mask(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    if digits.len() <= 4 {
        return "*".repeat(digits.len());
    }
    let keep_tail = 4;
    let mut out = String::from("+");
    for (i, d) in digits.iter().enumerate() {
        if i == 0 || i >= digits.len() - keep_tail {
            out.push(*d);
        } else {
            out.push('*');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_e164() {
        let n = parse("+1 (202) 555-0143", None).expect("valid");
        assert_eq!(n.number, "+12025550143");
        assert_eq!(n.region.as_deref(), Some("US"));
        let national = parse("(202) 555-0143", Some("us")).expect("valid");
        assert_eq!(national.number, "+12025550143");
        let uk_mobile = parse("+44 7400 123456", None).expect("valid");
        assert_eq!(uk_mobile.kind, NumberKind::Mobile);
        assert_eq!(uk_mobile.region.as_deref(), Some("GB"));
    }

    #[test]
    fn rejects_garbage_and_invalid_numbers() {
        assert_eq!(parse("hello", None), Err(PhoneError::Unparseable));
        assert_eq!(parse("", None), Err(PhoneError::Unparseable));
        assert!(parse("+1 555", None).is_err());
        assert!(parse("+999 123456", None).is_err());
    }

    #[test]
    fn premium_numbers_are_not_sms_targets() {
        let premium = parse("+44 909 876 5432", None).expect("valid UK premium number");
        assert_eq!(premium.kind, NumberKind::PremiumRate);
        assert!(!premium.kind.accepts_sms());
    }

    #[test]
    fn masks_all_but_the_last_four() {
        assert_eq!(mask("+12025550143"), "+1******0143");
        assert_eq!(mask("+123"), "***");
    }
}
