//! A strict in-process Twilio stand-in (to be written).
