//! Test harness shared by the end-to-end tests in `tests/it`: [`harness::TestDaemon`] (the
//! real daemon in-process) and [`twilio_standin`] (a strict local Twilio).

pub mod harness;
pub mod postgres;
pub mod twilio_standin;
