//! Hostile requests to a running service: office names with SQL and shell metacharacters are
//! stored and shown verbatim; an office code shaped like a path is refused or stored verbatim
//! without touching the file system; clients that open report streams and never read them
//! leave the service responsive to others, with bounded memory.

use std::time::{Duration, Instant};

use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;

use crate::process::{Server, authed, bootstrap_admin, lazy_channel};
use crate::workload::{self, ROOT};

fn office(code: &str, name: &str) -> pb::CreateOfficeRequest {
    pb::CreateOfficeRequest {
        code: code.into(),
        name: name.into(),
        kind: "department".into(),
        parent_code: ROOT.into(),
        must_report: true,
        exempt_years: vec![],
    }
}

/// `VmRSS` of a process in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

pub async fn hostile_requests_run(database: &str, dir: &std::path::Path) {
    let admin = bootstrap_admin(database);
    let server = Server::start(database, dir, &admin).await;
    let clients = crate::setup(&server.url, &admin, 1).await;
    let mut s = StorageServiceClient::new(lazy_channel(&server.url));

    // Names with SQL and shell metacharacters: stored and listed verbatim.
    let names = [
        ("sql-1", "'; DROP TABLE offices; --"),
        ("shell-1", "$(rm -rf /)"),
        ("quote-1", "局\"`;|&<>\\ 0x00%s%n{}"),
    ];
    for (code, name) in names {
        s.create_office(authed(&admin, office(code, name)))
            .await
            .unwrap_or_else(|e| panic!("create office {name:?}: {e}"));
    }
    // A path as an office code: refused, or stored verbatim; nothing appears on disk.
    let traversal = "../../etc/passwd";
    let before: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    let made = s
        .create_office(authed(&admin, office(traversal, "路径单位")))
        .await;
    match &made {
        Ok(_) => {}
        Err(e) => assert_eq!(e.code(), Code::InvalidArgument, "{e}"),
    }
    let listed = s
        .list_offices(authed(
            &admin,
            pb::ListOfficesRequest {
                under: String::new(),
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("list offices after hostile names: {e}"))
        .into_inner()
        .offices;
    let shown = |code: &str| {
        listed
            .iter()
            .find(|o| o.code == code)
            .map(|o| o.name.clone())
    };
    for (code, name) in names {
        assert_eq!(
            shown(code).as_deref(),
            Some(name),
            "office {code} as stored"
        );
    }
    if made.is_ok() {
        assert_eq!(
            shown(traversal).as_deref(),
            Some("路径单位"),
            "stored verbatim"
        );
    }
    let after: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(before, after, "the office code touched the file system");
    eprintln!(
        "hostile names: stored verbatim; path-like office code: {}",
        match &made {
            Ok(_) => "stored verbatim".to_string(),
            Err(e) => format!("{:?} {}", e.code(), e.message()),
        }
    );
    // The offices table is still there and works.
    s.create_office(authed(&admin, office("after-1", "之后的单位")))
        .await
        .unwrap_or_else(|e| panic!("create office after hostile names: {e}"));

    // Reports of about 0.9 MB each (prose near its 1 MiB limit), one per year: a stream of
    // them (about 3.7 MB) does not fit into the transport's flow-control windows.
    let c = &clients[0];
    let base = workload::base_report();
    for seq in 0..8 {
        let mut req = workload::request(&base, c, seq);
        let mut report = workload::report_for(&base, c, seq);
        report.sections.insert(
            nianbao_model::SectionKey::OTHER.to_string(),
            format!("{seq}{}", "年".repeat(300 * 1024)),
        );
        req.report = Some(nianbao_proto::report::v1::Report::from(&report));
        s.submit_report(authed(&c.token, req))
            .await
            .unwrap_or_else(|e| panic!("submit {seq}: {e}"));
    }
    let pid = server.pid().unwrap_or(0);
    let rss_before = rss_kib(pid);
    // 32 clients, each on its own connection, open a stream of every revision and never read.
    let mut idle = Vec::new();
    for _ in 0..32 {
        let mut own = StorageServiceClient::new(lazy_channel(&server.url));
        let stream = own
            .stream_reports(authed(
                &admin,
                pb::StreamReportsRequest {
                    under: String::new(),
                    year: 0,
                    selection: pb::Selection::LatestSubmitted as i32,
                    ..Default::default()
                },
            ))
            .await;
        idle.push((own, stream));
    }
    // Others are still served promptly.
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let mut fresh = StorageServiceClient::new(lazy_channel(&server.url));
        fresh
            .who_am_i(authed(&admin, pb::WhoAmIRequest {}))
            .await
            .unwrap_or_else(|e| panic!("WhoAmI while streams are not read: {e}"));
        s.list_revisions(authed(
            &c.token,
            pb::ListRevisionsRequest {
                office_code: c.code.clone(),
                year: 2023,
                ..Default::default()
            },
        ))
        .await
        .unwrap_or_else(|e| panic!("ListRevisions while streams are not read: {e}"));
        slowest = slowest.max(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rss_during = rss_kib(pid);
    eprintln!(
        "32 unread streams: slowest WhoAmI + ListRevisions {slowest:?}; service RSS {} → {} MiB",
        rss_before / 1024,
        rss_during / 1024
    );
    assert!(
        slowest < Duration::from_secs(10),
        "the service was slow for others: {slowest:?}"
    );
    if rss_before > 0 {
        assert!(
            rss_during < rss_before + 128 * 1024,
            "memory grew by {} MiB with unread streams",
            (rss_during - rss_before) / 1024
        );
    }
    drop(idle);
    s.who_am_i(authed(&admin, pb::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("service down after unread streams: {e}"));
    assert!(
        !server.log_text().contains("panicked"),
        "the service panicked:\n{}",
        server.log_tail()
    );
}
