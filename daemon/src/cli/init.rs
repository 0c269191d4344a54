//! `twofoldd init --dir D`: writes a commented `D/twofold.toml` (data in `D/data`, listening
//! on 127.0.0.1:9011) and `D/kickstart.json` with a freshly generated API key, and says what
//! it did. It never overwrites: when either file exists it changes nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

#[derive(clap::Args, Debug)]
pub struct InitArgs {
    /// Folder for the configuration, the kickstart file and (in `data/`) the store.
    #[arg(long)]
    dir: PathBuf,
}

const CONFIG_FILE: &str = "twofold.toml";
const KICKSTART_FILE: &str = "kickstart.json";

fn config_text() -> String {
    "# twofoldd configuration, written by `twofoldd init`.\n\
     # Every key, its environment variable and its default: docs/CONFIGURATION.md.\n\
     # Relative paths are relative to this file's folder.\n\
     # Check it with: twofoldd check-config --config <this file>\n\
     \n\
     # Applied once, to an empty store: creates the API key below. After the first start\n\
     # the key lives (hashed) in the store; keep the file somewhere safe or delete it.\n\
     kickstart = \"kickstart.json\"\n\
     \n\
     [server]\n\
     listen = \"127.0.0.1:9011\"\n\
     # Seconds in-flight requests may take to finish on SIGTERM.\n\
     # shutdown_grace_secs = 10\n\
     # Browser origins allowed to call the API (reloaded on SIGHUP).\n\
     # cors_allowed_origins = [\"https://app.example.com\"]\n\
     # Reverse proxies whose X-Forwarded-For is believed.\n\
     # trusted_proxies = [\"127.0.0.1\"]\n\
     \n\
     [store]\n\
     # Holds the database and the master key (master.key): back the key up separately.\n\
     data_dir = \"data\"\n\
     \n\
     [log]\n\
     # A tracing filter such as \"info\" or \"info,daemon=debug\" (reloaded on SIGHUP).\n\
     level = \"info\"\n\
     # auto: human-readable on a terminal, JSON lines otherwise.\n\
     format = \"auto\"\n"
        .to_owned()
}

fn kickstart_text(api_key: &str) -> anyhow::Result<String> {
    let document = serde_json::json!({
        "apiKeys": [{ "key": api_key, "description": "created by twofoldd init" }],
        "requests": [],
    });
    Ok(serde_json::to_string_pretty(&document)? + "\n")
}

/// Creates `path`, which must not exist, with `mode`.
fn write_new(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(())
}

pub fn run(args: &InitArgs) -> anyhow::Result<()> {
    let config = args.dir.join(CONFIG_FILE);
    let kickstart = args.dir.join(KICKSTART_FILE);
    for path in [&config, &kickstart] {
        if path.exists() {
            anyhow::bail!(
                "{} already exists; init never overwrites (nothing was changed)",
                path.display()
            );
        }
    }
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let api_key = crate::crypto::random::token::<32>()?;
    write_new(&kickstart, &kickstart_text(&api_key)?, 0o600)?;
    // No secrets in it: readable by the service's (possibly dynamic) user.
    if let Err(e) = write_new(&config, &config_text(), 0o644) {
        let _ = std::fs::remove_file(&kickstart);
        return Err(e);
    }
    println!("wrote {}", config.display());
    println!(
        "wrote {} (an API key for the first start; mode 0600)",
        kickstart.display()
    );
    println!(
        "data will go to {} (created on the first start)",
        args.dir.join("data").display()
    );
    println!("start with: twofoldd serve --config {}", config.display());
    Ok(())
}
