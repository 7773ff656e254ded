//! Crash safety of the storage service: the real `nianbao serve storage` as a child process,
//! concurrent submitting clients over gRPC, and SIGKILL at random moments (at least 20 times),
//! on SQLite and on PostgreSQL (when `NIANBAO_TEST_POSTGRES_URL` is set; a fresh database per run).
//!
//! Checked after the last restart: every acknowledged submission is stored exactly once, with the
//! checksum and content it was acknowledged with; revision numbers have no gaps; every report row
//! names the last revision; no revision exists that was never acknowledged; a retry with the same
//! request id (after a crash, or of an acknowledged request) returns the original revision as
//! `replayed`; the service never panics.
//!
//! CI size: 8 clients, 20 kills. `NIANBAO_CRASH_FULL=1`: 32 clients, 50 kills, longer gaps.
//! `NIANBAO_CRASH_SEED=N` repeats a run's kill timing.

mod hostile_requests;
mod limits;
mod pg_restart;
mod process;
mod verify;
mod workload;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;

use process::{Rng, ScratchDb, Server, authed, bootstrap_admin, lazy_channel};
use workload::{Client, ROOT, Shared};

/// How big a run is.
#[derive(Clone, Copy, Debug)]
struct Size {
    clients: usize,
    kills: usize,
    /// Time the service serves between a restart and the next kill, in ms (uniform).
    up_ms: (u64, u64),
    /// Acknowledged requests re-sent after each restart.
    replays_per_restart: usize,
    /// Every n-th revision is read back in full (besides retried ones and the last of each office-year).
    content_stride: i64,
}

impl Size {
    fn from_env() -> Size {
        if std::env::var("NIANBAO_CRASH_FULL").is_ok_and(|v| v == "1") {
            Size {
                clients: 32,
                kills: 50,
                up_ms: (200, 3000),
                replays_per_restart: 10,
                content_stride: 1,
            }
        } else {
            Size {
                clients: 8,
                kills: 20,
                up_ms: (150, 1200),
                replays_per_restart: 5,
                content_stride: 5,
            }
        }
    }
}

/// One run at a time: the two backends share the machine's two cores.
static SERIAL: Mutex<()> = Mutex::new(());

/// Runs `body` on a fresh multi-threaded runtime, one run at a time.
fn serial<F: std::future::Future<Output = ()>>(body: F) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"))
        .block_on(body);
}

/// A temporary directory and a SQLite URL inside it.
fn sqlite(name: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let url = format!("sqlite://{}?mode=rwc", dir.path().join(name).display());
    (dir, url)
}

#[test]
fn crash_sqlite() {
    let (dir, url) = sqlite("crash.db");
    serial(crash_run("sqlite", &url, dir.path()));
}

#[test]
fn crash_postgres() {
    let Some(db) = ScratchDb::create("crash") else {
        eprintln!("crash_postgres: NIANBAO_TEST_POSTGRES_URL is not set; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    serial(crash_run("postgres", &db.url, dir.path()));
}

#[test]
fn limits_sqlite() {
    let (dir, url) = sqlite("limits.db");
    serial(limits::limits_run(&url, dir.path()));
}

#[test]
fn limits_postgres() {
    let Some(db) = ScratchDb::create("crash") else {
        eprintln!("limits_postgres: NIANBAO_TEST_POSTGRES_URL is not set; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    serial(limits::limits_run(&db.url, dir.path()));
}

#[test]
fn hostile_requests_sqlite() {
    let (dir, url) = sqlite("hostile.db");
    serial(hostile_requests::hostile_requests_run(&url, dir.path()));
}

#[test]
fn hostile_requests_postgres() {
    let Some(db) = ScratchDb::create("crash") else {
        eprintln!("hostile_requests_postgres: NIANBAO_TEST_POSTGRES_URL is not set; skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    serial(hostile_requests::hostile_requests_run(&db.url, dir.path()));
}

#[test]
fn pg_restart() {
    let Some(cluster) = pg_restart::Cluster::start() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    serial(pg_restart::pg_restart_run(&cluster, dir.path()));
}

async fn crash_run(backend: &str, database: &str, dir: &std::path::Path) {
    let size = Size::from_env();
    let (mut rng, seed) = Rng::from_env();
    eprintln!("crash {backend}: {size:?}, NIANBAO_CRASH_SEED={seed}");
    let started = Instant::now();
    let admin = bootstrap_admin(database);
    let mut server = Server::start(database, dir, &admin).await;
    let clients = setup(&server.url, &admin, size.clients).await;
    let shared = Arc::new(Shared {
        url: server.url.clone(),
        base: workload::base_report(),
        acks: Mutex::new(Vec::new()),
        problems: Mutex::new(Vec::new()),
        stop: AtomicBool::new(false),
        give_up_at: Mutex::new(None),
        transient: Mutex::new(Default::default()),
        in_doubt_committed: AtomicU64::new(0),
        in_doubt_new: AtomicU64::new(0),
    });
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|c| tokio::spawn(workload::run_client(shared.clone(), c)))
        .collect();

    let mut replays = 0;
    let mut early_kills = 0;
    while server.kills - early_kills < size.kills {
        // One kill in five lands while the service is still starting (before it answers).
        if rng.below(5) == 0 {
            tokio::time::sleep(rng.millis(0, 150)).await;
            server.kill().await;
            early_kills += 1;
            server.respawn();
        } else {
            tokio::time::sleep(rng.millis(size.up_ms.0, size.up_ms.1)).await;
            server.kill().await;
            server.respawn();
        }
        server.wait_ready(&admin).await;
        let picks: Vec<usize> = (0..size.replays_per_restart)
            .map(|_| rng.next() as usize)
            .collect();
        replays += workload::check_replays(&shared, &clients, &picks).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    if let Ok(mut g) = shared.give_up_at.lock() {
        *g = Some(Instant::now() + Duration::from_secs(60));
    }
    shared.stop.store(true, Ordering::Relaxed);
    let mut submissions = 0;
    for t in tasks {
        submissions += t.await.unwrap_or_else(|e| panic!("client task: {e}"));
    }
    let load_time = started.elapsed();
    let audited = verify::audit(shared.clone(), &clients, &admin, size.content_stride).await;
    let audit_time = started.elapsed() - load_time;
    let log = server.log_text();
    if log.contains("panicked") {
        shared.problem(format!("the service panicked; log:\n{}", server.log_tail()));
    }

    let acks = shared.acks.lock().map(|a| a.len()).unwrap_or(0);
    let retried = shared
        .acks
        .lock()
        .map(|a| a.iter().filter(|x| x.attempts > 1).count())
        .unwrap_or(0);
    let replayed = shared
        .acks
        .lock()
        .map(|a| a.iter().filter(|x| x.replayed).count())
        .unwrap_or(0);
    assert_eq!(
        replayed as u64,
        shared.in_doubt_committed.load(Ordering::Relaxed),
        "only retries are answered as replays"
    );
    let transient = shared
        .transient
        .lock()
        .map(|t| format!("{t:?}"))
        .unwrap_or_default();
    eprintln!(
        "crash {backend}: {} kills ({early_kills} during start-up), {acks} acknowledged of {submissions} submissions \
         in {:.1} s; {retried} answered after a retry ({} had committed before the crash, {} had not); \
         failed attempts by code {transient}; {replays} acknowledged requests re-sent and replayed; \
         audited {} revisions, {} contents, {} report rows in {:.1} s; slowest restart {:.2} s",
        server.kills,
        load_time.as_secs_f64(),
        shared.in_doubt_committed.load(Ordering::Relaxed),
        shared.in_doubt_new.load(Ordering::Relaxed),
        audited.revisions,
        audited.contents,
        audited.summaries,
        audit_time.as_secs_f64(),
        server.slowest_start.as_secs_f64(),
    );
    let problems = shared
        .problems
        .lock()
        .map(|p| p.clone())
        .unwrap_or_default();
    assert!(
        problems.is_empty(),
        "{} violation(s) on {backend}:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(server.kills >= 20, "only {} kills", server.kills);
    assert!(
        acks >= size.clients * 5,
        "too few acknowledged submissions to mean anything: {acks}"
    );
    assert_eq!(
        audited.revisions, acks,
        "every acknowledged submission is one stored revision"
    );
}

/// Creates the root office, one office per client and its office-role token, through the service.
async fn setup(url: &str, admin: &str, n: usize) -> Vec<Client> {
    let mut storage = StorageServiceClient::new(lazy_channel(url));
    let office = |code: &str, name: &str, kind: &str, parent: &str| pb::CreateOfficeRequest {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent_code: parent.into(),
        must_report: true,
        exempt_years: vec![],
    };
    storage
        .create_office(authed(
            admin,
            office(ROOT, "崩溃测试市人民政府", "city", ""),
        ))
        .await
        .unwrap_or_else(|e| panic!("create root office: {e}"));
    let mut clients = Vec::new();
    for index in 0..n {
        let code = format!("crash-{index:02}");
        let name = format!("崩溃测试市第{index}局");
        storage
            .create_office(authed(admin, office(&code, &name, "department", ROOT)))
            .await
            .unwrap_or_else(|e| panic!("create office {code}: {e}"));
        let token = storage
            .create_token(authed(
                admin,
                pb::CreateTokenRequest {
                    office_code: code.clone(),
                    role: pb::Role::Office as i32,
                    label: "crash".into(),
                },
            ))
            .await
            .unwrap_or_else(|e| panic!("create token {code}: {e}"))
            .into_inner()
            .token;
        clients.push(Client {
            index,
            code,
            name,
            token,
        });
    }
    clients
}
