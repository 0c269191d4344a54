//! The load generator behind `docs/BENCHMARKS.md`: runs the release `twofoldd` as child
//! processes on fresh temporary stores with the console SMS provider, drives it over
//! loopback HTTP, and prints every figure of issue 6 beside its target, then one JSON line.
//!
//! Phases, in order: the raw Argon2 bound B (in-process, the daemon's hashing code); start-up
//! on an empty store; idle memory; users created through the API; full two-step logins with
//! enough clients to saturate; B again (B is the mean of the two windows around the logins);
//! password steps at 0.8 B; a burst of 200 simultaneous logins
//! (peak memory); 2 B of password logins with code checks and status polls alongside; code
//! verification alone on a second daemon whose users have cheap password hashes (so tens of
//! thousands of challenges can be prepared in seconds; verification never hashes a
//! password); start-up with 100 000 users written straight into a store.
//!
//! It is bounded in count and time, talks to loopback only, and does not tune the daemon:
//! apart from cheap hashing on the code-verification daemon and `--quick`, the daemons run
//! with the default configuration (per-client request limits off, SMS budget raised through
//! the API, since one loopback client would otherwise hit them).

pub mod binary;
pub mod client;
pub mod code_verify;
pub mod hash_bound;
pub mod login;
pub mod node;
pub mod outbox;
pub mod overload;
pub mod report;
pub mod seed;
pub mod users;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use daemon::crypto::password::Argon2Cost;

use login::{Prepared, Target, percentile, percentile_ms};
use node::{Node, NodeSpec};
use report::Figures;
use users::UserPool;

/// Command-line options.
#[derive(Clone, Debug, Default, clap::Parser)]
#[command(
    name = "loadgen",
    about = "Benchmarks twofoldd (see docs/BENCHMARKS.md)"
)]
pub struct Args {
    /// Tiny counts and cheap hashing: checks that every phase runs, in seconds.
    #[arg(long)]
    pub quick: bool,
    /// The twofoldd binary (default: target/release/twofoldd, built first).
    #[arg(long)]
    pub twofoldd: Option<PathBuf>,
    /// Use the twofoldd binary as it is; do not run cargo build.
    #[arg(long)]
    pub no_build: bool,
    /// Daemon processes to spread the load over (round robin).
    #[arg(long, default_value_t = 1)]
    pub nodes: usize,
    /// A PostgreSQL URL: the nodes share this store instead of redb. It must name a throwaway
    /// database: every phase empties it first.
    #[arg(long)]
    pub store_url: Option<String>,
}

/// Counts and durations of one run.
struct Plan {
    cost: Argon2Cost,
    hash_time: Duration,
    full_time: Duration,
    p80_time: Duration,
    burst: usize,
    overload_time: Duration,
    verify_users: usize,
    big_store_users: usize,
    startups: usize,
    /// Most users the main daemon gets (phases end early when they are all resting).
    max_users: usize,
    /// Cap on offered rates (quick mode's cheap hashing makes B meaningless).
    max_rate: f64,
    /// Most full logins (quick mode leaves users for the later phases).
    max_full_logins: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Plan {
                cost: Argon2Cost {
                    memory_kib: 256,
                    iterations: 1,
                    parallelism: 1,
                },
                hash_time: Duration::from_millis(200),
                full_time: Duration::from_millis(500),
                p80_time: Duration::from_millis(500),
                burst: 20,
                overload_time: Duration::from_millis(300),
                verify_users: 40,
                big_store_users: 1_000,
                startups: 1,
                max_users: 200,
                max_rate: 100.0,
                max_full_logins: 50,
            }
        } else {
            Plan {
                cost: Argon2Cost::default(),
                hash_time: Duration::from_secs(3),
                full_time: Duration::from_secs(10),
                p80_time: Duration::from_secs(8),
                burst: 200,
                overload_time: Duration::from_secs(5),
                verify_users: 10_000,
                big_store_users: 100_000,
                startups: 3,
                max_users: 20_000,
                max_rate: f64::INFINITY,
                max_full_logins: usize::MAX,
            }
        }
    }
}

/// Each cluster starts on a fresh store, as on redb: the benchmark database is emptied (the
/// `--store-url` database must be a throwaway one; the help says so).
async fn empty_database(url: &str) -> anyhow::Result<()> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    let connection = tokio::spawn(connection);
    client
        .batch_execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        .await?;
    drop(client);
    let _ = connection.await;
    Ok(())
}

/// A set of nodes sharing one store (one node for redb).
struct Cluster {
    nodes: Vec<Node>,
    outbox: PathBuf,
}

impl Cluster {
    async fn start(
        binary: &Path,
        dir: &Path,
        args: &Args,
        kickstart: Option<PathBuf>,
        extra: &[(String, String)],
    ) -> anyhow::Result<Cluster> {
        // One outbox and one master key for all nodes (in a file: `*_FILE` variables name
        // files holding a value, not paths).
        let outbox = dir.join("outbox.jsonl");
        let config = dir.join("twofold.toml");
        let shared = toml_table(&[
            ("sms", "outbox", &outbox),
            ("security", "master_key_file", &dir.join("master.key")),
        ]);
        std::fs::write(&config, shared)?;
        let mut env = vec![("TWOFOLD_CONFIG".to_owned(), config.display().to_string())];
        if let Some(url) = &args.store_url {
            empty_database(url).await?;
            env.push(("TWOFOLD_STORE__KIND".to_owned(), "postgres".to_owned()));
            env.push(("TWOFOLD_STORE__URL".to_owned(), url.clone()));
        }
        env.extend_from_slice(extra);
        let mut nodes = Vec::new();
        for i in 0..args.nodes.max(1) {
            let spec = NodeSpec {
                binary: binary.to_owned(),
                data_dir: dir.join(format!("node{i}")),
                kickstart: kickstart.clone(),
                env: env.clone(),
            };
            nodes.push(Node::start(&spec).await?);
        }
        Ok(Cluster { nodes, outbox })
    }

    fn addrs(&self) -> Vec<SocketAddr> {
        self.nodes.iter().map(|n| n.addr).collect()
    }

    async fn stop(self) -> anyhow::Result<()> {
        for node in self.nodes {
            node.stop().await?;
        }
        Ok(())
    }
}

fn toml_table(entries: &[(&str, &str, &Path)]) -> String {
    let mut table = toml::Table::new();
    for (section, key, path) in entries {
        let inner = table
            .entry((*section).to_owned())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let toml::Value::Table(inner) = inner {
            inner.insert(
                (*key).to_owned(),
                toml::Value::String(path.display().to_string()),
            );
        }
    }
    table.to_string()
}

fn cost_env(cost: Argon2Cost) -> Vec<(String, String)> {
    vec![
        (
            "TWOFOLD_SECURITY__ARGON2_MEMORY_KIB".to_owned(),
            cost.memory_kib.to_string(),
        ),
        (
            "TWOFOLD_SECURITY__ARGON2_ITERATIONS".to_owned(),
            cost.iterations.to_string(),
        ),
        (
            "TWOFOLD_SECURITY__ARGON2_PARALLELISM".to_owned(),
            cost.parallelism.to_string(),
        ),
    ]
}

fn say(line: impl AsRef<str>) {
    eprintln!("loadgen: {}", line.as_ref());
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

/// Runs every phase and returns the figures.
pub async fn run(args: &Args) -> anyhow::Result<Figures> {
    let binary = binary::locate(
        args.twofoldd.as_deref(),
        !args.no_build && args.twofoldd.is_none(),
    )?;
    let plan = Plan::new(args.quick);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let postgres = args.store_url.is_some();
    let mut figures = Figures {
        commit: report::commit(),
        m_cost_mib: f64::from(plan.cost.memory_kib) / 1024.0,
        hash_pool_size: Some(cores),
        ..Figures::default()
    };
    let started = Instant::now();

    say(format!(
        "hash bound: {cores} threads for {:?}",
        plan.hash_time
    ));
    let bound = hash_bound::measure(plan.cost, cores, plan.hash_time)?;
    figures.one_hash_ms = Some(bound.single_ms);
    let b = bound.per_second;

    if !postgres {
        let mut times = Vec::new();
        for _ in 0..plan.startups {
            let dir = tempfile::tempdir()?;
            let cluster =
                Cluster::start(&binary, dir.path(), args, None, &cost_env(plan.cost)).await?;
            times.push(cluster.nodes[0].startup.as_secs_f64() * 1000.0);
            cluster.stop().await?;
        }
        figures.startup_ms_empty = median(times);
        say(format!(
            "start-up on an empty store: {:?} ms",
            figures.startup_ms_empty
        ));
    }

    // The main daemon: default configuration, real password hashing.
    let dir = tempfile::tempdir()?;
    let kickstart = seed::write_kickstart(dir.path())?;
    let main = Cluster::start(
        &binary,
        dir.path(),
        args,
        Some(kickstart),
        &cost_env(plan.cost),
    )
    .await?;
    let pid = main.nodes[0].pid();
    figures.rss_idle_mb = Some(main.nodes[0].memory_mib()?.0);

    let per_s = |d: Duration| b * d.as_secs_f64();
    let user_count =
        (((per_s(plan.full_time) + 0.8 * per_s(plan.p80_time)) * 1.2) as usize + plan.burst + 20)
            .min(plan.max_users);
    say(format!("creating {user_count} users through the API"));
    let users = Arc::new(users::make_users("bench", user_count));
    seed::create_users(&main.addrs(), &users, 2 * cores).await?;
    let target = Target {
        nodes: main.addrs(),
        pool: Arc::new(UserPool::new(users.len())),
        users,
        outbox: Arc::new(Mutex::new(outbox::OutboxTail::new(main.outbox.clone()))),
    };

    let clients = cores * 3;
    say(format!(
        "full logins: {clients} clients for {:?}",
        plan.full_time
    ));
    let full = login::full_logins(&target, clients, plan.full_time, plan.max_full_logins).await?;
    figures.login_full_per_s = Some(full.per_second);
    say(format!(
        "  {} logins, {} refused, p50 {:.1} ms, p99 {:.1} ms",
        full.completed,
        full.refused,
        percentile_ms(&full.latency, 0.5),
        percentile_ms(&full.latency, 0.99)
    ));
    // B again, right after the logins it is compared with: the machine's speed drifts over a
    // run (other guests, clock boost), and the mean of the two windows around the login
    // phase is what that phase could have hashed.
    let after = hash_bound::measure(plan.cost, cores, plan.hash_time)?;
    let b = (b + after.per_second) / 2.0;
    figures.hash_bound_per_s = Some(b);
    say(format!(
        "  hash bound again: {:.1}/s (before: {:.1}/s), B = {b:.1}/s",
        after.per_second, bound.per_second
    ));
    let rate = |share: f64| (share * b).min(plan.max_rate);

    say(format!(
        "password steps at 0.8 B = {:.0}/s for {:?}",
        rate(0.8),
        plan.p80_time
    ));
    let p80 = login::offered_password_steps(&target, rate(0.8), plan.p80_time).await?;
    figures.password_step_p50_ms = percentile(&p80.latency, 0.5);
    figures.password_step_p99_ms = percentile(&p80.latency, 0.99);
    say(format!(
        "  achieved {:.0}/s, {} refused",
        p80.achieved_per_second, p80.refused
    ));

    say(format!("burst of {} simultaneous logins", plan.burst));
    let burst = login::burst(&target, plan.burst, pid).await?;
    let (_, hwm) = main.nodes[0].memory_mib()?;
    figures.rss_peak_mb = Some(hwm.max(burst.sampled_peak_mib));
    say(format!(
        "  {} hashed, {} refused",
        burst.accepted, burst.refused
    ));

    let mut prepared: Vec<Prepared> = p80.prepared;
    prepared.extend(burst.prepared);
    let verify_rate = (prepared.len() as f64 / plan.overload_time.as_secs_f64()).clamp(1.0, 200.0);
    say(format!(
        "overload: {:.0} password logins/s (2 B) for {:?}, {verify_rate:.0} code checks/s alongside",
        rate(2.0),
        plan.overload_time
    ));
    let over = overload::run(
        &target,
        rate(2.0),
        plan.overload_time,
        prepared,
        verify_rate,
    )
    .await?;
    figures.overload_shed_ms = percentile(&over.shed, 0.99);
    figures.code_verify_p99_ms_under_overload = percentile(&over.verify, 0.99);
    say(format!(
        "  {} hashed, {} refused (p50 {:.2} ms), {} failed, {} codes checked (p50 {:.2}, p90 {:.2}, max {:.2} ms), /api/status p99 {:.2} ms",
        over.hashed,
        over.refused,
        percentile_ms(&over.shed, 0.5),
        over.failed,
        over.verified,
        percentile_ms(&over.verify, 0.5),
        percentile_ms(&over.verify, 0.9),
        percentile_ms(&over.verify, 1.0),
        percentile_ms(&over.status, 0.99)
    ));
    let (_, hwm) = main.nodes[0].memory_mib()?;
    figures.rss_peak_mb = figures.rss_peak_mb.map(|p| p.max(hwm));
    main.stop().await?;

    // Code verification alone, on a daemon whose users hash cheaply.
    let dir = tempfile::tempdir()?;
    let kickstart = seed::write_kickstart(dir.path())?;
    let cheap = Argon2Cost {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let mut env = cost_env(cheap);
    env.push(("TWOFOLD_SECURITY__HASH_QUEUE".to_owned(), "256".to_owned()));
    let verifier = Cluster::start(&binary, dir.path(), args, Some(kickstart), &env).await?;
    say(format!(
        "code verification: preparing {} challenges",
        plan.verify_users
    ));
    let users = Arc::new(users::make_users("verify", plan.verify_users));
    seed::create_users(&verifier.addrs(), &users, 16).await?;
    let target = Target {
        nodes: verifier.addrs(),
        pool: Arc::new(UserPool::new(users.len())),
        users,
        outbox: Arc::new(Mutex::new(outbox::OutboxTail::new(verifier.outbox.clone()))),
    };
    let prepared = code_verify::prepare(&target, plan.verify_users, 16).await?;
    let concurrency = 16;
    say(format!(
        "code verification: {} checks, {concurrency} clients",
        prepared.len()
    ));
    let verified = code_verify::run(&target, prepared, concurrency).await?;
    figures.code_verify_per_s = Some(verified.per_second);
    figures.code_verify_p99_ms = percentile(&verified.latency, 0.99);
    say(format!(
        "  p50 {:.2} ms",
        percentile_ms(&verified.latency, 0.5)
    ));
    verifier.stop().await?;

    if !postgres {
        say(format!("start-up with {} users", plan.big_store_users));
        let dir = tempfile::tempdir()?;
        let env = cost_env(plan.cost);
        Cluster::start(&binary, dir.path(), args, None, &env)
            .await?
            .stop()
            .await?;
        let data = dir.path().join("node0");
        let before = node::store_bytes(&data);
        let users = users::make_users("big", plan.big_store_users);
        let writing = Instant::now();
        seed::write_users_directly(&data, &users, plan.cost).await?;
        let after = node::store_bytes(&data);
        say(format!(
            "  wrote them in {:.1} s",
            writing.elapsed().as_secs_f64()
        ));
        figures.store_bytes_per_user =
            Some(after.saturating_sub(before) as f64 / users.len() as f64);
        let mut times = Vec::new();
        for _ in 0..plan.startups {
            let cluster = Cluster::start(&binary, dir.path(), args, None, &env).await?;
            times.push(cluster.nodes[0].startup.as_secs_f64() * 1000.0);
            cluster.stop().await?;
        }
        figures.startup_ms_100k = median(times);
    }
    say(format!("done in {:.0} s", started.elapsed().as_secs_f64()));
    Ok(figures)
}

/// The binary's entry point: runs, prints the table and the JSON line.
pub fn main_with(args: Args) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let figures = runtime.block_on(run(&args))?;
    let label = match (&args.store_url, args.nodes) {
        (Some(_), n) => format!("{n} node(s) on PostgreSQL"),
        (None, _) => "1 node on redb".to_owned(),
    };
    let mode = if args.quick {
        ", QUICK (tiny counts, cheap hashing: not a benchmark)"
    } else {
        ""
    };
    println!(
        "twofold benchmark: {label}{mode}, commit {}, {} cores",
        figures.commit,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    print!("{}", figures.table());
    let mut json = figures.json();
    if args.store_url.is_some() || args.nodes > 1 {
        // Label multi-node runs without adding keys to single-node ones.
        json["nodes"] = serde_json::json!(args.nodes);
    }
    println!("{json}");
    Ok(())
}
