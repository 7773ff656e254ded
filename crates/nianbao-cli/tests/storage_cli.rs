//! The storage commands as a script drives them: bootstrap token, serve, orgs, tokens, submit,
//! status, history, accept/return, health, and their exit codes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use nianbao_model::{Edition, Office, Report, Value, interchange};

fn nianbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .env_remove("NIANBAO_SERVER")
        .env_remove("NIANBAO_TOKEN")
        .output()
        .expect("run nianbao")
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `nianbao serve storage` on a free port; returns the child and the server URL.
fn serve(database: &str) -> (Served, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args([
            "serve",
            "storage",
            "--listen",
            "127.0.0.1:0",
            "--database",
            database,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn server");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read");
    let addr = line.trim().rsplit(' ').next().expect("address").to_string();
    assert!(line.starts_with("nianbao listening on "), "{line}");
    (Served(child), format!("http://{addr}"))
}

fn report_file(dir: &std::path::Path, name: &str, bad: bool) -> String {
    let mut r = Report::new(
        Office {
            code: "140404-sfj".into(),
            name: "长治市上党区司法局".into(),
        },
        2023,
        Edition::E2021,
    );
    r.sections
        .insert("overview".into(), "本年度依法公开政府信息。".into());
    r.sections
        .insert("problems".into(), "2024 年将加强培训。".into());
    assert!(r.set("s2.regulations.issued", Value::Count(3)));
    if bad {
        assert!(r.set("s3.granted.natural_person", Value::Count(5)));
        assert!(r.set("s3.granted.total", Value::Count(4)));
    }
    let path = dir.join(name);
    std::fs::write(&path, interchange::to_json(&r)).expect("write");
    path.to_str().expect("path").to_string()
}

#[test]
fn storage_commands_end_to_end() {
    let dir = tempfile::tempdir().expect("tmp");
    let database = format!("sqlite://{}/db/nianbao.db", dir.path().display());

    let out = nianbao(&[
        "token",
        "create",
        "--role",
        "admin",
        "--database",
        &database,
    ]);
    assert!(out.status.success(), "{out:?}");
    let admin = last_line(&out);
    assert!(admin.starts_with("nbt_") && !admin.contains(' '), "{admin}");

    let (_server, url) = serve(&database);
    let client = |token: &str, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &url, "--token", token]);
        nianbao(&all)
    };
    assert_eq!(
        nianbao(&["health", "--server", &url]).status.code(),
        Some(0)
    );

    assert!(
        client(&admin, &["orgs", "add", "city", "长治市", "--kind", "city"])
            .status
            .success()
    );
    assert!(
        client(
            &admin,
            &[
                "orgs",
                "add",
                "140404-sfj",
                "长治市上党区司法局",
                "--parent",
                "city"
            ]
        )
        .status
        .success()
    );
    let listed = client(&admin, &["orgs", "list", "--under", "city", "--json"]);
    let offices: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    assert_eq!(offices.as_array().map(Vec::len), Some(2));

    let office = last_line(&client(
        &admin,
        &[
            "token",
            "create",
            "--office",
            "140404-sfj",
            "--role",
            "office",
        ],
    ));
    let city = last_line(&client(
        &admin,
        &["token", "create", "--office", "city", "--role", "city"],
    ));
    assert!(office.starts_with("nbt_") && city.starts_with("nbt_"));
    let denied = client(&office, &["token", "list"]);
    assert_eq!(denied.status.code(), Some(1));

    let good = report_file(dir.path(), "good.json", false);
    let bad = report_file(dir.path(), "bad.json", true);
    let out = client(
        &office,
        &["submit", &good, "--request-id", "first", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["revision"]["number"], 1);
    let out = client(
        &office,
        &["submit", &good, "--request-id", "first", "--json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["replayed"], true);

    let out = client(&office, &["submit", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("s3.granted.total"),
        "{out:?}"
    );
    let missing = dir.path().join("missing.json");
    assert_eq!(
        client(&office, &["submit", missing.to_str().expect("path")])
            .status
            .code(),
        Some(2)
    );

    let out = client(
        &office,
        &[
            "status",
            "--office",
            "140404-sfj",
            "--year",
            "2023",
            "--json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(doc["status"], "submitted");
    let history = [
        "history",
        "--office",
        "140404-sfj",
        "--year",
        "2023",
        "--json",
    ];
    let numbers = |args: &[&str]| -> Vec<i64> {
        let out = client(&city, args);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        doc.as_array()
            .expect("array")
            .iter()
            .map(|r| r["number"].as_i64().expect("number"))
            .collect()
    };
    assert_eq!(
        numbers(&history),
        [1],
        "the refused submission left no revision"
    );
    for id in ["second", "third"] {
        let out = client(&office, &["submit", &good, "--request-id", id]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    }
    assert_eq!(numbers(&history), [1, 2, 3]);
    assert_eq!(numbers(&[&history[..], &["--last", "2"]].concat()), [2, 3]);
    assert_eq!(
        numbers(&[&history[..], &["--last", "9"]].concat()),
        [1, 2, 3]
    );

    assert_eq!(
        client(
            &office,
            &["accept", "--office", "140404-sfj", "--year", "2023"]
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        client(
            &city,
            &[
                "return",
                "--office",
                "140404-sfj",
                "--year",
                "2023",
                "--reason",
                "请补充"
            ]
        )
        .status
        .code(),
        Some(0)
    );
    let out = client(
        &office,
        &[
            "status",
            "--office",
            "140404-sfj",
            "--year",
            "2023",
            "--json",
        ],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        (doc["status"].as_str(), doc["return_reason"].as_str()),
        (Some("returned"), Some("请补充"))
    );
    assert_eq!(
        client(
            "nbt_wrong",
            &["status", "--office", "140404-sfj", "--year", "2023"]
        )
        .status
        .code(),
        Some(1)
    );

    assert_eq!(
        nianbao(&["health", "--server", "http://127.0.0.1:1"])
            .status
            .code(),
        Some(2)
    );
}
