//! The result: every figure beside its target in a table, then one JSON line with exactly
//! the issue's keys (figures a mode cannot measure are `null`).

use serde_json::{Map, Value, json};

/// Every figure of one run.
#[derive(Clone, Debug, Default)]
pub struct Figures {
    pub hash_bound_per_s: Option<f64>,
    /// One hash on an idle core, ms (for the password-step target).
    pub one_hash_ms: Option<f64>,
    pub login_full_per_s: Option<f64>,
    pub password_step_p50_ms: Option<f64>,
    pub password_step_p99_ms: Option<f64>,
    pub code_verify_per_s: Option<f64>,
    pub code_verify_p99_ms: Option<f64>,
    pub rss_idle_mb: Option<f64>,
    pub rss_peak_mb: Option<f64>,
    pub hash_pool_size: Option<usize>,
    /// The Argon2 memory cost in MiB (for the peak-memory target).
    pub m_cost_mib: f64,
    pub overload_shed_ms: Option<f64>,
    pub code_verify_p99_ms_under_overload: Option<f64>,
    pub startup_ms_empty: Option<f64>,
    pub startup_ms_100k: Option<f64>,
    pub store_bytes_per_user: Option<f64>,
    pub commit: String,
}

impl Figures {
    pub fn login_ratio(&self) -> Option<f64> {
        Some(self.login_full_per_s? / self.hash_bound_per_s?)
    }

    fn peak_allowed(&self) -> Option<f64> {
        Some(self.rss_idle_mb? + self.hash_pool_size? as f64 * self.m_cost_mib + 32.0)
    }

    /// `(key, value, target text, met)` in the issue's order.
    pub fn rows(&self) -> Vec<(&'static str, Option<f64>, String, Option<bool>)> {
        let at_most = |v: Option<f64>, max: Option<f64>| Some(v? <= max?);
        let at_least = |v: Option<f64>, min: f64| Some(v? >= min);
        let three_hashes = self.one_hash_ms.map(|h| 3.0 * h);
        vec![
            (
                "hash_bound_per_s",
                self.hash_bound_per_s,
                "B (the bound)".to_owned(),
                None,
            ),
            (
                "login_full_per_s",
                self.login_full_per_s,
                "-".to_owned(),
                None,
            ),
            (
                "login_ratio",
                self.login_ratio(),
                ">= 0.90".to_owned(),
                at_least(self.login_ratio(), 0.90),
            ),
            (
                "password_step_p50_ms",
                self.password_step_p50_ms,
                "- (at 0.8 B)".to_owned(),
                None,
            ),
            (
                "password_step_p99_ms",
                self.password_step_p99_ms,
                format!("<= 3 x one hash = {}", fmt(three_hashes)),
                at_most(self.password_step_p99_ms, three_hashes),
            ),
            (
                "code_verify_per_s",
                self.code_verify_per_s,
                ">= 5000".to_owned(),
                at_least(self.code_verify_per_s, 5000.0),
            ),
            (
                "code_verify_p99_ms",
                self.code_verify_p99_ms,
                "<= 5".to_owned(),
                at_most(self.code_verify_p99_ms, Some(5.0)),
            ),
            (
                "rss_idle_mb",
                self.rss_idle_mb,
                "<= 20".to_owned(),
                at_most(self.rss_idle_mb, Some(20.0)),
            ),
            (
                "rss_peak_mb",
                self.rss_peak_mb,
                format!(
                    "<= idle + pool x m_cost + 32 = {}",
                    fmt(self.peak_allowed())
                ),
                at_most(self.rss_peak_mb, self.peak_allowed()),
            ),
            (
                "hash_pool_size",
                self.hash_pool_size.map(|n| n as f64),
                "-".to_owned(),
                None,
            ),
            (
                "overload_shed_ms",
                self.overload_shed_ms,
                "<= 10 (p99 of refusals)".to_owned(),
                at_most(self.overload_shed_ms, Some(10.0)),
            ),
            (
                "code_verify_p99_ms_under_overload",
                self.code_verify_p99_ms_under_overload,
                "<= 20".to_owned(),
                at_most(self.code_verify_p99_ms_under_overload, Some(20.0)),
            ),
            (
                "startup_ms_empty",
                self.startup_ms_empty,
                "<= 100".to_owned(),
                at_most(self.startup_ms_empty, Some(100.0)),
            ),
            (
                "startup_ms_100k",
                self.startup_ms_100k,
                "<= 1000".to_owned(),
                at_most(self.startup_ms_100k, Some(1000.0)),
            ),
            (
                "store_bytes_per_user",
                self.store_bytes_per_user,
                "-".to_owned(),
                None,
            ),
        ]
    }

    pub fn table(&self) -> String {
        let mut out = format!(
            "{:<36} {:>12}  {:<44} {}\n",
            "figure", "value", "target", "met"
        );
        for (key, value, target, met) in self.rows() {
            if key == "hash_pool_size" {
                let size = self
                    .hash_pool_size
                    .map_or_else(|| "n/a".to_owned(), |n| n.to_string());
                out.push_str(&format!("{key:<36} {size:>12}  {target:<44}\n"));
                continue;
            }
            let met = match (met, value) {
                (Some(true), _) => "yes",
                (Some(false), _) => "NO",
                (None, None) if target != "-" => "not measured",
                (None, _) => "",
            };
            out.push_str(&format!(
                "{key:<36} {:>12}  {target:<44} {met}\n",
                fmt(value)
            ));
        }
        out
    }

    pub fn json(&self) -> Value {
        let mut map = Map::new();
        for (key, value, _, _) in self.rows() {
            let value = match (key, value) {
                ("hash_pool_size", Some(v)) => json!(v as u64),
                (_, Some(v)) if v.is_finite() => json!((v * 1000.0).round() / 1000.0),
                _ => Value::Null,
            };
            map.insert(key.to_owned(), value);
        }
        map.insert("commit".to_owned(), json!(self.commit));
        Value::Object(map)
    }
}

fn fmt(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() && v.abs() >= 100.0 => format!("{v:.0}"),
        Some(v) if v.is_finite() => format!("{v:.2}"),
        _ => "n/a".to_owned(),
    }
}

/// `git rev-parse --short HEAD`, or `unknown`.
pub fn commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |s| s.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_has_exactly_the_issue_keys() {
        let figures = Figures {
            hash_bound_per_s: Some(100.0),
            login_full_per_s: Some(95.0),
            hash_pool_size: Some(2),
            commit: "abc1234".to_owned(),
            ..Figures::default()
        };
        let json = figures.json();
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "hash_bound_per_s",
            "login_full_per_s",
            "login_ratio",
            "password_step_p50_ms",
            "password_step_p99_ms",
            "code_verify_per_s",
            "code_verify_p99_ms",
            "rss_idle_mb",
            "rss_peak_mb",
            "hash_pool_size",
            "overload_shed_ms",
            "code_verify_p99_ms_under_overload",
            "startup_ms_empty",
            "startup_ms_100k",
            "store_bytes_per_user",
            "commit",
        ];
        let mut got = keys.clone();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected);
        assert_eq!(json["login_ratio"], json!(0.95));
        assert_eq!(json["hash_pool_size"], json!(2));
        assert_eq!(json["rss_idle_mb"], Value::Null);
    }
}
