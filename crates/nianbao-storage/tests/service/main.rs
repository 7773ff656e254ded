//! The storage service over real sockets on 127.0.0.1:0 with a tonic client.

#![allow(clippy::unwrap_used)]

mod access;
mod flow;
mod input;

use std::net::SocketAddr;

use nianbao_model::value::MoneyUnit;
use nianbao_model::{Edition, Money, Office, Report, Value};
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use nianbao_storage::{DatabaseSettings, Role};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::{Request, Status};
use tonic_types::StatusExt;

pub(crate) struct Server {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<()>,
}

impl Server {
    pub(crate) async fn start(url: &str) -> Server {
        Server::start_with(url, None).await
    }

    /// A server that stores new revisions' content compressed or not (`None`: the default).
    pub(crate) async fn start_with(url: &str, compress_content: Option<bool>) -> Server {
        let settings = DatabaseSettings {
            url: url.to_string(),
            max_connections: 5,
            compress_content: compress_content.unwrap_or(true),
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
        let handle = tokio::spawn(async move {
            nianbao_storage::run(listener, &settings, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        Server { addr, stop, handle }
    }

    pub(crate) async fn client(&self) -> StorageServiceClient<Channel> {
        let channel = Channel::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect()
            .await
            .unwrap();
        StorageServiceClient::new(channel)
    }

    pub(crate) async fn stop(self) {
        self.stop.send(()).unwrap();
        self.handle.await.unwrap();
    }
}

pub(crate) fn req<T>(token: &str, msg: T) -> Request<T> {
    let mut r = Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// `GetReport` of `code`'s `year` (its `revision`, the latest when `None`), which must succeed:
/// the report read back and its revision number.
pub(crate) async fn read_back(
    c: &mut StorageServiceClient<Channel>,
    token: &str,
    code: &str,
    year: i32,
    revision: Option<i64>,
) -> (Report, i64) {
    let got = c
        .get_report(req(
            token,
            pb::GetReportRequest {
                office_code: code.into(),
                year,
                revision,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let report = Report::try_from(got.report.unwrap()).unwrap();
    (report, got.revision.unwrap().number)
}

pub(crate) fn model(code: &str, year: i32) -> Report {
    let mut r = Report::new(
        Office {
            code: code.into(),
            name: format!("{code} 单位"),
        },
        year,
        Edition::E2021,
    );
    r.sections
        .insert("overview".into(), "本年度依法公开政府信息。".into());
    r.sections
        .insert("problems".into(), format!("{} 年将加强培训。", year + 1));
    assert!(r.set("s2.regulations.issued", Value::Count(3)));
    assert!(r.set(
        "s2.fees.amount",
        Value::Money(Money::parse("0", MoneyUnit::WanYuan).unwrap())
    ));
    r
}

pub(crate) fn submission(report: &Report, request_id: &str) -> pb::SubmitReportRequest {
    pb::SubmitReportRequest {
        report: Some(rpb::Report::from(report)),
        request_id: request_id.into(),
        base_revision: None,
        draft: false,
        client: "service-test".into(),
    }
}

pub(crate) fn with_error(mut r: Report) -> Report {
    assert!(r.set("s3.granted.natural_person", Value::Count(5)));
    assert!(r.set("s3.granted.total", Value::Count(4)));
    r
}

/// Fields named by the bad-request details of a status.
pub(crate) fn fields(status: &Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

pub(crate) struct Tokens {
    pub(crate) admin: String,
    pub(crate) city: String,
    pub(crate) office: String,
}

/// city ─ district ─ office-a ─ unit-a1; city ─ office-b. The city token is bound to `district`.
pub(crate) async fn setup(url: &str, server: &Server) -> Tokens {
    let admin = nianbao_storage::bootstrap_token(url, Role::Admin, None, "test admin")
        .await
        .unwrap()
        .secret;
    let mut c = server.client().await;
    for (code, parent) in [
        ("city", ""),
        ("district", "city"),
        ("office-a", "district"),
        ("unit-a1", "office-a"),
        ("office-b", "city"),
    ] {
        c.create_office(req(
            &admin,
            pb::CreateOfficeRequest {
                code: code.into(),
                name: format!("{code} 名称"),
                kind: "department".into(),
                parent_code: parent.into(),
                must_report: true,
                exempt_years: vec![],
            },
        ))
        .await
        .unwrap();
    }
    let mut token = async |role: pb::Role, office: &str| {
        c.create_token(req(
            &admin,
            pb::CreateTokenRequest {
                office_code: office.into(),
                role: role as i32,
                label: "t".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .token
    };
    let city = token(pb::Role::City, "district").await;
    let office = token(pb::Role::Office, "office-a").await;
    Tokens {
        admin,
        city,
        office,
    }
}

pub(crate) fn sqlite_url(dir: &tempfile::TempDir) -> String {
    format!("sqlite://{}/nested/dir/nianbao.db", dir.path().display())
}
