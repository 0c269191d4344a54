//! Command-line arguments (`clap`, each with an environment variable) and how they become the
//! app's [`Config`]. Parsing only: nothing here touches the network or the terminal.

use clap::Parser;

use crate::app::Config;

/// twofold: the terminal client for twofoldd (sign in with SMS two-factor, set up Twilio,
/// register accounts).
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "twofold", version)]
pub struct Args {
    /// Base URL of the twofoldd daemon.
    #[arg(long, env = "TWOFOLD_URL", default_value = "http://127.0.0.1:9011")]
    pub url: String,
    /// Application to sign in to (sent as applicationId; needed for refresh tokens and to register).
    #[arg(long, env = "TWOFOLD_APPLICATION_ID")]
    pub application_id: Option<String>,
    /// API key, sent as the raw Authorization header on keyed calls (login, Twilio setup,
    /// registration).
    #[arg(long, env = "TWOFOLD_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Offline demo: start a daemon inside twofold (temporary data, console SMS provider, a demo
    /// user whose codes appear on the Phone panel) and connect to it. --url, --application-id and
    /// --api-key are ignored. Quitting removes the temporary data.
    #[arg(long)]
    pub demo: bool,
}

impl Args {
    /// The app's configuration. The API key itself stays with the HTTP client; the app only
    /// learns whether there is one.
    pub fn config(&self) -> Config {
        Config {
            url: self.url.trim().trim_end_matches('/').to_owned(),
            application_id: self.application_id.clone().filter(|id| !id.is_empty()),
            has_api_key: self.api_key.as_deref().is_some_and(|key| !key.is_empty()),
            outbox: None,
            demo: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_config() {
        let args = Args::try_parse_from([
            "twofold",
            "--url",
            "http://127.0.0.1:1/",
            "--application-id",
            "app-1",
            "--api-key",
            "k",
        ]);
        let config = args.map(|a| a.config()).ok();
        assert_eq!(
            config,
            Some(Config {
                url: "http://127.0.0.1:1".into(),
                application_id: Some("app-1".into()),
                has_api_key: true,
                outbox: None,
                demo: None,
            })
        );
    }

    #[test]
    fn demo_is_a_plain_flag() {
        let args = Args::try_parse_from(["twofold", "--demo"]).ok();
        assert_eq!(args.map(|a| a.demo), Some(true));
    }
}
