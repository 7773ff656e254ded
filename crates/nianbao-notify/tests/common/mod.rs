//! The parts of the reminder tests: a storage server on a real database, a city, a real SMTP
//! server (Python aiosmtpd) and a webhook receiver on 127.0.0.1, and a scheduler at a set time.

#![allow(clippy::unwrap_used, dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use nianbao_model::{Edition, Money, Office, Report, Value};
use nianbao_notify::{NotifySettings, Scheduler};
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use nianbao_storage::{DatabaseSettings, Role};
use nianbao_testkit::pg::ScratchDb;
pub use nianbao_testkit::process::free_port;
use tokio::sync::oneshot;
use tonic::Request;
use tonic::transport::Channel;

pub const SECRET: &str = "test-webhook-secret";
pub const ORG: &str = "1404";
pub const YEAR: i32 = 2023;

/// A local time (UTC+8) of a day, as an instant.
pub fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    let local = NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap();
    Utc.from_utc_datetime(&(local - chrono::Duration::hours(8)))
}

pub fn req<T>(token: &str, msg: T) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// A storage server on `url`.
pub struct Server {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Server {
    pub async fn start(url: &str) -> Server {
        let settings = DatabaseSettings {
            url: url.to_string(),
            max_connections: 5,
            compress_content: true,
        };
        // Migrated before the server starts, so nothing else migrates it at the same time.
        nianbao_storage::migrate(url).await.unwrap();
        let settings = nianbao_storage::StorageSettings {
            database: settings,
            ..Default::default()
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            nianbao_storage::run(listener, &settings, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server {
            addr,
            stop: Some(stop),
        }
    }

    pub fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_lazy()
    }

    pub fn client(&self) -> StorageServiceClient<Channel> {
        StorageServiceClient::new(self.channel())
    }

    /// A scheduler on this server mailing through `smtp_port`.
    pub fn scheduler(&self, admin: &str, smtp_port: u16, worker: &str) -> Scheduler {
        let settings = NotifySettings {
            enabled: true,
            token: admin.to_string(),
            smtp_host: "127.0.0.1".into(),
            smtp_port: Some(smtp_port),
            smtp_security: "none".into(),
            smtp_from: "年报系统 <nianbao@city.example.cn>".into(),
            webhook_secret: SECRET.into(),
            timeout_seconds: 5,
            ..Default::default()
        };
        Scheduler::new(self.channel(), &settings)
            .unwrap()
            .with_worker(worker)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A database for one test: a SQLite file, or a fresh PostgreSQL database (dropped with it).
pub struct Db {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<ScratchDb>,
}

impl Db {
    pub fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        Db {
            url: format!("sqlite://{}/nianbao.db?mode=rwc", dir.path().display()),
            _dir: Some(dir),
            _pg: None,
        }
    }

    /// `None` unless `NIANBAO_TEST_POSTGRES_URL` is set.
    pub fn postgres(tag: &str) -> Option<Db> {
        let pg = ScratchDb::create(tag)?;
        Some(Db {
            url: pg.url.clone(),
            _dir: None,
            _pg: Some(pg),
        })
    }
}

/// One message the SMTP server received.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub body: String,
}

/// A real SMTP server (aiosmtpd) on 127.0.0.1.
pub struct SmtpSink {
    child: Child,
    out: PathBuf,
    _dir: tempfile::TempDir,
}

impl SmtpSink {
    pub fn start(port: u16) -> SmtpSink {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("mail.jsonl");
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_sink.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&out)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (scripts/setup.sh installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line.trim(), "ready", "the SMTP server did not start");
        SmtpSink {
            child,
            out,
            _dir: dir,
        }
    }

    /// Every message received so far.
    pub fn mails(&self) -> Vec<Mail> {
        match std::fs::read_to_string(&self.out) {
            Ok(text) => text
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request the webhook receiver got.
#[derive(Clone, Debug)]
pub struct Hook {
    pub timestamp: String,
    pub signature: String,
    pub delivery: String,
    pub body: Vec<u8>,
}

/// A webhook receiver on 127.0.0.1 that answers 500 to its first `fail_first` requests.
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<Hook>>>,
    pub requests: Arc<Mutex<usize>>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/hooks/nianbao?k=1",
            listener.local_addr().unwrap()
        );
        let got: Arc<Mutex<Vec<Hook>>> = Arc::default();
        let requests: Arc<Mutex<usize>> = Arc::default();
        let (g, r) = (got.clone(), requests.clone());
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let (g, r) = (g.clone(), r.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (g, r) = (g.clone(), r.clone());
                            async move {
                                let header = |n: &str| {
                                    req.headers()
                                        .get(n)
                                        .map(|v| v.to_str().unwrap().to_string())
                                        .unwrap_or_default()
                                };
                                let hook = Hook {
                                    timestamp: header("x-nianbao-timestamp"),
                                    signature: header("x-nianbao-signature"),
                                    delivery: header("x-nianbao-delivery"),
                                    body: Vec::new(),
                                };
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                let n = {
                                    let mut n = r.lock().unwrap();
                                    *n += 1;
                                    *n
                                };
                                let status = if n <= fail_first {
                                    500
                                } else {
                                    g.lock().unwrap().push(Hook {
                                        body: body.to_vec(),
                                        ..hook
                                    });
                                    200
                                };
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(status)
                                        .body(Full::new(Bytes::from_static(b"ok")))
                                        .unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Receiver { url, got, requests }
    }

    pub fn hooks(&self) -> Vec<Hook> {
        self.got.lock().unwrap().clone()
    }
}

fn report(code: &str, name: &str) -> Report {
    let mut r = Report::new(
        Office {
            code: code.into(),
            name: name.into(),
        },
        YEAR,
        Edition::E2021,
    );
    r.sections
        .insert("overview".into(), "本年度依法公开政府信息。".into());
    r.sections
        .insert("problems".into(), format!("{} 年将加强培训。", YEAR + 1));
    assert!(r.set("s2.regulations.issued", Value::Count(3)));
    assert!(r.set(
        "s2.fees.amount",
        Value::Money(Money::parse("0", nianbao_model::value::MoneyUnit::WanYuan).unwrap())
    ));
    r
}

/// Submits `code`'s report (as a draft with an arithmetic error when `draft`).
pub async fn submit(server: &Server, admin: &str, code: &str, name: &str, draft: bool) {
    let mut r = report(code, name);
    if draft {
        assert!(r.set("s3.granted.natural_person", Value::Count(5)));
        assert!(r.set("s3.granted.total", Value::Count(4)));
    }
    server
        .client()
        .submit_report(req(
            admin,
            pb::SubmitReportRequest {
                report: Some(rpb::Report::from(&r)),
                request_id: format!("{code}-{draft}"),
                base_revision: None,
                draft,
                client: "test".into(),
            },
        ))
        .await
        .unwrap();
}

/// The offices of the test city: code, name, kind, parent, must report, e-mail.
pub const OFFICES: [(&str, &str, &str, &str, bool, &str); 7] = [
    ("1404", "长治市人民政府", "city", "", false, ""),
    (
        "140404",
        "长治市上党区人民政府",
        "district",
        "1404",
        true,
        "qu@sd.example.cn",
    ),
    (
        "140404-a",
        "长治市上党区司法局",
        "department",
        "140404",
        true,
        "a@sd.example.cn",
    ),
    (
        "140404-b",
        "长治市上党区财政局",
        "department",
        "140404",
        true,
        "b@sd.example.cn",
    ),
    (
        "140404-c",
        "长治市上党区教育局",
        "department",
        "140404",
        true,
        "c@sd.example.cn",
    ),
    (
        "140404-e",
        "长治市上党区卫生健康局",
        "department",
        "140404",
        true,
        "e@sd.example.cn",
    ),
    (
        "1404-d",
        "长治市交通运输局",
        "department",
        "1404",
        true,
        "d@city.example.cn",
    ),
];

pub const STAFF_EMAIL: &str = "gongkai@city.example.cn";
pub const RETURN_REASON: &str = "表三第（七）项总计与各项之和不符";

/// The city: offices, contacts (140404-e also by webhook to `webhook`), the plan switched on;
/// 140404-a filed, 140404-c filed and returned, 140404-e only a draft with errors; returns the
/// admin token.
pub async fn city(server: &Server, url: &str, webhook: &str) -> String {
    let admin = nianbao_storage::bootstrap_token(url, Role::Admin, None, "test admin")
        .await
        .unwrap()
        .secret;
    let mut c = server.client();
    for (code, name, kind, parent, must, email) in OFFICES {
        c.create_office(req(
            &admin,
            pb::CreateOfficeRequest {
                code: code.into(),
                name: name.into(),
                kind: kind.into(),
                parent_code: parent.into(),
                must_report: must,
                exempt_years: vec![],
            },
        ))
        .await
        .unwrap();
        if !email.is_empty() {
            let hook = if code == "140404-e" { webhook } else { "" };
            set_contact(server, &admin, code, "", &[email], hook).await;
        }
    }
    set_contact(server, &admin, ORG, "staff", &[STAFF_EMAIL], "").await;
    c.set_reminder_plan(req(
        &admin,
        pb::SetReminderPlanRequest {
            plan: Some(pb::ReminderPlan {
                org_code: ORG.into(),
                year: YEAR,
                enabled: true,
                offsets: vec![-7, -1, 0],
                repeat_every_days: 3,
                repeat_until_days: 60,
                escalate_after_days: 7,
                digest: true,
                digest_hour: 9,
                submit_url: "https://nianbao.changzhi.example.cn".into(),
                ..Default::default()
            }),
        },
    ))
    .await
    .unwrap();
    submit(server, &admin, "140404-a", OFFICES[2].1, false).await;
    submit(server, &admin, "140404-c", OFFICES[4].1, false).await;
    c.review_report(req(
        &admin,
        pb::ReviewReportRequest {
            office_code: "140404-c".into(),
            year: YEAR,
            action: pb::ReviewAction::Return as i32,
            reason: RETURN_REASON.into(),
            ..Default::default()
        },
    ))
    .await
    .unwrap();
    submit(server, &admin, "140404-e", OFFICES[5].1, true).await;
    admin
}

pub async fn set_contact(
    server: &Server,
    token: &str,
    code: &str,
    group: &str,
    emails: &[&str],
    webhook: &str,
) {
    server
        .client()
        .set_contact(req(
            token,
            pb::SetContactRequest {
                contact: Some(pb::Contact {
                    office_code: code.into(),
                    group: group.into(),
                    emails: emails.iter().map(|e| e.to_string()).collect(),
                    webhook_url: webhook.into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .unwrap();
}

/// The reminder log of the test city.
pub async fn log(server: &Server, token: &str) -> Vec<pb::Delivery> {
    server
        .client()
        .list_reminder_log(req(
            token,
            pb::ListReminderLogRequest {
                org_code: ORG.into(),
                year: YEAR,
                page_size: 0,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .deliveries
}
