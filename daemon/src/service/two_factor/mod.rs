//! Two-factor use cases: the login challenge ([`challenge`]: start, send, complete) and
//! managing methods outside a login ([`enrol`]: enrolment codes, enable, disable, recovery
//! codes).

pub mod challenge;
pub mod codes;
pub mod enrol;
pub mod totp;
