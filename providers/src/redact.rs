//! Scrubbing of texts that come back from a provider before they reach an error, a log or a screen.
//!
//! A provider's error message may echo the destination number (Twilio's 21211 does), and a badly written
//! webhook receiver may echo the whole request, code included. [`Scrubber`] removes the message body, the
//! codes in it, the secrets it is given, and masks every phone-like digit run. It cannot know every secret a
//! server might echo; it covers what this crate sent.

use crate::Sms;

/// Removes what must never be shown from provider texts for one message.
pub(crate) struct Scrubber<'a> {
    body: &'a str,
    /// Digit runs of 4 or more in the body: most likely the code.
    body_codes: Vec<&'a str>,
    secrets: Vec<&'a str>,
}

impl<'a> Scrubber<'a> {
    pub(crate) fn new(sms: &'a Sms) -> Self {
        let body_codes = digit_runs(&sms.body).filter(|run| run.len() >= 4).collect();
        Scrubber {
            body: &sms.body,
            body_codes,
            secrets: Vec::new(),
        }
    }

    pub(crate) fn with_secret(mut self, secret: &'a str) -> Self {
        if !secret.is_empty() {
            self.secrets.push(secret);
        }
        self
    }

    pub(crate) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        if self.body.trim().chars().count() >= 4 {
            text = text.replace(self.body, "[message body]");
        }
        for secret in &self.secrets {
            text = text.replace(secret, "***");
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            out.push_str(&rest[..start]);
            let run_len = rest[start..]
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len() - start);
            let run = &rest[start..start + run_len];
            if run.len() >= 7 {
                // Phone-like: keep the last 4 digits, as `mask_phone` does.
                out.extend(std::iter::repeat_n('*', run.len() - 4));
                out.push_str(&run[run.len() - 4..]);
            } else if self.body_codes.contains(&run) {
                out.extend(std::iter::repeat_n('*', run.len()));
            } else {
                out.push_str(run);
            }
            rest = &rest[start + run_len..];
        }
        out.push_str(rest);
        out
    }
}

fn digit_runs(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
}

/// The start of a response body as text, for an error message: at most 200 characters, lossy UTF-8, control
/// characters turned into spaces, trimmed. Never panics, whatever the bytes.
pub(crate) fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if text.chars().nth(200).is_some() {
        out.push('…');
    }
    let trimmed = out.trim();
    if trimmed.is_empty() {
        "(empty body)".to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_numbers_body_codes_and_secrets() {
        let sms = Sms::new("+15005550001", "Your twofold code is 482913");
        let scrubber = Scrubber::new(&sms).with_secret("tok_abcdef");
        assert_eq!(
            scrubber.scrub("The 'To' number +15005550001 is not a valid phone number."),
            "The 'To' number +*******0001 is not a valid phone number."
        );
        assert_eq!(
            scrubber.scrub("got Your twofold code is 482913 from you"),
            "got [message body] from you"
        );
        assert_eq!(
            scrubber.scrub("code=482913&token=tok_abcdef&n=1600"),
            "code=******&token=***&n=1600"
        );
        assert_eq!(scrubber.scrub("To=%2B15005550001"), "To=%2B*******0001");
        assert_eq!(
            scrubber.scrub("see https://www.twilio.com/docs/errors/21211"),
            "see https://www.twilio.com/docs/errors/21211"
        );
    }

    #[test]
    fn snippet_is_bounded_and_printable() {
        assert_eq!(snippet(b""), "(empty body)");
        assert_eq!(
            snippet(b"  <h1>Bad\r\nGateway</h1>\n"),
            "<h1>Bad  Gateway</h1>"
        );
        let long = "x".repeat(500);
        let cut = snippet(long.as_bytes());
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
        assert_eq!(snippet(&[0xff, 0xfe, b'o', b'k']), "\u{fffd}\u{fffd}ok");
    }
}
