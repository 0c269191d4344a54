//! Tests of the SMS providers against Twilio stand-ins (strict in-process stand-in and Prism).
