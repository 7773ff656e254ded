//! A load generator for the nianbao services.
//!
//! `nianbao-loadgen` runs `--concurrency` workers, each with its own connection and office,
//! for `--duration`, picking operations by the weights of `--mix` (`submit`, `get`, `list` on
//! the storage service; `aggregate` and `render` when their servers are given and answer).
//! It reports throughput, latency percentiles (p50, p90, p99, max) per operation, errors by
//! gRPC code, the same percentiles per time window (`--window`), and the server's resident
//! memory once a second when given `--server-pid` (with a summary: after `--warmup`, max, last,
//! and the slope over the second half of the run), as a table or as JSON (`--json`).
//!
//! It is a client only: it talks gRPC, and for `--bootstrap-database` runs
//! `nianbao token create --role admin --database URL` to get its first token.

pub mod mix;
mod ops;
mod output;
pub mod rss;
mod setup;
pub mod stats;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use tokio::sync::watch;

pub use mix::{Mix, Op};
pub use output::Outcome;

/// Command line.
#[derive(Parser, Debug, Clone)]
#[command(
    name = "nianbao-loadgen",
    version,
    about = "Drive the nianbao services with concurrent clients; report throughput, latency percentiles, errors and server memory",
    after_help = "Examples:\n  nianbao-loadgen --server http://127.0.0.1:50051 --bootstrap-database sqlite://data/nianbao.db \\\n      --concurrency 32 --duration 30s --mix submit=60,get=30,list=10 --server-pid $(pgrep -n nianbao)\n  nianbao-loadgen --server http://127.0.0.1:50051 --token T1 --token T2 --duration 10s --json"
)]
pub struct Args {
    /// Storage service URL.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// Office tokens to submit with (repeat, or comma-separated); workers share them round robin.
    #[arg(long = "token", value_delimiter = ',')]
    pub tokens: Vec<String>,
    /// Create an admin token on this database, then offices and tokens through the server.
    #[arg(long, conflicts_with = "tokens")]
    pub bootstrap_database: Option<String>,
    /// How many offices to create with --bootstrap-database (default: one per worker).
    #[arg(long)]
    pub offices: Option<usize>,
    /// The `nianbao` binary for --bootstrap-database (default: next to this one, else on PATH).
    #[arg(long)]
    pub nianbao_bin: Option<PathBuf>,
    /// Concurrent workers, each with its own connection.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// How long to send requests: `30`, `30s`, `2m`.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub duration: Duration,
    /// Operation weights.
    #[arg(long, default_value = "submit=60,get=30,list=10")]
    pub mix: Mix,
    /// How many revisions `list` asks for, newest first (a history screen's first page);
    /// 0 asks for the server's default page (up to 500, oldest first).
    #[arg(long, default_value_t = 20)]
    pub history_page: i32,
    /// Aggregation service URL (for `aggregate` in the mix).
    #[arg(long)]
    pub aggregate_server: Option<String>,
    /// Render service URL (for `render` in the mix).
    #[arg(long)]
    pub render_server: Option<String>,
    /// Sample this process's resident memory (VmRSS, RssAnon, RssFile, RssShmem, threads)
    /// every second, and summarize it (first, after --warmup, max, last, slope over the second
    /// half of the run).
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// The warm-up the memory summary skips: `20s`.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Latency percentiles are also given per window of this length: `30s`.
    #[arg(long, default_value = "30s", value_parser = parse_duration)]
    pub window: Duration,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// `30`, `30s`, `1500ms`, `2m`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, "s"), |i| s.split_at(i));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 30s / 不是时长"))?;
    match unit {
        "s" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        _ => Err(format!(
            "`{s}`: unit must be ms, s or m / 单位须为 ms、s 或 m"
        )),
    }
}

/// Runs the load and prints the outcome.
pub async fn run(args: Args) -> anyhow::Result<()> {
    let outcome = measure(&args).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        print!("{}", outcome.table());
    }
    Ok(())
}

/// Runs the load and returns the outcome.
pub async fn measure(args: &Args) -> anyhow::Result<Outcome> {
    if args.concurrency == 0 {
        bail!("--concurrency must be at least 1 / 并发数至少为 1");
    }
    if args.window.is_zero() {
        bail!("--window must be longer than 0 / --window 须大于 0");
    }
    let ids = match (&args.bootstrap_database, args.tokens.is_empty()) {
        (Some(db), _) => {
            let bin = setup::nianbao_bin(args.nianbao_bin.clone());
            setup::bootstrap(
                &args.server,
                db,
                &bin,
                args.offices.unwrap_or(args.concurrency).max(1),
            )
            .await?
        }
        (None, false) => setup::from_tokens(&args.server, &args.tokens).await?,
        (None, true) => {
            bail!("give --token or --bootstrap-database / 须提供 --token 或 --bootstrap-database")
        }
    };
    let mut notes = Vec::new();
    let mut mix = args.mix.clone();
    let mut targets = ops::Targets {
        storage: args.server.clone(),
        aggregate: args.aggregate_server.clone(),
        render: args.render_server.clone(),
    };
    if mix.has(Op::Aggregate) && (targets.aggregate.is_none() || ids.city.is_none()) {
        notes.push("aggregate skipped: needs --aggregate-server and --bootstrap-database (for a city token)".to_string());
        mix = mix.without(Op::Aggregate);
        targets.aggregate = None;
    }
    if mix.has(Op::Render) && targets.render.is_none() {
        notes.push("render skipped: no --render-server".to_string());
        mix = mix.without(Op::Render);
    }
    let nonce = format!(
        "{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis()
    );
    let plan = Arc::new(ops::Plan {
        targets,
        ids,
        mix: mix.clone(),
        base: ops::base_report()?,
        nonce,
        history_page: args.history_page,
    });

    // Every office gets one revision per year before the clock starts, so reads find data;
    // an optional service that does not answer is dropped from the mix.
    let mut primers = Vec::new();
    for i in 0..plan.ids.offices.len() {
        let plan = plan.clone();
        primers.push(tokio::spawn(async move {
            let mut w = ops::Worker::new(i, plan)?;
            for _ in ops::YEARS {
                w.call(Op::Submit)
                    .await
                    .context("priming submission / 预热提交失败")?;
            }
            anyhow::Ok(())
        }));
    }
    for p in primers {
        p.await??;
    }
    let mut probe = ops::Worker::new(0, plan.clone())?;
    for op in [Op::Aggregate, Op::Render] {
        if mix.has(op)
            && let Err(s) = probe.call(op).await
        {
            notes.push(format!(
                "{op} skipped: the service answered {:?}: {}",
                s.code(),
                s.message()
            ));
            mix = mix.without(op);
        }
    }
    let plan = Arc::new(ops::Plan {
        targets: plan.targets.clone(),
        ids: plan.ids.clone(),
        mix,
        base: plan.base.clone(),
        nonce: format!("{}m", plan.nonce),
        history_page: plan.history_page,
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let sampler = args
        .server_pid
        .map(|pid| tokio::spawn(rss::sample(pid, stop_rx)));
    let started = Instant::now();
    let until = started + args.duration;
    let mut workers = Vec::new();
    for i in 0..args.concurrency {
        workers.push(tokio::spawn(ops::Worker::new(i, plan.clone())?.run(
            started,
            until,
            args.window,
        )));
    }
    let mut rec = stats::Recorder::default();
    for w in workers {
        rec.merge(w.await.context("worker / 工作线程")?);
    }
    let elapsed = started.elapsed();
    let _ = stop_tx.send(true);
    let memory = match sampler {
        Some(s) => s.await.unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(Outcome::new(args, &mut rec, elapsed, memory, notes))
}
