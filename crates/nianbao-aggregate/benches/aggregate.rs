//! Benchmark: aggregation end to end through gRPC, from a running storage service.
//!
//! Run with `cargo bench -p nianbao-aggregate --bench aggregate` after
//! `cargo build --release -p nianbao-cli`. It measures and prints; it asserts nothing.
//!
//! What it does, on a fresh SQLite file in a temporary directory:
//! 1. bootstraps an admin token (`nianbao token create --role admin --database URL`) and starts
//!    `nianbao serve storage`;
//! 2. creates a province `bp`, a city `bp-c0000` and 1,000 offices under the city, and submits
//!    the demo seed report for every office, all through the gRPC API with many requests in
//!    flight;
//! 3. starts `nianbao serve aggregate --storage-url …` and times `Aggregate` on the city
//!    (several runs; min and median), reads the VmRSS/VmHWM of both services from /proc and
//!    times the CSV `Export` (written to `NIANBAO_BENCH_OUT` for the pandas comparison);
//! 4. for each province size in `NIANBAO_BENCH_PROVINCE` (default `10000,30000,100000`), copies
//!    the city's offices, reports and revisions with SQL (`sqlite3`, the bulk path: the rows the
//!    API wrote, with the city code changed in codes, names and report content) until the
//!    province holds that many offices, then times `Aggregate` and `Export` on the province.
//!    The storage service runs with `NIANBAO_DATABASE__COMPRESS_CONTENT=false` so that the
//!    content is JSON text SQL can edit (a compressed content is read alike; aggregation reads
//!    the packed cells).
//!
//! Environment: `NIANBAO_BIN` (default `target/release/nianbao`), `NIANBAO_BENCH_OUT` (where the
//! CSV exports go), `NIANBAO_BENCH_RUNS` (timed runs per aggregate, default 5),
//! `NIANBAO_BENCH_CITY` (offices in the city, default 1000), `NIANBAO_BENCH_KEEP` (when set, the
//! database and logs are kept in the printed directory). Lines starting with `RESULT` are read
//! by `scripts/bench-baselines.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use apb::aggregation_service_client::AggregationServiceClient;
use futures::{StreamExt, TryStreamExt, stream};
use nianbao_model::{Report, interchange};
use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as spb;
use spb::storage_service_client::StorageServiceClient;
use tonic::transport::{Channel, Endpoint};

type Res<T> = Result<T, String>;

#[path = "aggregate_support/process.rs"]
mod process;

use nianbao_testkit::free_port;
use process::{cpu_secs, spawn, vm_kb, wait_port};

const YEAR: i32 = 2023;
const CITY: &str = "c0000";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn channel(url: &str) -> Res<Channel> {
    Ok(Endpoint::from_shared(url.to_string())
        .map_err(|e| e.to_string())?
        .timeout(Duration::from_secs(600))
        .connect_lazy())
}

fn authed<T>(token: &str, msg: T) -> Res<tonic::Request<T>> {
    let mut req = tonic::Request::new(msg);
    let v = format!("Bearer {token}").parse().map_err(|_| "bad token")?;
    req.metadata_mut().insert("authorization", v);
    Ok(req)
}

fn seed() -> Res<Report> {
    let path = root().join("demo/shangdang-sifaju-2023.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    interchange::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn office_code(city: &str, i: usize) -> String {
    format!("bp-{city}-o{i:04}")
}

fn office_name(city: &str, i: usize) -> String {
    format!("基准市{city}第{i:04}单位")
}

async fn create_office(
    storage: &mut StorageServiceClient<Channel>,
    token: &str,
    (code, name, kind, parent, must): (String, String, &str, String, bool),
) -> Res<()> {
    storage
        .create_office(authed(
            token,
            spb::CreateOfficeRequest {
                code,
                name,
                kind: kind.into(),
                parent_code: parent,
                must_report: must,
                exempt_years: vec![],
            },
        )?)
        .await
        .map_err(|e| format!("CreateOffice: {e}"))?;
    Ok(())
}

/// Creates the province, the city and `n` offices, and submits a report for each office.
async fn load_city(channel: &Channel, token: &str, n: usize) -> Res<()> {
    let mut storage = StorageServiceClient::new(channel.clone());
    let t = Instant::now();
    create_office(
        &mut storage,
        token,
        (
            "bp".into(),
            "基准省".into(),
            "province",
            String::new(),
            false,
        ),
    )
    .await?;
    create_office(
        &mut storage,
        token,
        (
            format!("bp-{CITY}"),
            format!("基准市{CITY}"),
            "city",
            "bp".into(),
            false,
        ),
    )
    .await?;
    stream::iter(0..n)
        .map(|i| {
            let mut s = storage.clone();
            async move {
                let o = (
                    office_code(CITY, i),
                    office_name(CITY, i),
                    "department",
                    format!("bp-{CITY}"),
                    true,
                );
                create_office(&mut s, token, o).await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    let created = t.elapsed();
    let template = seed()?;
    let t = Instant::now();
    stream::iter(0..n)
        .map(|i| {
            let mut s = storage.clone();
            let mut r = template.clone();
            r.office.code = office_code(CITY, i);
            r.office.name = office_name(CITY, i);
            r.signature = Some(r.office.name.clone());
            r.year = YEAR;
            async move {
                let req = spb::SubmitReportRequest {
                    report: Some(rpb::Report::from(&r)),
                    request_id: format!("bench-{}", r.office.code),
                    base_revision: None,
                    draft: false,
                    client: "nianbao-aggregate bench".into(),
                };
                s.submit_report(authed(token, req)?)
                    .await
                    .map_err(|e| format!("SubmitReport {}: {e}", r.office.code))?;
                Ok::<(), String>(())
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await?;
    let submitted = t.elapsed();
    println!(
        "load through gRPC: {n} offices created in {:.1} s ({:.0}/s), {n} reports submitted in {:.1} s ({:.0}/s), 16 requests in flight",
        created.as_secs_f64(),
        n as f64 / created.as_secs_f64(),
        submitted.as_secs_f64(),
        n as f64 / submitted.as_secs_f64()
    );
    Ok(())
}

/// Copies city `c0000` (offices, reports, revisions) as city `to` with SQL.
fn clone_city_sql(to: &str) -> String {
    let src = format!("(SELECT id FROM offices WHERE code = 'bp-{CITY}')");
    let map = format!(
        "JOIN offices n ON n.code = replace(o.code, '{CITY}', '{to}') WHERE o.parent_id = {src}"
    );
    format!(
        "INSERT INTO offices (code, name, kind, parent_id, must_report, exempt_years, created_at)
           SELECT replace(code, '{CITY}', '{to}'), replace(name, '{CITY}', '{to}'), kind, parent_id, must_report, exempt_years, created_at
           FROM offices WHERE code = 'bp-{CITY}';
         INSERT INTO offices (code, name, kind, parent_id, must_report, exempt_years, created_at)
           SELECT replace(code, '{CITY}', '{to}'), replace(name, '{CITY}', '{to}'), kind,
                  (SELECT id FROM offices WHERE code = 'bp-{to}'), must_report, exempt_years, created_at
           FROM offices WHERE parent_id = {src};
         INSERT INTO reports (office_id, year, status, latest_revision, latest_submitted_revision, accepted_revision,
                              return_reason, first_submitted_at, last_submitted_at, created_at, updated_at)
           SELECT n.id, r.year, r.status, r.latest_revision, r.latest_submitted_revision, r.accepted_revision,
                  r.return_reason, r.first_submitted_at, r.last_submitted_at, r.created_at, r.updated_at
           FROM reports r JOIN offices o ON o.id = r.office_id {map};
         INSERT INTO revisions (report_id, office_id, year, number, draft, content, checksum, submitted_by, client,
                                request_id, findings, changed_cells, error_count, warning_count, created_at,
                                packed, packed_format)
           SELECT nr.id, n.id, v.year, v.number, v.draft, replace(v.content, '{CITY}', '{to}'), v.checksum,
                  v.submitted_by, v.client, replace(v.request_id, '{CITY}', '{to}'), v.findings, v.changed_cells,
                  v.error_count, v.warning_count, v.created_at,
                  CAST(replace(CAST(v.packed AS TEXT), '{CITY}', '{to}') AS BLOB), v.packed_format
           FROM revisions v JOIN offices o ON o.id = v.office_id
           JOIN offices n ON n.code = replace(o.code, '{CITY}', '{to}')
           JOIN reports nr ON nr.office_id = n.id AND nr.year = v.year
           WHERE o.parent_id = {src};
"
    )
}

fn bulk_cities(db: &Path, from: usize, to: usize) -> Res<Duration> {
    let mut sql = String::from("PRAGMA busy_timeout = 60000;\nBEGIN;\n");
    for k in from..to {
        sql.push_str(&clone_city_sql(&format!("c{k:04}")));
    }
    sql.push_str("COMMIT;\n");
    let t = Instant::now();
    let mut child = Command::new("sqlite3")
        .arg(db)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("sqlite3: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        stdin.write_all(sql.as_bytes()).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("sqlite3 failed: {status}"));
    }
    Ok(t.elapsed())
}

/// Times `Aggregate` on `org` and the CSV `Export`, and reads the aggregation process's memory.
async fn measure(
    label: &str,
    org: &str,
    agg: &Channel,
    token: &str,
    (storage_pid, pid): (u32, u32),
    runs: usize,
) -> Res<()> {
    let mut client =
        AggregationServiceClient::new(agg.clone()).max_decoding_message_size(256 << 20);
    let request = || apb::AggregateRequest {
        org: org.into(),
        year: YEAR,
        selection: apb::Selection::LatestSubmitted as i32,
        draft: false,
    };
    let t = Instant::now();
    let first = client
        .aggregate(authed(token, request())?)
        .await
        .map_err(|e| format!("Aggregate {org}: {e}"))?
        .into_inner();
    let first_time = t.elapsed();
    let mut times = Vec::new();
    let cpu = (cpu_secs(storage_pid), cpu_secs(pid));
    for _ in 0..runs {
        let t = Instant::now();
        let resp = client
            .aggregate(authed(token, request())?)
            .await
            .map_err(|e| format!("Aggregate {org}: {e}"))?;
        times.push(t.elapsed());
        drop(resp);
    }
    let per_run = |before: f64, now: f64| (now - before) / runs.max(1) as f64 * 1e3;
    let cpu = (
        per_run(cpu.0, cpu_secs(storage_pid)),
        per_run(cpu.1, cpu_secs(pid)),
    );
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (min, median) = (times[0], times[times.len() / 2]);
    let rss = vm_kb(pid, "VmRSS:").unwrap_or(0);
    let hwm = vm_kb(pid, "VmHWM:").unwrap_or(0);
    let granted = first.report.as_ref().map(|r| r.cells.len()).unwrap_or(0);
    println!(
        "{label}: Aggregate({org}) over {} offices: first {:.1} ms, min {:.1} ms, median {:.1} ms ({runs} runs); \
         aggregation service VmRSS {:.0} MB, VmHWM {:.0} MB; {granted} cells in the result",
        first.included.len(),
        ms(first_time),
        ms(min),
        ms(median),
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
    );
    println!(
        "{label}: CPU per Aggregate call: storage service {:.0} ms, aggregation service {:.0} ms",
        cpu.0, cpu.1
    );
    let (srss, shwm) = (
        vm_kb(storage_pid, "VmRSS:").unwrap_or(0),
        vm_kb(storage_pid, "VmHWM:").unwrap_or(0),
    );
    println!(
        "{label}: storage service VmRSS {:.0} MB, VmHWM {:.0} MB",
        srss as f64 / 1024.0,
        shwm as f64 / 1024.0
    );
    println!("RESULT {label}_storage_rss_mb {:.1}", srss as f64 / 1024.0);
    println!("RESULT {label}_storage_hwm_mb {:.1}", shwm as f64 / 1024.0);
    println!("RESULT {label}_offices {}", first.included.len());
    println!("RESULT {label}_aggregate_min_ms {:.3}", ms(min));
    println!("RESULT {label}_aggregate_median_ms {:.3}", ms(median));
    println!("RESULT {label}_rss_mb {:.1}", rss as f64 / 1024.0);
    println!("RESULT {label}_hwm_mb {:.1}", hwm as f64 / 1024.0);

    let t = Instant::now();
    let mut chunks = client
        .export(authed(
            token,
            apb::ExportRequest {
                org: org.into(),
                year: YEAR,
                format: apb::ExportFormat::Csv as i32,
                selection: apb::Selection::LatestSubmitted as i32,
            },
        )?)
        .await
        .map_err(|e| format!("Export {org}: {e}"))?
        .into_inner();
    let mut csv = Vec::new();
    while let Some(c) = chunks
        .message()
        .await
        .map_err(|e| format!("Export {org}: {e}"))?
    {
        csv.extend_from_slice(&c.chunk);
    }
    let export = t.elapsed();
    println!(
        "{label}: Export CSV {:.1} ms, {} bytes; aggregation service VmHWM now {:.0} MB",
        ms(export),
        csv.len(),
        vm_kb(pid, "VmHWM:").unwrap_or(0) as f64 / 1024.0
    );
    println!("RESULT {label}_export_ms {:.3}", ms(export));
    if let Ok(dir) = std::env::var("NIANBAO_BENCH_OUT") {
        let path = Path::new(&dir).join(format!("{label}.csv"));
        std::fs::write(&path, &csv).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

async fn wait_storage(channel: &Channel, token: &str) -> Res<()> {
    let mut s = StorageServiceClient::new(channel.clone());
    for _ in 0..300 {
        if s.who_am_i(authed(token, spb::WhoAmIRequest {})?)
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err("the storage service did not start".into())
}

async fn run() -> Res<()> {
    let bin = PathBuf::from(env_or(
        "NIANBAO_BIN",
        &root().join("target/release/nianbao").to_string_lossy(),
    ));
    let runs: usize = env_or("NIANBAO_BENCH_RUNS", "5")
        .parse()
        .map_err(|_| "NIANBAO_BENCH_RUNS")?;
    let city_n: usize = env_or("NIANBAO_BENCH_CITY", "1000")
        .parse()
        .map_err(|_| "NIANBAO_BENCH_CITY")?;
    let sizes: Vec<usize> = env_or("NIANBAO_BENCH_PROVINCE", "10000,30000,100000")
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let db = dir.path().join("bench.db");
    if std::env::var_os("NIANBAO_BENCH_KEEP").is_some() {
        // Left in place (with the services' logs) for profiling against the same data.
        println!("keeping {}", dir.path().display());
    }
    let url = format!("sqlite://{}?mode=rwc", db.display());

    let out = Command::new(&bin)
        .args(["token", "create", "--role", "admin", "--database", &url])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let token = stdout.lines().last().unwrap_or("").trim().to_string();
    if !out.status.success() || token.is_empty() {
        return Err(format!(
            "token create failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }

    let sport = free_port();
    let surl = format!("http://127.0.0.1:{sport}");
    let storage = spawn(
        &bin,
        &[
            "serve",
            "storage",
            "--listen",
            &format!("127.0.0.1:{sport}"),
            "--database",
            &url,
        ],
        // The city's revisions as JSON text, which the SQL copy edits (step 4).
        &[("NIANBAO_DATABASE__COMPRESS_CONTENT", "false")],
        &dir.path().join("storage.log"),
    )?;
    let schannel = channel(&surl)?;
    wait_storage(&schannel, &token).await?;
    load_city(&schannel, &token, city_n).await?;

    let aport = free_port();
    let aggregate = spawn(
        &bin,
        &[
            "serve",
            "aggregate",
            "--listen",
            &format!("127.0.0.1:{aport}"),
            "--storage-url",
            &surl,
        ],
        &[],
        &dir.path().join("aggregate.log"),
    )?;
    wait_port(aport).await?;
    let achannel = channel(&format!("http://127.0.0.1:{aport}"))?;
    let pid = (storage.0.id(), aggregate.0.id());
    println!(
        "aggregation service started: VmRSS {:.0} MB",
        vm_kb(pid.1, "VmRSS:").unwrap_or(0) as f64 / 1024.0
    );
    measure("city", &format!("bp-{CITY}"), &achannel, &token, pid, runs).await?;

    let mut cities = 1;
    for size in sizes {
        let want = size.div_ceil(city_n.max(1));
        if want > cities {
            let took = bulk_cities(&db, cities, want)?;
            println!(
                "bulk SQL copy of cities {cities}..{want}: {:.1} s; database {:.0} MB",
                took.as_secs_f64(),
                std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
            );
            cities = want;
        }
        let label = format!("province{size}");
        if let Err(e) = measure(&label, "bp", &achannel, &token, pid, runs).await {
            println!("{label}: failed: {e}");
            println!("RESULT {label}_failed 1");
        }
    }
    if std::env::var_os("NIANBAO_BENCH_KEEP").is_some() {
        let _kept = dir.keep();
    }
    Ok(())
}

fn main() {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("aggregate bench: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run()) {
        eprintln!("aggregate bench: {e}");
        std::process::exit(1);
    }
}
