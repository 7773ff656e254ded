//! `nianbao submit` as an office runs it, while the storage service is killed with SIGKILL and
//! started again: one CLI process per submission, several offices at once, each CLI making its
//! own request id and retrying a lost connection itself.
//!
//! Checked: no CLI exits 1 (every report is valid, so a 1 can only be a lost connection taken
//! for a refusal); every CLI that exits 0 has its revision stored once, with the checksum and
//! request id it printed; no revision is stored that no CLI reported.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nianbao_model::interchange;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tokio::process::Command;

use nianbao_testkit::process::nianbao_env;

use crate::process::{Rng, Server, all_revisions, bin, bootstrap_admin, lazy_channel};
use crate::workload::{self, Client, YEARS};

/// Offices submitting at once.
const OFFICES: usize = 6;
/// Times the service is killed.
const KILLS: usize = 10;

/// What one CLI process did.
#[derive(Debug)]
struct Run {
    code: String,
    exit: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// The JSON document the CLI printed on stdout.
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or(serde_json::Value::Null)
    }
}

/// Runs `nianbao submit --json` for each report in turn until `stop`.
async fn office(
    client: Client,
    url: String,
    dir: std::path::PathBuf,
    stop: Arc<AtomicBool>,
) -> Vec<Run> {
    let base = workload::base_report();
    let mut runs = Vec::new();
    let mut seq = 0;
    while !stop.load(Ordering::Relaxed) {
        let report = workload::report_for(&base, &client, seq);
        let file = dir.join(format!("{}-{seq}.json", client.code));
        std::fs::write(&file, interchange::to_json(&report))
            .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
        let mut cmd = Command::new(bin());
        for k in nianbao_env() {
            cmd.env_remove(k);
        }
        let out = cmd
            .arg("submit")
            .arg(&file)
            .args(["--json", "--retries", "10", "--server", &url, "--token"])
            .arg(&client.token)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin().display()));
        runs.push(Run {
            code: client.code.clone(),
            exit: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
        seq += 1;
    }
    runs
}

pub async fn cli_submit_run(database: &str, dir: &Path) {
    let (mut rng, seed) = Rng::from_env();
    eprintln!("cli submit: {OFFICES} offices, {KILLS} kills, NIANBAO_CRASH_SEED={seed}");
    let started = Instant::now();
    let admin = bootstrap_admin(database);
    let mut server = Server::start(database, dir, &admin).await;
    let clients = crate::setup(&server.url, &admin, OFFICES).await;
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = clients
        .iter()
        .cloned()
        .map(|c| {
            let (url, dir, stop) = (server.url.clone(), dir.to_path_buf(), stop.clone());
            tokio::spawn(office(c, url, dir, stop))
        })
        .collect();
    while server.kills < KILLS {
        tokio::time::sleep(rng.millis(300, 1200)).await;
        server.kill().await;
        // Down long enough for CLIs to find nothing listening, short of their retries.
        tokio::time::sleep(rng.millis(100, 1500)).await;
        server.respawn();
        server.wait_ready(&admin).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut runs = Vec::new();
    for t in tasks {
        runs.extend(t.await.unwrap_or_else(|e| panic!("office task: {e}")));
    }

    // What is stored, by request id.
    let mut storage = StorageServiceClient::new(lazy_channel(&server.url));
    let mut stored: HashMap<String, Vec<(String, i32, i64, String)>> = HashMap::new();
    for c in &clients {
        for year in YEARS {
            let revisions = match all_revisions(&mut storage, &admin, &c.code, year).await {
                Ok(r) => r,
                Err(s) if s.code() == tonic::Code::NotFound => continue,
                Err(s) => panic!("list revisions of {} {year}: {s}", c.code),
            };
            for r in revisions {
                stored.entry(r.request_id.clone()).or_default().push((
                    r.office_code,
                    r.year,
                    r.number,
                    r.checksum,
                ));
            }
        }
    }

    let mut problems = Vec::new();
    let mut reported = std::collections::HashSet::new();
    let (mut ok, mut unreachable, mut retried, mut replayed) = (0, 0, 0, 0);
    for run in &runs {
        let doc = run.json();
        if run.stderr.contains("sending again") {
            retried += 1;
        }
        match run.exit {
            Some(0) => {
                ok += 1;
                let rev = &doc["revision"];
                let id = rev["request_id"].as_str().unwrap_or_default().to_string();
                if doc["replayed"].as_bool() == Some(true) {
                    replayed += 1;
                }
                let want = (
                    rev["office"].as_str().unwrap_or_default().to_string(),
                    rev["year"].as_i64().unwrap_or_default() as i32,
                    rev["number"].as_i64().unwrap_or_default(),
                    rev["checksum"].as_str().unwrap_or_default().to_string(),
                );
                match stored.get(&id).map(Vec::as_slice) {
                    Some([only]) if *only == want => {}
                    other => problems.push(format!(
                        "{}: exit 0 with {want:?} (request id {id}), stored {other:?}",
                        run.code
                    )),
                }
                if !reported.insert(id.clone()) {
                    problems.push(format!("request id {id} reported by two CLIs"));
                }
            }
            Some(2) => unreachable += 1,
            other => problems.push(format!(
                "{}: exit {other:?}\nstdout: {}\nstderr: {}",
                run.code, run.stdout, run.stderr
            )),
        }
    }
    for (id, revisions) in &stored {
        if !reported.contains(id) {
            problems.push(format!("stored but no CLI reported it: {id} {revisions:?}"));
        }
    }
    eprintln!(
        "cli submit: {} CLI runs in {:.1} s: {ok} exit 0 ({retried} after a retry, {replayed} \
         answered as replays), {unreachable} exit 2; {} kills; {} revisions stored",
        runs.len(),
        started.elapsed().as_secs_f64(),
        server.kills,
        stored.values().map(Vec::len).sum::<usize>(),
    );
    if server.log_text().contains("panicked") {
        problems.push(format!("the service panicked; log:\n{}", server.log_tail()));
    }
    assert!(
        problems.is_empty(),
        "{} violation(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        ok >= OFFICES * 3,
        "too few submissions to mean anything: {ok}"
    );
    assert!(
        retried > 0,
        "no CLI lost its connection: the kills tested nothing"
    );
}
