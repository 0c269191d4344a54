//! Who may be sent an SMS, and how often: the country allow-list, line types that can take
//! SMS, per-user and per-number windows, and the node-wide hourly budget. Checked and
//! recorded in the same transaction as the send it allows, so concurrent requests cannot
//! both squeeze through the last slot.

use std::time::Duration;

use crate::domain::ids::UserId;
use crate::domain::phone::{self, E164};
use crate::domain::send_log::SendLog;
use crate::domain::tenant::SmsPolicy;
use crate::domain::time::Timestamp;
use crate::domain::{DomainError, DomainResult};
use crate::store::WriteTxn;

/// The shortest gap between two SMS to one user or one number.
pub const MIN_GAP: Duration = Duration::from_secs(30);
const WINDOW_15_MIN: Duration = Duration::from_secs(15 * 60);
const WINDOW_DAY: Duration = Duration::from_secs(24 * 3600);
const WINDOW_HOUR: Duration = Duration::from_secs(3600);

/// Why an SMS may not go out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The number's country is not on the allow-list.
    CountryNotAllowed { region: String },
    /// Premium-rate, toll-free, fixed-line or VoIP numbers cannot take codes.
    NotMobile,
    /// Too many sends to this user or number.
    RateLimited { retry_after: Duration },
    /// The node's hourly SMS budget is spent.
    BudgetExhausted { retry_after: Duration },
}

impl Refusal {
    /// The reason code shown in a 242 `codeSentReason` and in general errors.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::CountryNotAllowed { .. } => "[CountryNotAllowed]",
            Refusal::NotMobile => "[NotMobile]",
            Refusal::RateLimited { .. } => "[RateLimited]",
            Refusal::BudgetExhausted { .. } => "[BudgetExhausted]",
        }
    }

    /// When trying again can help: after this wait.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Refusal::RateLimited { retry_after } | Refusal::BudgetExhausted { retry_after } => {
                Some(*retry_after)
            }
            Refusal::CountryNotAllowed { .. } | Refusal::NotMobile => None,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::CountryNotAllowed { region } => format!(
                "SMS to numbers in region {region} are not allowed; an administrator can add it to the tenant's SMS country allow-list."
            ),
            Refusal::NotMobile => "This number cannot receive SMS codes (premium-rate, toll-free, fixed-line or VoIP).".to_owned(),
            Refusal::RateLimited { retry_after } => {
                format!("Too many codes were sent; try again in {} s.", retry_after.as_secs().max(1))
            }
            Refusal::BudgetExhausted { retry_after } => format!(
                "The SMS budget for this hour is spent; try again in {} s.",
                retry_after.as_secs().max(1)
            ),
        }
    }

    /// The API error for a refusal of an explicit send request.
    pub fn into_error(self, field: &str) -> DomainError {
        match self {
            Refusal::RateLimited { retry_after } | Refusal::BudgetExhausted { retry_after } => {
                DomainError::RateLimited { retry_after }
            }
            Refusal::CountryNotAllowed { .. } => {
                DomainError::validation(field, "CountryNotAllowed", self.message())
            }
            Refusal::NotMobile => DomainError::validation(field, "notMobile", self.message()),
        }
    }
}

/// Checks the number itself: country and line type. Pure.
pub fn check_destination(policy: &SmsPolicy, number: &E164) -> Result<(), Refusal> {
    let region = number.region.clone().unwrap_or_else(|| "??".to_owned());
    if !policy.allows_country(&region) {
        return Err(Refusal::CountryNotAllowed { region });
    }
    if !number.kind.accepts_sms() {
        return Err(Refusal::NotMobile);
    }
    Ok(())
}

fn check_window(log: &SendLog, policy: &SmsPolicy, now: Timestamp) -> Result<(), Refusal> {
    if let Some(last) = log.last() {
        let since = now.since(last);
        if since < MIN_GAP {
            return Err(Refusal::RateLimited {
                retry_after: MIN_GAP - since,
            });
        }
    }
    for (window, max) in [
        (WINDOW_15_MIN, policy.max_per_15_minutes),
        (WINDOW_DAY, policy.max_per_day),
    ] {
        if log.count_within(window, now) >= max as usize {
            let free = log.frees_up_at(window, now).unwrap_or(now);
            return Err(Refusal::RateLimited {
                retry_after: now.until(free).max(Duration::from_secs(1)),
            });
        }
    }
    Ok(())
}

fn global_key(now: Timestamp) -> &'static str {
    let _ = now;
    "sms:global"
}

/// The node-wide hourly SMS budget: `(sent in the last hour, budget)`, for metrics.
pub fn hourly_budget(
    tx: &dyn crate::store::ReadTxn,
    now: Timestamp,
) -> Result<(usize, u32), crate::store::StoreError> {
    let budget = tx.tenant()?.map_or_else(
        || SmsPolicy::default().max_per_hour_global,
        |t| t.sms.max_per_hour_global,
    );
    let used = tx.send_log(global_key(now))?.count_within(WINDOW_HOUR, now);
    Ok((used, budget))
}

/// Checks every limit for an SMS to `number` on behalf of `user` and, when it may go, records
/// it. `Ok(Err(refusal))` leaves the logs as they were.
pub fn reserve(
    tx: &mut dyn WriteTxn,
    policy: &SmsPolicy,
    user: UserId,
    number: &str,
    now: Timestamp,
) -> DomainResult<Result<(), Refusal>> {
    let parsed = match phone::parse(number, None) {
        Ok(parsed) => parsed,
        Err(_) => return Ok(Err(Refusal::NotMobile)),
    };
    if let Err(refusal) = check_destination(policy, &parsed) {
        return Ok(Err(refusal));
    }
    let user_key = format!("sms:user:{user}");
    let phone_key = format!("sms:phone:{}", parsed.number);
    let mut user_log = tx.send_log(&user_key)?;
    let mut phone_log = tx.send_log(&phone_key)?;
    for log in [&user_log, &phone_log] {
        if let Err(refusal) = check_window(log, policy, now) {
            return Ok(Err(refusal));
        }
    }
    let mut global = tx.send_log(global_key(now))?;
    let used = global.count_within(WINDOW_HOUR, now);
    if used >= policy.max_per_hour_global as usize {
        let free = global.frees_up_at(WINDOW_HOUR, now).unwrap_or(now);
        return Ok(Err(Refusal::BudgetExhausted {
            retry_after: now.until(free).max(Duration::from_secs(1)),
        }));
    }
    if (used + 1) * 5 >= policy.max_per_hour_global as usize * 4 {
        tracing::warn!(
            used = used + 1,
            budget = policy.max_per_hour_global,
            "80 % or more of the hourly SMS budget is used"
        );
    }
    user_log.record(now);
    phone_log.record(now);
    // The node-wide log only needs counts over the last hour: per-minute counts keep it small.
    global.record_counted(now, WINDOW_HOUR);
    tx.put_send_log(&user_key, &user_log)?;
    tx.put_send_log(&phone_key, &phone_log)?;
    tx.put_send_log(global_key(now), &global)?;
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> E164 {
        phone::parse(text, None).expect("valid")
    }

    #[test]
    fn allow_list_and_line_types() {
        let policy = SmsPolicy::default();
        assert!(check_destination(&policy, &number("+12025550143")).is_ok());
        assert_eq!(
            check_destination(&policy, &number("+447400123456")),
            Err(Refusal::CountryNotAllowed {
                region: "GB".to_owned()
            })
        );
        let everywhere = SmsPolicy {
            allowed_countries: vec!["*".to_owned()],
            ..SmsPolicy::default()
        };
        assert!(check_destination(&everywhere, &number("+447400123456")).is_ok());
        assert_eq!(
            check_destination(&everywhere, &number("+449098765432")),
            Err(Refusal::NotMobile)
        );
    }

    #[test]
    fn windows_refuse_with_the_wait() {
        let policy = SmsPolicy::default();
        let t = |s: i64| Timestamp::from_millis(s * 1000);
        let mut log = SendLog::default();
        log.record(t(0));
        assert_eq!(
            check_window(&log, &policy, t(10)),
            Err(Refusal::RateLimited {
                retry_after: Duration::from_secs(20)
            })
        );
        for s in [40, 80, 120, 160] {
            log.record(t(s));
        }
        assert_eq!(
            check_window(&log, &policy, t(200)),
            Err(Refusal::RateLimited {
                retry_after: Duration::from_secs(700)
            })
        );
        assert!(check_window(&log, &policy, t(901)).is_ok());
    }
}
