use std::io::Write;

use super::*;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).expect("create");
    file.write_all(text.as_bytes()).expect("write");
    path
}

#[test]
fn defaults_without_any_source() {
    let config = Config::load(&Sources::default()).expect("defaults");
    assert_eq!(config.server.listen.to_string(), "127.0.0.1:9011");
    assert_eq!(config.store.data_dir, PathBuf::from("./twofold-data"));
    assert_eq!(config.server.max_body_bytes, 1_048_576);
    assert_eq!(config.argon2_cost(), Argon2Cost::default());
    assert_eq!(
        config.master_key_path(),
        PathBuf::from("./twofold-data/master.key")
    );
}

#[test]
fn flag_beats_env_beats_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "twofold.toml",
        "[server]\nlisten = \"127.0.0.1:1000\"\nmax_body_bytes = 4096\n",
    );
    let sources = Sources {
        file: Some(file.clone()),
        env: env(&[("TWOFOLD_LISTEN", "127.0.0.1:2000")]),
        flags: vec![],
    };
    let config = Config::load(&sources).expect("load");
    assert_eq!(config.server.listen.port(), 2000);
    assert_eq!(config.server.max_body_bytes, 4096);

    let sources = Sources {
        file: Some(file),
        env: env(&[("TWOFOLD_LISTEN", "127.0.0.1:2000")]),
        flags: vec![(
            "server.listen".to_owned(),
            toml::Value::String("127.0.0.1:3000".to_owned()),
        )],
    };
    assert_eq!(
        Config::load(&sources).expect("load").server.listen.port(),
        3000
    );
}

#[test]
fn nested_env_keys_and_file_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = write_file(dir.path(), "issuer.txt", "example.org\n");
    let sources = Sources {
        file: None,
        env: env(&[
            ("TWOFOLD_SERVER__MAX_BODY_BYTES", "2048"),
            (
                "TWOFOLD_SECURITY__ISSUER_FILE",
                secret.to_str().expect("utf8"),
            ),
            (
                "TWOFOLD_SERVER__CORS_ALLOWED_ORIGINS",
                "[\"https://app.example.com\"]",
            ),
            ("UNRELATED", "x"),
        ]),
        flags: vec![],
    };
    let config = Config::load(&sources).expect("load");
    assert_eq!(config.server.max_body_bytes, 2048);
    assert_eq!(config.security.issuer, "example.org");
    assert_eq!(
        config.server.cors_allowed_origins,
        vec!["https://app.example.com"]
    );
}

#[test]
fn relative_paths_in_the_file_follow_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(
        dir.path(),
        "twofold.toml",
        "kickstart = \"kickstart.json\"\n[store]\ndata_dir = \"data\"\n",
    );
    let config = Config::load(&Sources {
        file: Some(file),
        ..Sources::default()
    })
    .expect("load");
    assert_eq!(config.store.data_dir, dir.path().join("data"));
    assert_eq!(config.kickstart, Some(dir.path().join("kickstart.json")));
}

#[track_caller]
fn fails_naming(text: &str, key: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_file(dir.path(), "bad.toml", text);
    let err = Config::load(&Sources {
        file: Some(file),
        ..Sources::default()
    })
    .expect_err("must fail");
    let message = err.to_string();
    assert!(message.contains(key), "{message:?} should name {key}");
}

#[test]
fn bad_values_name_their_key() {
    fails_naming("[server]\nlisten = \"not an address\"\n", "server.listen");
    fails_naming(
        "[server]\nmax_body_bytes = \"big\"\n",
        "server.max_body_bytes",
    );
    fails_naming("[server]\nmax_body_bytes = 10\n", "server.max_body_bytes");
    fails_naming("[server]\nlisten_typo = 1\n", "listen_typo");
    fails_naming(
        "[security]\njwt_algorithm = \"none\"\n",
        "security.jwt_algorithm",
    );
    fails_naming(
        "[security]\npassword_min_length = 0\n",
        "security.password_min_length",
    );
    fails_naming(
        "[server]\ncors_allowed_origins = [\"app.example.com\"]\n",
        "server.cors_allowed_origins",
    );
    fails_naming("[log]\nformat = \"xml\"\n", "log.format");
    fails_naming("[store]\nkind = \"mongo\"\n", "store.kind");
    fails_naming("[security]\nhash_nice = 20\n", "security.hash_nice");
    fails_naming("[security]\nhash_nice = -1\n", "security.hash_nice");
}

#[test]
fn a_missing_file_or_bad_toml_says_so() {
    let err = Config::load(&Sources {
        file: Some(PathBuf::from("/nonexistent/twofold.toml")),
        ..Sources::default()
    })
    .expect_err("missing");
    assert!(err.to_string().contains("/nonexistent/twofold.toml"));
    fails_naming("[server\n", "bad.toml");
}

#[test]
fn the_postgres_store_needs_a_url_which_never_prints() {
    let missing = Config::load(&Sources {
        env: env(&[("TWOFOLD_STORE__KIND", "postgres")]),
        ..Sources::default()
    });
    assert!(
        matches!(missing, Err(ConfigError::Invalid { ref key, .. }) if key == "store.url"),
        "{missing:?}"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let secret = write_file(
        dir.path(),
        "store_url",
        "postgres://twofold:hunter2@db.internal/twofold\n",
    );
    let config = Config::load(&Sources {
        env: env(&[
            ("TWOFOLD_STORE__KIND", "postgres"),
            ("TWOFOLD_STORE__URL_FILE", secret.to_str().expect("utf-8")),
            ("TWOFOLD_STORE__POOL_SIZE", "4"),
        ]),
        ..Sources::default()
    })
    .expect("valid");
    assert_eq!(config.store.kind, StoreKind::Postgres);
    assert_eq!(config.store.pool_size, 4);
    assert_eq!(config.store.connect_timeout_secs, 5);
    assert_eq!(
        config.store.url.as_ref().map(SecretString::expose),
        Some("postgres://twofold:hunter2@db.internal/twofold")
    );
    let printed = format!(
        "{config:?} {}",
        toml::to_string(&config).expect("serialises")
    );
    assert!(!printed.contains("hunter2"), "{printed}");
}

#[test]
fn store_pool_and_url_are_checked() {
    for (pairs, bad) in [
        (vec![("TWOFOLD_STORE__POOL_SIZE", "0")], "store.pool_size"),
        (
            vec![("TWOFOLD_STORE__CONNECT_TIMEOUT_SECS", "0")],
            "store.connect_timeout_secs",
        ),
        (
            vec![
                ("TWOFOLD_STORE__KIND", "postgres"),
                ("TWOFOLD_STORE__URL", "mysql://db/twofold"),
            ],
            "store.url",
        ),
    ] {
        let result = Config::load(&Sources {
            env: env(&pairs),
            ..Sources::default()
        });
        assert!(
            matches!(&result, Err(ConfigError::Invalid { key, .. }) if key == bad),
            "{bad}: {result:?}"
        );
    }
}

#[test]
fn the_master_key_file_alias_sets_the_path() {
    let config = Config::load(&Sources {
        env: env(&[("TWOFOLD_MASTER_KEY_FILE", "/etc/twofold/master.key")]),
        ..Sources::default()
    })
    .expect("valid");
    assert_eq!(
        config.master_key_path(),
        PathBuf::from("/etc/twofold/master.key")
    );
}

#[test]
fn store_cache_size_comes_from_the_environment_and_must_be_positive() {
    let config = Config::load(&Sources::default()).expect("defaults");
    assert_eq!(config.store.cache_mib, 64);
    let sources = Sources {
        env: env(&[("TWOFOLD_STORE__CACHE_MIB", "256")]),
        ..Sources::default()
    };
    assert_eq!(Config::load(&sources).expect("load").store.cache_mib, 256);
    let sources = Sources {
        env: env(&[("TWOFOLD_STORE__CACHE_MIB", "0")]),
        ..Sources::default()
    };
    let error = Config::load(&sources).expect_err("zero is refused");
    assert!(error.to_string().contains("store.cache_mib"), "{error}");
}
