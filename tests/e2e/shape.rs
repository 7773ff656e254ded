//! Every service starts the same way: `nianbao serve storage|render|aggregate|web` each alone on
//! a free port with TLS off (each through its crate's `run`), the gRPC ones SERVING on
//! `grpc.health.v1` under their own name, the console answering HTTP over the three.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Cluster, bin, free_port, run};

/// The console's answer to `GET /login`, once it listens (within 60 s).
fn console_answer(port: u16) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
            let _ = s.write_all(b"GET /login HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if !out.is_empty() {
                return out;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the console did not answer on port {port}");
}

#[test]
fn every_service_starts_alone_through_the_one_shape() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let d = dir.path();
    let database = format!("sqlite://{}/shape.db?mode=rwc", d.display());
    let cluster = Cluster::start(&database, &[], d);
    let (storage, render, aggregate) = (&cluster.storage, &cluster.render, &cluster.aggregate);
    let s = storage.url.clone();
    for (service, name) in [
        (storage, "nianbao.storage.v1.StorageService"),
        (render, "nianbao.render.v1.RenderService"),
        (aggregate, "nianbao.aggregate.v1.AggregationService"),
    ] {
        let out = run(
            &[
                "health",
                "--server",
                &service.url,
                "--service",
                name,
                "--json",
            ],
            &[],
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{name}: {text}");
        assert!(text.contains("\"SERVING\""), "{name}: {text}");
    }
    let port = free_port();
    let log = d.join("web.log");
    let (stdout, stderr) = nianbao_testkit::process::log_pair(&log);
    let mut web = Command::new(bin())
        .args(["serve", "web", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--storage-url", &s, "--render-url", &render.url])
        .args(["--aggregate-url", &aggregate.url])
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the console: {e}"));
    let answer = console_answer(port);
    let _ = web.kill();
    let _ = web.wait();
    assert!(
        answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200"),
        "{}\nlog: {}",
        answer.lines().next().unwrap_or(""),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(answer.contains("lang=\"zh-CN\""), "{answer}");
}
