//! PostgreSQL stopped and started again under a running storage service, on a private cluster
//! (initdb + pg_ctl on a free port; the shared server is never touched): while the database
//! is down clients get `UNAVAILABLE` promptly (not `INTERNAL`, no hang); once it is back the
//! same service process answers again without a restart, and every acknowledged submission
//! is there with the checksum it was acknowledged with.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;

use crate::process::{Server, all_revisions, authed, bootstrap_admin, free_port, lazy_channel};
use crate::workload::{self, Client};

/// A throw-away PostgreSQL cluster owned by this test.
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    log: PathBuf,
    port: u16,
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

/// The newest `/usr/lib/postgresql/*/bin` holding `initdb` and `pg_ctl`.
fn pg_bin() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("pg_ctl").is_file())
        .collect();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found.pop()
}

impl Cluster {
    /// initdb and start; `None` (with the reason printed) when no PostgreSQL binaries exist.
    pub fn start() -> Option<Cluster> {
        let Some(bin) = pg_bin() else {
            eprintln!(
                "pg_restart: no PostgreSQL binaries under /usr/lib/postgresql/*/bin; skipped"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
        // initdb refuses to run as root: then the cluster belongs to the `postgres` user.
        let as_postgres = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:postgres", &dir.path().display().to_string()])
                .status()
                .unwrap_or_else(|e| panic!("chown: {e}"));
            assert!(
                status.success(),
                "cannot give the cluster directory to postgres"
            );
        }
        let c = Cluster {
            data: dir.path().join("data"),
            log: dir.path().join("postgres.log"),
            port: free_port(),
            bin,
            as_postgres,
            _dir: dir,
        };
        c.run(
            "initdb",
            &[
                "-D",
                &c.data.display().to_string(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        c.pg_ctl_start();
        Some(c)
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let exe = self.bin.join(tool).display().to_string();
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", &exe]);
            c
        } else {
            Command::new(&exe)
        };
        let out = cmd
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}\n{}\n{}\nserver log:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.data.display()
        );
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-l",
                &self.log.display().to_string(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
    }

    /// `pg_ctl stop -m MODE` (`fast` or `immediate`).
    fn stop(&self, mode: &str) {
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data.display().to_string(),
                "-m",
                mode,
                "-w",
                "stop",
            ],
        );
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            let exe = self.bin.join("pg_ctl").display().to_string();
            let data = self.data.display().to_string();
            let mut cmd = if self.as_postgres {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--", &exe]);
                c
            } else {
                Command::new(&exe)
            };
            let _ = cmd
                .args(["-D", &data, "-m", "immediate", "-w", "stop"])
                .output();
        }
    }
}

/// Submits request `seq` of `client` once; the acknowledged checksum.
async fn submit_once(
    s: &mut StorageServiceClient<tonic::transport::Channel>,
    base: &nianbao_model::Report,
    client: &Client,
    seq: u64,
) -> Result<(String, i64, String), tonic::Status> {
    let req = workload::request(base, client, seq);
    let id = req.request_id.clone();
    let r = s
        .submit_report(authed(&client.token, req))
        .await?
        .into_inner();
    let rev = r.revision.unwrap_or_default();
    Ok((id, rev.number, rev.checksum))
}

/// One phase of the run while the database is down: every call answers `UNAVAILABLE` within
/// the bound, never `INTERNAL`.
async fn expect_unavailable(
    s: &mut StorageServiceClient<tonic::transport::Channel>,
    admin: &str,
    base: &nianbao_model::Report,
    client: &Client,
    seq: u64,
) -> Duration {
    let mut slowest = Duration::ZERO;
    for attempt in 0..1 {
        let t = Instant::now();
        let who = s.who_am_i(authed(admin, pb::WhoAmIRequest {})).await;
        let sub = submit_once(s, base, client, seq + attempt).await;
        let list = s
            .list_revisions(authed(
                &client.token,
                pb::ListRevisionsRequest {
                    office_code: client.code.clone(),
                    year: 2023,
                    ..Default::default()
                },
            ))
            .await;
        let took = t.elapsed();
        slowest = slowest.max(took);
        for (what, code, message) in [
            ("WhoAmI", who.err().map(|e| e.code()), String::new()),
            (
                "SubmitReport",
                sub.as_ref().err().map(|e| e.code()),
                sub.as_ref()
                    .err()
                    .map(|e| e.message().to_string())
                    .unwrap_or_default(),
            ),
            ("ListRevisions", list.err().map(|e| e.code()), String::new()),
        ] {
            assert_eq!(
                code,
                Some(Code::Unavailable),
                "{what} while the database is down: {code:?} {message}"
            );
        }
        assert!(
            took < Duration::from_secs(30),
            "the three calls took {took:?} while the database was down"
        );
    }
    slowest
}

pub async fn pg_restart_run(cluster: &Cluster, dir: &Path) {
    let url = cluster.url();
    let admin = bootstrap_admin(&url);
    let server = Server::start(&url, dir, &admin).await;
    let clients = crate::setup(&server.url, &admin, 2).await;
    let base = workload::base_report();
    let mut s = StorageServiceClient::new(lazy_channel(&server.url));
    let mut acked = Vec::new();
    let mut seq = 0;
    for c in &clients {
        for _ in 0..4 {
            acked.push(
                submit_once(&mut s, &base, c, seq)
                    .await
                    .unwrap_or_else(|e| panic!("submit before the stop: {e}")),
            );
            seq += 1;
        }
    }

    for (round, mode) in ["fast", "immediate"].into_iter().enumerate() {
        cluster.stop(mode);
        let slowest =
            expect_unavailable(&mut s, &admin, &base, &clients[0], 1000 + 10 * round as u64).await;
        eprintln!(
            "pg_restart: database stopped ({mode}); slowest round of three calls {slowest:?}"
        );
        cluster.pg_ctl_start();
        let t = Instant::now();
        loop {
            match s.who_am_i(authed(&admin, pb::WhoAmIRequest {})).await {
                Ok(_) => break,
                Err(e) => {
                    assert!(
                        e.code() == Code::Unavailable,
                        "while reconnecting: {:?} {}",
                        e.code(),
                        e.message()
                    );
                    assert!(
                        t.elapsed() < Duration::from_secs(45),
                        "the service did not reconnect within 45 s: {e}"
                    );
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        eprintln!(
            "pg_restart: answering again {:?} after the start",
            t.elapsed()
        );
        for c in &clients {
            acked.push(
                submit_once(&mut s, &base, c, seq)
                    .await
                    .unwrap_or_else(|e| panic!("submit after the restart: {e}")),
            );
            seq += 1;
        }
    }

    // Every acknowledged submission is stored with the checksum it was acknowledged with;
    // nothing else is (the refused attempts were not stored).
    let mut stored = Vec::new();
    for c in &clients {
        for year in 2021..=2024 {
            let revs = match all_revisions(&mut s, &c.token, &c.code, year).await {
                Ok(r) => r,
                Err(e) if e.code() == Code::NotFound => Vec::new(),
                Err(e) => panic!("ListRevisions: {e}"),
            };
            stored.extend(revs.into_iter().map(|r| r.checksum));
        }
    }
    for (id, number, checksum) in &acked {
        assert!(
            stored.contains(checksum),
            "acknowledged {id} (revision {number}, {checksum}) is missing"
        );
    }
    assert_eq!(
        stored.len(),
        acked.len(),
        "stored revisions = acknowledged ones"
    );
    assert!(
        !server.log_text().contains("panicked"),
        "the service panicked:\n{}",
        server.log_tail()
    );
}
