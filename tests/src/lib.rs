//! Test harness shared by the end-to-end tests in `tests/it`: [`harness::TestDaemon`] (the
//! real daemon in-process), [`twilio_standin`] (a strict local Twilio), and [`loadgen`], the
//! benchmark of `docs/BENCHMARKS.md` (binary `loadgen`).

pub mod harness;
pub mod loadgen;
pub mod postgres;
pub mod twilio_standin;
