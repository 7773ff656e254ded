//! A client not written in Rust: Python stubs generated from proto/ with grpcio-tools submit a
//! report, read it back, call health and list the services by reflection.

use std::process::Command;

use serde_json::Value;

use crate::support::{Service, free_port, last_line, ok};

#[test]
fn python_client_generated_from_proto() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let db = format!("sqlite://{}/py.db?mode=rwc", dir.path().display());
    let admin = last_line(&ok(
        &["token", "create", "--role", "admin", "--database", &db],
        &[],
    ));
    let server = Service::start("all", free_port(), &["--database", &db], &[], dir.path());
    let env = [
        ("NIANBAO_SERVER", server.url.as_str()),
        ("NIANBAO_TOKEN", admin.as_str()),
    ];
    ok(&["orgs", "add", "140404-sfj", "长治市上党区司法局"], &env);
    let token = last_line(&ok(
        &[
            "token",
            "create",
            "--office",
            "140404-sfj",
            "--role",
            "office",
        ],
        &env,
    ));
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new("python3")
        .arg(format!("{root}/tests/python/client.py"))
        .args([
            server.url.trim_start_matches("http://"),
            token.as_str(),
            "140404-sfj",
        ])
        .arg(format!("{root}/demo/shangdang-sifaju-2023.json"))
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success(),
        "python client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("client output: {e}"));
    assert_eq!(seen["revision"], 1);
    assert_eq!(seen["cells_equal"], true, "{seen}");
    assert_eq!(seen["cells_back"], 200);
    assert_eq!(seen["health"], "SERVING");
    let services = seen["services"].to_string();
    for s in [
        "nianbao.storage.v1.StorageService",
        "nianbao.render.v1.RenderService",
        "nianbao.aggregate.v1.AggregationService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            services.contains(s),
            "{s} not listed by reflection: {services}"
        );
    }
}
