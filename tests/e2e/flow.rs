//! The office → city flow with split services: submit, reject, correct, accept, aggregate, render,
//! export; the storage process is killed with SIGKILL mid-way and restarted, and nothing is lost.

use serde_json::Value;

use crate::support::{Cluster, ScratchDb, free_port, ok, run};

/// The seed report with three requests granted in full (consistent under every rule).
fn demo_report() -> Value {
    let text = include_str!("../../demo/shangdang-sifaju-2023.json");
    let mut doc: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("demo report: {e}"));
    for row in ["new_received", "granted", "total_processed"] {
        for col in ["natural_person", "total"] {
            doc["cells"][format!("s3.{row}.{col}")] = 3.into();
        }
    }
    doc
}

fn write(dir: &std::path::Path, name: &str, doc: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    path.display().to_string()
}

/// The whole flow on `database`; the services get `service_env` too, and besides every token
/// no string of `secrets` may appear in any service log.
fn flow(database: &str, service_env: &[(&str, &str)], secrets: &[&str]) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let d = dir.path();
    let mut cluster = Cluster::start(database, service_env, d);
    cluster.add_org("1404", "长治市人民政府", None, "city", &[]);
    cluster.add_org(
        "140404",
        "长治市上党区人民政府",
        Some("1404"),
        "district",
        &[],
    );
    for (code, name) in [
        ("140404-sfj", "长治市上党区司法局"),
        ("140404-jyj", "长治市上党区教育局"),
    ] {
        cluster.add_org(code, name, Some("140404"), "department", &[]);
    }
    let admin = cluster.admin.clone();
    let office = cluster.token("140404-sfj", "office");
    let other = cluster.token("140404-jyj", "office");
    let city = cluster.token("1404", "city");
    let s = cluster.storage.url.clone();
    let as_office = [
        ("NIANBAO_SERVER", s.as_str()),
        ("NIANBAO_TOKEN", office.as_str()),
    ];
    let as_other = [
        ("NIANBAO_SERVER", s.as_str()),
        ("NIANBAO_TOKEN", other.as_str()),
    ];
    let as_city = [
        ("NIANBAO_SERVER", s.as_str()),
        ("NIANBAO_TOKEN", city.as_str()),
    ];

    // An arithmetic error is rejected, naming the cell.
    let mut report = demo_report();
    report["cells"]["s3.granted.natural_person"] = 2.into();
    let bad = write(d, "bad.json", &report);
    let out = run(&["submit", &bad, "--request-id", "e2e-1"], &as_office);
    assert_eq!(out.status.code(), Some(1), "rejected submission exits 1");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("s3.granted"),
        "the rejection names the cell: {text}"
    );

    // Another office cannot submit this office's report.
    let good = write(d, "good.json", &demo_report());
    assert_eq!(run(&["submit", &good], &as_other).status.code(), Some(1));

    // The corrected report goes in; a retry with the same request id returns the same revision.
    let first = ok(
        &["submit", &good, "--request-id", "e2e-2", "--json"],
        &as_office,
    );
    let again = ok(
        &["submit", &good, "--request-id", "e2e-2", "--json"],
        &as_office,
    );
    let rev: Value =
        serde_json::from_str(&first).unwrap_or_else(|e| panic!("submit --json: {e}: {first}"));
    let rev2: Value =
        serde_json::from_str(&again).unwrap_or_else(|e| panic!("submit --json: {e}: {again}"));
    assert_eq!(rev["revision"]["checksum"], rev2["revision"]["checksum"]);
    assert_eq!(rev["revision"]["number"], rev2["revision"]["number"]);

    // Kill storage with SIGKILL and restart it: the acknowledged revision is still there.
    cluster.storage.restart();
    let history = ok(
        &[
            "history",
            "--office",
            "140404-sfj",
            "--year",
            "2023",
            "--json",
        ],
        &as_office,
    );
    assert!(
        history.contains(rev["revision"]["checksum"].as_str().unwrap_or("missing")),
        "{history}"
    );

    // The city accepts, looks at completeness, aggregates, renders and exports.
    ok(
        &["accept", "--office", "140404-sfj", "--year", "2023"],
        &as_city,
    );
    let status = ok(
        &[
            "status",
            "--office",
            "140404-sfj",
            "--year",
            "2023",
            "--json",
        ],
        &as_city,
    );
    assert!(status.to_lowercase().contains("accepted"), "{status}");
    let agg_env = [
        ("NIANBAO_SERVER", cluster.aggregate.url.as_str()),
        ("NIANBAO_TOKEN", city.as_str()),
    ];
    let completeness = ok(
        &["completeness", "--org", "1404", "--year", "2023", "--json"],
        &agg_env,
    );
    assert!(
        completeness.contains("140404-jyj") && completeness.contains("140404-sfj"),
        "{completeness}"
    );
    let aggregate_json = ok(
        &[
            "aggregate",
            "--org",
            "1404",
            "--year",
            "2023",
            "--format",
            "json",
        ],
        &agg_env,
    );
    let agg: Value = serde_json::from_str(&aggregate_json)
        .unwrap_or_else(|e| panic!("aggregate json: {e}: {aggregate_json}"));
    let cells = agg
        .get("report")
        .map(|r| &r["cells"])
        .unwrap_or(&agg["cells"]);
    assert_eq!(cells["s3.new_received.total"], 3, "{aggregate_json}");
    assert_eq!(cells["s3.granted.natural_person"], 3, "{aggregate_json}");
    let csv_path = d.join("city.csv");
    ok(
        &[
            "export",
            "--org",
            "1404",
            "--year",
            "2023",
            "--format",
            "csv",
            "-o",
            &csv_path.display().to_string(),
        ],
        &agg_env,
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap_or_default();
    assert!(
        csv.starts_with('\u{feff}') && csv.contains("140404-sfj"),
        "{csv}"
    );

    let html = d.join("r.html");
    let render_env = [
        ("NIANBAO_SERVER", cluster.render.url.as_str()),
        ("NIANBAO_TOKEN", city.as_str()),
    ];
    ok(
        &[
            "render",
            "--report",
            "140404-sfj:2023",
            "--format",
            "html",
            "-o",
            &html.display().to_string(),
        ],
        &render_env,
    );
    let page = std::fs::read_to_string(&html).unwrap_or_default();
    assert!(
        page.contains("长治市上党区司法局") && page.contains("三、收到和处理政府信息公开申请情况")
    );

    // No token (nor any other secret) ever appears in a service log, in any line.
    let mut lines = 0;
    for svc in cluster.services() {
        let log = svc.log_text();
        lines += log.lines().count();
        for line in log.lines() {
            for t in [&admin, &office, &other, &city] {
                assert!(
                    !line.contains(t.as_str()),
                    "a token leaked into {}",
                    svc.log.display()
                );
            }
            for secret in secrets {
                assert!(
                    !line.contains(secret),
                    "a secret leaked into {}",
                    svc.log.display()
                );
            }
        }
    }
    eprintln!("log scan: {lines} lines of 3 services, no token or secret");
}

#[test]
fn office_to_city_flow_on_sqlite() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    flow(
        &format!("sqlite://{}/e2e.db?mode=rwc", dir.path().display()),
        &[],
        &[],
    );
}

#[test]
fn office_to_city_flow_on_postgres() {
    let Some(db) = ScratchDb::create("e2e_flow") else {
        eprintln!("NIANBAO_TEST_POSTGRES_URL is not set: PostgreSQL end-to-end test not run");
        return;
    };
    flow(&db.url, &[], &[]);
}

/// The flow on PostgreSQL as a role with a password in the URL, every service logging at
/// `debug`: neither the password nor a token appears in any log line.
#[test]
fn no_secret_in_debug_logs_on_postgres() {
    let Some(role) = PgRole::create() else {
        eprintln!(
            "NIANBAO_TEST_POSTGRES_URL is not set: log scan with a database password not run"
        );
        return;
    };
    flow(
        &role.url,
        &[("NIANBAO_LOG__FILTER", "debug"), ("RUST_LOG", "debug")],
        &[role.password.as_str()],
    );
}

/// A login role with a random password and a database it owns, on the server of
/// `NIANBAO_TEST_POSTGRES_URL`; both dropped at the end.
struct PgRole {
    url: String,
    password: String,
    admin: String,
    name: String,
}

impl PgRole {
    fn create() -> Option<PgRole> {
        let admin = std::env::var("NIANBAO_TEST_POSTGRES_URL")
            .ok()
            .filter(|u| !u.is_empty())?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("nianbao_logscan_{}_{}", std::process::id(), free_port());
        let password = format!(
            "pw{:x}{:x}",
            nanos,
            std::process::id() as u128 * 0x9E37_79B9
        );
        let psql = |sql: &str| {
            let status = std::process::Command::new("psql")
                .args([admin.as_str(), "-qc", sql])
                .status()
                .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
            assert!(
                status.success(),
                "psql failed: {}",
                sql.split(" PASSWORD").next().unwrap_or("")
            );
        };
        psql(&format!("CREATE ROLE {name} LOGIN PASSWORD '{password}'"));
        psql(&format!("CREATE DATABASE {name} OWNER {name}"));
        let host = admin
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@').map(|(_, h)| h).or(Some(rest)))
            .and_then(|h| h.split('/').next())
            .unwrap_or("127.0.0.1:5432")
            .to_string();
        Some(PgRole {
            url: format!("postgres://{name}:{password}@{host}/{name}"),
            password,
            admin,
            name,
        })
    }
}

impl Drop for PgRole {
    fn drop(&mut self) {
        for sql in [
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            format!("DROP ROLE IF EXISTS {}", self.name),
        ] {
            let _ = std::process::Command::new("psql")
                .args([self.admin.as_str(), "-qc", &sql])
                .status();
        }
    }
}
