//! The storage service as a child process that can be killed with SIGKILL and started again,
//! the databases it runs on, and a small seeded random source.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tokio::process::{Child, Command};
use tonic::transport::{Channel, Endpoint};

/// The `nianbao` binary built by cargo for this test run.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_nianbao"))
}

pub use nianbao_testkit::free_port;
pub use nianbao_testkit::pg::ScratchDb;
use nianbao_testkit::process::{log_pair, nianbao_env};

/// Creates an admin token straight on the database (`nianbao token create --role admin --database URL`).
pub fn bootstrap_admin(database: &str) -> String {
    let mut cmd = std::process::Command::new(bin());
    cmd.args(["token", "create", "--role", "admin", "--database", database]);
    nianbao_testkit::process::without_nianbao_env(&mut cmd);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin().display()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "token create failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let token = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(token.len() >= 16, "bootstrap token looks wrong: {token:?}");
    token
}

/// A channel that connects on first use and reconnects after the server comes back.
pub fn lazy_channel(url: &str) -> Channel {
    Endpoint::from_shared(url.to_string())
        .unwrap_or_else(|e| panic!("bad url {url}: {e}"))
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(15))
        .connect_lazy()
}

/// A request carrying `authorization: Bearer TOKEN`.
pub fn authed<T>(token: &str, msg: T) -> tonic::Request<T> {
    let mut req = tonic::Request::new(msg);
    let value = format!("Bearer {token}")
        .parse()
        .unwrap_or_else(|e| panic!("token header: {e}"));
    req.metadata_mut().insert("authorization", value);
    req
}

/// `nianbao serve storage` as a child process.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    args: Vec<String>,
    log: PathBuf,
    /// How many times it was killed.
    pub kills: usize,
    /// Longest time from spawn to answering WhoAmI.
    pub slowest_start: Duration,
}

impl Server {
    /// Starts the service on a fresh port and waits until it answers.
    pub async fn start(database: &str, dir: &Path, admin: &str) -> Server {
        let port = free_port();
        let args = vec![
            "serve".to_string(),
            "storage".into(),
            "--listen".into(),
            format!("127.0.0.1:{port}"),
            "--database".into(),
            database.to_string(),
        ];
        let mut s = Server {
            child: None,
            url: format!("http://127.0.0.1:{port}"),
            args,
            log: dir.join("storage.log"),
            kills: 0,
            slowest_start: Duration::ZERO,
        };
        s.spawn();
        s.wait_ready(admin).await;
        s
    }

    fn spawn(&mut self) {
        let (file, err) = log_pair(&self.log);
        let mut cmd = Command::new(bin());
        // The service reads `NIANBAO_*` as its settings: it gets none of the test's own.
        for k in nianbao_env() {
            cmd.env_remove(k);
        }
        let child = cmd
            .args(&self.args)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(file)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin().display()));
        self.child = Some(child);
    }

    /// Waits until WhoAmI answers with the admin token (60 s at most).
    pub async fn wait_ready(&mut self, admin: &str) {
        let started = Instant::now();
        let deadline = started + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                panic!(
                    "the storage service exited by itself ({status}); log:\n{}",
                    self.log_tail()
                );
            }
            let mut client = StorageServiceClient::new(lazy_channel(&self.url));
            if client
                .who_am_i(authed(admin, pb::WhoAmIRequest {}))
                .await
                .is_ok()
            {
                self.slowest_start = self.slowest_start.max(started.elapsed());
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} did not answer within 60 s; log:\n{}",
            self.url,
            self.log_tail()
        );
    }

    /// The process id of the running service, if one runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// SIGKILL: no chance to flush, close or roll back anything.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
            self.kills += 1;
        }
    }

    /// Starts the same command again (same port, same database).
    pub fn respawn(&mut self) {
        self.spawn();
    }

    /// The last 8 KB of the service's log.
    pub fn log_tail(&self) -> String {
        nianbao_testkit::process::log_tail(&self.log, 8192)
    }

    /// The whole log of every run of the service.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// xorshift64*: enough randomness for kill timing, reproducible from a printed seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// From `NIANBAO_CRASH_SEED`, else from the clock.
    pub fn from_env() -> (Rng, u64) {
        let seed = std::env::var("NIANBAO_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0x9E37_79B9_7F4A_7C15)
            });
        (Rng(seed | 1), seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A duration uniformly in `[lo, hi]` milliseconds.
    pub fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo + 1))
    }

    /// An index below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every revision of an office-year, following `ListRevisions` pages (oldest first).
pub async fn all_revisions(
    s: &mut nianbao_proto::storage::v1::storage_service_client::StorageServiceClient<Channel>,
    token: &str,
    code: &str,
    year: i32,
) -> Result<Vec<nianbao_proto::storage::v1::Revision>, tonic::Status> {
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = s
            .list_revisions(authed(
                token,
                nianbao_proto::storage::v1::ListRevisionsRequest {
                    office_code: code.to_string(),
                    year,
                    page_token,
                    ..Default::default()
                },
            ))
            .await?
            .into_inner();
        all.extend(page.revisions);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        page_token = page.next_page_token;
    }
}
