//! Deadline reminders as a city switches them on: `orgs set-contact` and `reminders
//! set|show|log` against `nianbao serve all` running the scheduler with a real SMTP server
//! (aiosmtpd) on 127.0.0.1, and their exit codes.
//!
//! The served binary's scheduler reads the system clock (it is the product, not a test
//! double), so the plan's deadline is set ten days before today: the office is ten days late
//! whatever the day the test runs. The decisions at set instants are tested in nianbao-notify.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use nianbao_testkit::process::{KillOnDrop as Killed, free_port};

fn nianbao(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .args(args)
        .env_remove("NIANBAO_SERVER")
        .env_remove("NIANBAO_TOKEN")
        .output()
        .unwrap()
}

/// The first line of a child's standard output.
fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    line.trim().to_string()
}

/// The gRPC address the server prints (`nianbao listening on ADDR`; the console's line may come first).
fn listening_line(child: &mut Child) -> String {
    let mut out = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "the server printed no address"
        );
        if line.starts_with("nianbao listening on ") {
            return line.trim().to_string();
        }
    }
}

#[test]
fn a_city_switches_reminders_on_and_its_late_office_is_mailed() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/nianbao.db?mode=rwc", dir.path().display());
    let out = nianbao(&[
        "token",
        "create",
        "--role",
        "admin",
        "--database",
        &database,
    ]);
    assert!(out.status.success(), "{out:?}");
    let admin = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap()
        .to_string();

    let smtp_port = free_port();
    let mails = dir.path().join("mail.jsonl");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../nianbao-notify/tests/smtp_sink.py"
    );
    let mut sink = Killed(
        Command::new("python3")
            .args([script, &smtp_port.to_string(), mails.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    assert_eq!(first_line(&mut sink.0), "ready");

    let mut server = Killed(
        Command::new(env!("CARGO_BIN_EXE_nianbao"))
            .args([
                "serve",
                "all",
                "--listen",
                "127.0.0.1:0",
                "--database",
                &database,
            ])
            .env("NIANBAO_NOTIFY__ENABLED", "true")
            .env("NIANBAO_NOTIFY__TOKEN", &admin)
            .env("NIANBAO_NOTIFY__INTERVAL_SECONDS", "1")
            .env("NIANBAO_NOTIFY__SMTP_HOST", "127.0.0.1")
            .env("NIANBAO_NOTIFY__SMTP_PORT", smtp_port.to_string())
            .env("NIANBAO_NOTIFY__SMTP_SECURITY", "none")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let line = listening_line(&mut server.0);
    let url = format!("http://{}", line.rsplit(' ').next().unwrap());
    let client = |token: &str, args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--server", &url, "--token", token]);
        nianbao(&all)
    };
    let ok = |out: Output| {
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    ok(client(
        &admin,
        &[
            "orgs",
            "add",
            "1404",
            "长治市人民政府",
            "--kind",
            "city",
            "--exempt",
        ],
    ));
    ok(client(
        &admin,
        &[
            "orgs",
            "add",
            "1404-jtj",
            "长治市交通运输局",
            "--parent",
            "1404",
        ],
    ));
    let city = client(
        &admin,
        &["token", "create", "--office", "1404", "--role", "city"],
    );
    let city = ok(city).lines().last().unwrap().to_string();
    let office = client(
        &admin,
        &[
            "token", "create", "--office", "1404-jtj", "--role", "office",
        ],
    );
    let office = ok(office).lines().last().unwrap().to_string();

    // A bad address is refused, naming it (exit 1); an office sets no contacts.
    let bad = client(
        &city,
        &[
            "orgs",
            "set-contact",
            "1404-jtj",
            "--email",
            "bgs@jtj",
            "--json",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stdout).contains("contact.emails[0]"),
        "{bad:?}"
    );
    let denied = client(
        &office,
        &["orgs", "set-contact", "1404-jtj", "--email", "a@b.cn"],
    );
    assert_eq!(denied.status.code(), Some(1));

    // The two commands, then the plan with an internal deadline ten days ago.
    let set = ok(client(
        &city,
        &[
            "orgs",
            "set-contact",
            "1404-jtj",
            "--email",
            "bgs@jtj.example.cn",
        ],
    ));
    assert!(set.contains("1404-jtj: bgs@jtj.example.cn"), "{set}");
    let year = 2023;
    let shown = ok(client(
        &city,
        &["reminders", "show", "--org", "1404", "--year", "2023"],
    ));
    assert!(
        shown.contains("未开启 off") && shown.contains("2024-01-31"),
        "{shown}"
    );
    let wrong = client(
        &city,
        &[
            "reminders",
            "set",
            "--org",
            "1404",
            "--year",
            "2023",
            "--digest-hour",
            "24",
        ],
    );
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("plan.digest_hour"),
        "{wrong:?}"
    );
    let deadline = (chrono::Utc::now() + chrono::Duration::hours(8) - chrono::Duration::days(10))
        .date_naive()
        .to_string();
    let dl = format!("department={deadline}");
    let set = ok(client(
        &city,
        &[
            "reminders",
            "set",
            "--org",
            "1404",
            "--year",
            "2023",
            "--deadline",
            &dl,
        ],
    ));
    assert!(
        set.contains("已开启 on") && set.contains(&deadline),
        "{set}"
    );
    let doc: serde_json::Value = serde_json::from_str(&ok(client(
        &city,
        &[
            "reminders",
            "show",
            "--org",
            "1404",
            "--year",
            "2023",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(doc["enabled"], true);
    assert_eq!(doc["deadlines"]["department"], deadline);
    assert_eq!(doc["contacts"][0]["emails"][0], "bgs@jtj.example.cn");

    // The scheduler (every second) mails the late office once: ten days late, the step of day 9.
    let start = Instant::now();
    let received = loop {
        let text = std::fs::read_to_string(&mails).unwrap_or_default();
        if !text.is_empty() || start.elapsed() > Duration::from_secs(60) {
            break text;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_secs(3));
    let received = std::fs::read_to_string(&mails).unwrap_or(received);
    let lines: Vec<serde_json::Value> = received
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{received}");
    assert_eq!(lines[0]["to"][0], "bgs@jtj.example.cn");
    let subject = lines[0]["subject"].as_str().unwrap();
    assert!(
        subject.contains("长治市交通运输局") && subject.contains(&format!("{year}年度")),
        "{subject}"
    );
    assert!(
        lines[0]["body"].as_str().unwrap().contains("已逾期 10 天"),
        "{received}"
    );

    let log = ok(client(
        &city,
        &[
            "reminders",
            "log",
            "--org",
            "1404",
            "--year",
            "2023",
            "--json",
        ],
    ));
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    assert_eq!(log.as_array().unwrap().len(), 1, "{log}");
    assert_eq!(log[0]["state"], "sent");
    assert_eq!(log[0]["step"], "remind:9");
    let table = ok(client(
        &city,
        &["reminders", "log", "--org", "1404", "--year", "2023"],
    ));
    assert!(
        table.contains("remind:9") && table.contains("bgs@jtj.example.cn"),
        "{table}"
    );
    let other = client(
        &office,
        &["reminders", "log", "--org", "1404", "--year", "2023"],
    );
    assert_eq!(other.status.code(), Some(1));
}
