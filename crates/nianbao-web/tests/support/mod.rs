//! A city on real storage, rendering and aggregation servers (one loopback port; SQLite in a
//! temporary directory, or a fresh PostgreSQL database made through `NIANBAO_TEST_POSTGRES_URL`),
//! and the console over them, called through its router. [`on_both_databases!`] makes a
//! `_sqlite` and a `_postgres` test of one test body.
#![allow(dead_code, clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use nianbao_model::{Edition, Office, Report};
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as spb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::transport::{Channel, Endpoint};
use tower::ServiceExt;

pub const YEAR: i32 = 2023;
pub const HOSTILE_NAME: &str = "<script>alert(1)</script>";
pub const HOSTILE_PROSE: &str = "本年度<b>无</b>其他事项<script>alert('x')</script>";

/// The database of one test, kept for the test's lifetime (the PostgreSQL one is dropped after).
pub enum Db {
    Sqlite(tempfile::TempDir),
    Postgres(nianbao_testkit::pg::ScratchDb),
}

impl Db {
    /// SQLite in a temporary directory.
    pub fn sqlite() -> Db {
        Db::Sqlite(tempfile::tempdir().unwrap())
    }

    /// A fresh PostgreSQL database; `None` (the skip printed and logged for
    /// `scripts/skipped.sh`) when `NIANBAO_TEST_POSTGRES_URL` is unset.
    pub fn postgres(test: &str) -> Option<Db> {
        let db = nianbao_testkit::pg::ScratchDb::create("web").map(Db::Postgres);
        if db.is_none() {
            nianbao_testkit::skip(test, "NIANBAO_TEST_POSTGRES_URL unset");
        }
        db
    }

    pub fn url(&self) -> String {
        match self {
            Db::Sqlite(dir) => format!("sqlite://{}/t.db?mode=rwc", dir.path().display()),
            Db::Postgres(db) => db.url.clone(),
        }
    }
}

/// `on_both_databases!(body, name_sqlite, name_postgres)`: two tests running `async fn body(db:
/// Db)`, on SQLite and on PostgreSQL (skipped, with a printed line, when
/// `NIANBAO_TEST_POSTGRES_URL` is unset).
#[macro_export]
macro_rules! on_both_databases {
    ($body:ident, $sqlite:ident, $postgres:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $sqlite() {
            $body(support::Db::sqlite()).await
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $postgres() {
            if let Some(db) = support::Db::postgres(stringify!($postgres)) {
                $body(db).await
            }
        }
    };
}

pub struct City {
    _db: Db,
    pub app: Router,
    pub storage: StorageServiceClient<Channel>,
    pub admin: String,
    pub city: String,
    pub office_a: String,
    pub office_b: String,
}

pub fn with_token<T>(msg: T, token: &str) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    r.metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    r
}

/// A consistent report of `code` whose overview states `extra` more requests than table 三.
pub fn report(code: &str, name: &str, seed: &[u32], extra: i64) -> Report {
    let mut r = nianbao_testkit::report::consistent(Edition::E2021, seed, false);
    r.office = Office {
        code: code.into(),
        name: name.into(),
    };
    r.year = YEAR;
    r.published_date = chrono::NaiveDate::from_ymd_opt(YEAR + 1, 1, 20);
    let n = r.count("s3.new_received.total").unwrap_or(0);
    r.sections.insert(
        "overview".into(),
        format!(
            "本年度，全年收到政府信息公开申请{}件，均按时答复。",
            n + extra
        ),
    );
    r.sections
        .insert("problems".into(), format!("{}年将继续改进。", YEAR + 1));
    r.sections.insert(
        "other".into(),
        format!("本年度未收取信息处理费。{HOSTILE_PROSE}"),
    );
    r
}

impl City {
    /// Offices `C` (city), `C-a`, `C-b` (named hostile HTML) and `C-c` (never files);
    /// `C-a` and `C-b` submitted, `C-a` with an overview contradicting its table 三 (R9).
    pub async fn start(database: Db) -> City {
        let url = database.url();
        let max_connections = if matches!(database, Db::Sqlite(_)) {
            1
        } else {
            4
        };
        let admin = nianbao_storage::bootstrap_token(&url, nianbao_storage::Role::Admin, None, "t")
            .await
            .unwrap()
            .secret;
        let db = nianbao_storage::connect(&nianbao_storage::DatabaseSettings {
            url,
            max_connections,
            compress_content: true,
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let channel = Endpoint::from_shared(addr.clone()).unwrap().connect_lazy();
        // The three services on one server, as `serve all` mounts them.
        let server = nianbao_common::GrpcServer::new()
            .add_service(nianbao_storage::service(db))
            .add_service(
                nianbao_render::service(&nianbao_render::RenderSettings {
                    storage_url: addr.clone(),
                    ..Default::default()
                })
                .unwrap(),
            )
            .add_service(
                nianbao_aggregate::service(&nianbao_aggregate::AggregateSettings {
                    storage_url: addr.clone(),
                    render_url: addr.clone(),
                    ..Default::default()
                })
                .unwrap(),
            );
        tokio::spawn(server.serve(listener, std::future::pending()));
        let settings = nianbao_web::WebSettings {
            year: YEAR,
            storage_url: addr.clone(),
            render_url: addr.clone(),
            aggregate_url: addr,
            ..Default::default()
        };
        let app = nianbao_web::service(&settings).unwrap();
        let mut storage = StorageServiceClient::new(channel);
        for (code, name, parent, kind) in [
            ("C", "测试市人民政府", "", "city"),
            ("C-a", "测试市甲局", "C", "department"),
            ("C-b", HOSTILE_NAME, "C", "department"),
            ("C-c", "测试市丙局", "C", "department"),
        ] {
            storage
                .create_office(with_token(
                    spb::CreateOfficeRequest {
                        code: code.into(),
                        name: name.into(),
                        kind: kind.into(),
                        parent_code: parent.into(),
                        must_report: kind != "city",
                        exempt_years: vec![],
                    },
                    &admin,
                ))
                .await
                .unwrap();
        }
        let mut city = City {
            _db: database,
            app,
            storage,
            admin,
            city: String::new(),
            office_a: String::new(),
            office_b: String::new(),
        };
        city.city = city.token("C", spb::Role::City).await;
        city.office_a = city.token("C-a", spb::Role::Office).await;
        city.office_b = city.token("C-b", spb::Role::Office).await;
        let (a, b) = (city.office_a.clone(), city.office_b.clone());
        city.submit(&report("C-a", "测试市甲局", &[3, 1, 4], 3), &a, "a-1")
            .await;
        city.submit(&report("C-b", HOSTILE_NAME, &[2, 7, 1], 0), &b, "b-1")
            .await;
        city
    }

    pub async fn token(&mut self, code: &str, role: spb::Role) -> String {
        self.storage
            .create_token(with_token(
                spb::CreateTokenRequest {
                    office_code: code.into(),
                    role: role as i32,
                    label: code.into(),
                },
                &self.admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .token
    }

    pub async fn submit(&mut self, report: &Report, token: &str, request_id: &str) {
        self.storage
            .submit_report(with_token(
                spb::SubmitReportRequest {
                    report: Some(rpb::Report::from(report)),
                    request_id: request_id.into(),
                    base_revision: None,
                    draft: false,
                    client: "test".into(),
                },
                token,
            ))
            .await
            .unwrap();
    }

    /// The status and number of revisions of an office-year, as storage tells the admin.
    pub async fn state_of(&mut self, code: &str) -> (i32, usize) {
        let status = self
            .storage
            .get_report(with_token(
                spb::GetReportRequest {
                    office_code: code.into(),
                    year: YEAR,
                    revision: None,
                },
                &self.admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .status;
        let revisions = self
            .storage
            .list_revisions(with_token(
                spb::ListRevisionsRequest {
                    office_code: code.into(),
                    year: YEAR,
                    ..Default::default()
                },
                &self.admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .revisions
            .len();
        (status, revisions)
    }

    /// One request to the console.
    pub async fn call(
        &self,
        method: Method,
        uri: &str,
        cookie: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        let req = match body {
            Some((ct, bytes)) => req.header(header::CONTENT_TYPE, ct).body(Body::from(bytes)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes().to_vec();
        (parts.status, parts.headers, bytes)
    }

    pub async fn get(&self, uri: &str, cookie: &str) -> (StatusCode, String) {
        let (s, _, b) = self.call(Method::GET, uri, Some(cookie), None).await;
        (s, String::from_utf8_lossy(&b).into_owned())
    }

    pub async fn post_form(
        &self,
        uri: &str,
        cookie: Option<&str>,
        form: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect();
        let (s, h, b) = self
            .call(
                Method::POST,
                uri,
                cookie,
                Some((
                    "application/x-www-form-urlencoded",
                    body.join("&").into_bytes(),
                )),
            )
            .await;
        (s, h, String::from_utf8_lossy(&b).into_owned())
    }

    /// Signs in; returns the cookie to send back.
    pub async fn sign_in(&self, token: &str) -> String {
        let (status, headers, _) = self.post_form("/login", None, &[("token", token)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set = headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        set.split(';').next().unwrap().to_string()
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The CSRF token of the first form of a page.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap().to_string()
}

/// The value of a hidden field of a page.
pub fn field_of(page: &str, name: &str) -> String {
    let pat = format!("name=\"{name}\" value=\"");
    let at = page.find(&pat).unwrap() + pat.len();
    page[at..].split('"').next().unwrap().to_string()
}

/// A header of an answer as text.
pub fn header(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers.get(name).unwrap().to_str().unwrap().to_string()
}
