//! The web console: inside `serve all` and split (`serve web` against the services), over HTTP;
//! and the whole collection in a real browser (headless Chromium over WebDriver, axe-core) on the
//! demo city kept running by `nianbao demo --serve` (tests/browser/console_test.py).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{Service, bin, free_port, last_line, ok, run};

/// A child process killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(args: &[&str], log: &Path) -> Running {
    let out = std::fs::File::create(log).unwrap_or_else(|e| panic!("log: {e}"));
    let err = out.try_clone().unwrap_or_else(|e| panic!("log: {e}"));
    let child = Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start nianbao: {e}"));
    Running(child)
}

/// One HTTP/1.1 request; the status and the whole answer.
fn http(port: u16, request: &str) -> (u16, String) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(e) if Instant::now() > deadline => panic!("console on {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    stream
        .write_all(request.as_bytes())
        .unwrap_or_else(|e| panic!("write: {e}"));
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, answer)
}

fn get(port: u16, path: &str) -> (u16, String) {
    http(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"),
    )
}

fn sign_in(port: u16, token: &str) -> (u16, String) {
    let body = format!("token={token}");
    http(
        port,
        &format!(
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

#[test]
fn console_inside_serve_all_and_split() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let db = format!("sqlite://{}/web.db?mode=rwc", dir.path().display());
    let admin = last_line(&ok(
        &["token", "create", "--role", "admin", "--database", &db],
        &[],
    ));
    let web = free_port();
    let all = Service::start(
        "all",
        free_port(),
        &[
            "--database",
            &db,
            "--web-listen",
            &format!("127.0.0.1:{web}"),
        ],
        &[],
        dir.path(),
    );
    let (status, page) = get(web, "/login");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("content-security-policy"), "{page}");
    let (status, answer) = sign_in(web, &admin);
    assert_eq!(status, 303, "{answer}");
    assert!(answer.contains("HttpOnly; SameSite=Strict"), "{answer}");
    // The console split from the services, reaching all three at the serve-all address.
    let split = free_port();
    let _web = start(
        &[
            "serve",
            "web",
            "--listen",
            &format!("127.0.0.1:{split}"),
            "--storage-url",
            &all.url,
            "--render-url",
            &all.url,
            "--aggregate-url",
            &all.url,
        ],
        &dir.path().join("web.log"),
    );
    let (status, answer) = sign_in(split, &admin);
    assert_eq!(status, 303, "{answer}");
    let (status, _) = sign_in(split, "nbt_not_a_token");
    assert_eq!(status, 401);
    let (status, answer) = get(split, "/board");
    assert_eq!(status, 303, "no session: {answer}");
}

/// The line of `text` starting with `prefix`, without it.
fn line_after(text: &str, prefix: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .map(|rest| rest.rsplit(' ').next().unwrap_or(rest).trim().to_string())
}

#[test]
fn console_in_a_real_browser() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let axe = format!("{root}/tests/browser/node_modules/axe-core/axe.min.js");
    for (what, present) in [
        ("chromium", which("chromium")),
        ("chromedriver", which("chromedriver")),
        ("axe-core", Path::new(&axe).exists()),
    ] {
        assert!(present, "{what} is missing: run scripts/setup.sh");
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tmp: {e}"));
    let port = free_port();
    let log = dir.path().join("demo.log");
    let out = dir.path().join("out");
    let mut demo = start(
        &[
            "demo",
            "--serve",
            "--out",
            &out.display().to_string(),
            "--listen",
            &format!("127.0.0.1:{port}"),
        ],
        &log,
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("gRPC server:") {
            break text;
        }
        if let Ok(Some(status)) = demo.0.try_wait() {
            panic!("demo --serve ended ({status}):\n{text}");
        }
        assert!(
            Instant::now() < deadline,
            "demo --serve did not start:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let field = |prefix: &str| {
        line_after(&text, prefix).unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"))
    };
    let (grpc, admin) = (field("gRPC server:"), field("admin token:"));
    // An office named with markup, exempt (the board's counts stay those of the demo), whose
    // report's prose holds HTML.
    let env = [
        ("NIANBAO_SERVER", grpc.as_str()),
        ("NIANBAO_TOKEN", admin.as_str()),
    ];
    let hostile = "140499-xss";
    ok(
        &[
            "orgs",
            "add",
            hostile,
            "<script>alert(1)</script>",
            "--parent",
            "1404",
            "--kind",
            "department",
            "--exempt",
        ],
        &env,
    );
    let token = last_line(&ok(
        &["token", "create", "--office", hostile, "--role", "office"],
        &env,
    ));
    let seed = std::fs::read_to_string(format!("{root}/demo/shangdang-sifaju-2023.json"))
        .unwrap_or_else(|e| panic!("seed: {e}"));
    let mut report: serde_json::Value =
        serde_json::from_str(&seed).unwrap_or_else(|e| panic!("seed: {e}"));
    report["office"] = serde_json::json!({"code": hostile, "name": "<script>alert(1)</script>"});
    report["sections"]["other"] =
        "本年度未收取信息处理费。<b>HTML</b><script>alert(2)</script>".into();
    let file = dir.path().join("hostile.json");
    std::fs::write(&file, report.to_string()).unwrap_or_else(|e| panic!("write: {e}"));
    ok(
        &["submit", &file.display().to_string()],
        &[
            ("NIANBAO_SERVER", grpc.as_str()),
            ("NIANBAO_TOKEN", token.as_str()),
        ],
    );

    follow_up(&grpc, &field("city token"));

    let mut cmd = Command::new("python3");
    cmd.arg(format!("{root}/tests/browser/console_test.py"))
        .env("CONSOLE_URL", field("console:"))
        .env("CITY_TOKEN", field("city token"))
        .env("OFFICE_TOKEN", field("office token"))
        .env("OFFICE_CODE", "140403-sfj")
        .env("DOCUMENT", field("document to upload as that office:"))
        .env("HOSTILE_CODE", hostile);
    let run = cmd.output().unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        run.status.success(),
        "browser test failed:\n{}\n{}\nconsole log:\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&run.stdout).unwrap_or_else(|e| panic!("browser test output: {e}"));
    assert!(
        seen["pages_checked"]
            .as_array()
            .is_some_and(|p| p.len() >= 8),
        "{seen}"
    );
}

/// What follows a report, for the board's columns and the reminder log page: an accepted report
/// published at a page nobody serves and checked by `verify-published` (not found), and two
/// reminders claimed and finished through storage as the notifier does (one sent, one failed).
fn follow_up(grpc: &str, city: &str) {
    let env = [("NIANBAO_SERVER", grpc), ("NIANBAO_TOKEN", city)];
    let gone = format!("http://127.0.0.1:{}/2023.html", free_port());
    ok(
        &[
            "publish",
            "--office",
            "140403-jyj",
            "--year",
            "2023",
            "--url",
            &gone,
            "--date",
            "2024-01-20",
        ],
        &env,
    );
    // Not found is an outcome, not a failure of the command; what it stored is on the board.
    let _ = run(
        &["verify-published", "--org", "1404", "--year", "2023"],
        &env,
    );
    use nianbao_proto::storage::v1 as st;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    rt.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(grpc.to_string())
            .unwrap_or_else(|e| panic!("{grpc}: {e}"))
            .connect()
            .await
            .unwrap_or_else(|e| panic!("{grpc}: {e}"));
        let bearer: tonic::metadata::MetadataValue<_> = format!("Bearer {city}")
            .parse()
            .unwrap_or_else(|e| panic!("token: {e}"));
        let mut storage = st::storage_service_client::StorageServiceClient::with_interceptor(
            channel,
            move |mut r: tonic::Request<()>| {
                r.metadata_mut().insert("authorization", bearer.clone());
                Ok(r)
            },
        );
        for (office, to, sent) in [
            ("140429-jyj", "jyj@example.org", true),
            ("140431-zrzyj", "zrzyj@example.org", false),
        ] {
            let claim = storage
                .claim_reminder(st::ClaimReminderRequest {
                    delivery: Some(st::Delivery {
                        org_code: "1404".into(),
                        year: 2023,
                        office_code: office.into(),
                        step: "remind:3".into(),
                        channel: "email".into(),
                        recipients: vec![to.into()],
                        subject: "请尽快报送 2023 年度政府信息公开工作年度报告".into(),
                        ..Default::default()
                    }),
                    worker: "e2e".into(),
                    now: String::new(),
                    lease_seconds: 300,
                })
                .await
                .unwrap_or_else(|e| panic!("claim: {e}"))
                .into_inner();
            assert!(claim.granted, "{claim:?}");
            storage
                .finish_reminder(st::FinishReminderRequest {
                    org_code: "1404".into(),
                    year: 2023,
                    office_code: office.into(),
                    step: "remind:3".into(),
                    channel: "email".into(),
                    attempt: claim.delivery.map_or(1, |d| d.attempts),
                    sent,
                    error: if sent { "" } else { "550 mailbox unavailable" }.into(),
                    retry_at: String::new(),
                    now: String::new(),
                })
                .await
                .unwrap_or_else(|e| panic!("finish: {e}"));
        }
    });
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|d| d.join(program).is_file()))
}
