//! Completeness's counts read from the stored counts (only offices with review marks, or whose
//! last year's report came or changed after this year's, read in full) equal the full recount of
//! every report, on SQLite and PostgreSQL, over real gRPC: a subtree with marks, cross-year
//! findings and outliers (last year's report submitted before and after this year's) and offices
//! without last year's report, both when few offices are read again one by one and when most are
//! and the whole subtree is streamed; and a second-year city, where every office has last year's
//! report, is counted without reading any report again.

mod common;

use common::{report_of, with_token};
use nianbao_aggregate::service::AggregateService;
use nianbao_aggregate::source::{Auth, StorageSource};
use nianbao_model::{Edition, Report};
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as spb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::transport::Channel;

struct Env {
    admin: String,
    storage: StorageServiceClient<Channel>,
    channel: Channel,
}

async fn spawn(url: String) -> Env {
    let (admin, addr) = common::storage_on(url, 2).await;
    let channel = common::channel(addr);
    Env {
        admin,
        storage: StorageServiceClient::new(channel.clone()),
        channel,
    }
}

impl Env {
    async fn office(&mut self, code: &str, parent: &str, kind: &str) {
        let req = spb::CreateOfficeRequest {
            code: code.into(),
            name: format!("{code}局"),
            kind: kind.into(),
            parent_code: parent.into(),
            must_report: true,
            exempt_years: vec![],
        };
        self.storage
            .create_office(with_token(req, &self.admin))
            .await
            .expect("create office");
    }

    async fn token(&mut self, code: &str, role: spb::Role) -> String {
        let req = spb::CreateTokenRequest {
            office_code: code.into(),
            role: role as i32,
            label: code.into(),
        };
        self.storage
            .create_token(with_token(req, &self.admin))
            .await
            .expect("token")
            .into_inner()
            .token
    }

    async fn submit(&mut self, report: &Report) {
        self.submit_as(report, &format!("{}-{}", report.office.code, report.year))
            .await;
    }

    async fn submit_as(&mut self, report: &Report, request_id: &str) {
        let token = self.token(&report.office.code, spb::Role::Office).await;
        let req = spb::SubmitReportRequest {
            report: Some(rpb::Report::from(report)),
            request_id: request_id.into(),
            base_revision: None,
            draft: false,
            client: "test".into(),
        };
        self.storage
            .submit_report(with_token(req, &token))
            .await
            .expect("submit");
    }

    /// Marks the first stored warning of the office's 2023 report.
    async fn mark(&mut self, code: &str) {
        let req = spb::GetReportRequest {
            office_code: code.into(),
            year: 2023,
            revision: None,
        };
        let stored = self
            .storage
            .get_report(with_token(req, &self.admin))
            .await
            .expect("get")
            .into_inner();
        let warning = stored
            .revision
            .expect("revision")
            .findings
            .into_iter()
            .find(|f| f.severity == rpb::Severity::Warning as i32)
            .expect("a stored warning");
        let req = spb::MarkFindingRequest {
            office_code: code.into(),
            year: 2023,
            fingerprint: warning.fingerprint,
            reason: "已核实".into(),
        };
        self.storage
            .mark_finding(with_token(req, &self.admin))
            .await
            .expect("mark");
    }
}

fn code(i: usize) -> String {
    format!("o{i:02}")
}

async fn fast_equals_full(url: String) {
    let mut env = spawn(url).await;
    env.office("c", "", "city").await;
    env.office("x", "", "city").await;
    env.office("d", "c", "district").await;
    for i in 0..12 {
        env.office(&code(i), if i < 6 { "c" } else { "d" }, "department")
            .await;
    }
    // o00's last year arrives before this year's report, o01's after it (so its stored findings
    // were checked without it); the other offices have no report of last year yet.
    env.submit(&report_of(
        "o00",
        2022,
        Edition::E2021,
        &[1, 1, 1, 1],
        false,
    ))
    .await;
    for i in 0..12 {
        let mut r = report_of(
            &code(i),
            2023,
            Edition::E2021,
            &[30, 40, 50, 60],
            i % 2 == 0,
        );
        // Some reports carry their publication date, which the counts pass on.
        if i % 3 == 0 {
            r.published_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 10 + i as u32);
        }
        env.submit(&r).await;
    }
    env.submit(&report_of("o01", 2022, Edition::E2021, &[1, 1, 1, 1], true))
        .await;
    env.submit(&report_of("x", 2023, Edition::E2021, &[3, 1, 4, 1], false))
        .await;
    env.mark("o02").await;
    env.mark("x").await;

    let city = env.token("c", spb::Role::City).await;
    let auth = Auth::bearer(&city).expect("auth");
    let service = AggregateService::new(env.channel.clone(), env.channel.clone());
    let source = StorageSource::new(env.channel.clone());
    let marks = source.subtree_marks("c", 2023, &auth).await.expect("marks");
    assert_eq!(marks.keys().collect::<Vec<_>>(), vec!["o02"], "{marks:?}");
    // The subtree's marks are read with the caller's access: not another city's, and an office
    // sees its own only.
    assert!(source.subtree_marks("x", 2023, &auth).await.is_err());
    let office = env.token("o02", spb::Role::Office).await;
    let office = Auth::bearer(&office).expect("auth");
    assert!(source.subtree_marks("c", 2023, &office).await.is_err());
    let own = source.subtree_marks("", 2023, &office).await.expect("own");
    assert_eq!(own.keys().collect::<Vec<_>>(), vec!["o02"]);
    let stored = source.heads("c", 2023, &auth).await.expect("heads");
    assert_eq!(stored.len(), 12, "every office of c with a 2023 report");

    // Few offices to read again (2 of 12: o01 and o02): one by one.
    let (fast, again) = service
        .counts_read_again("c", 2023, &auth)
        .await
        .expect("counts");
    assert_eq!(again, 2, "o01 (last year came later) and o02 (marked)");
    let full = service
        .recount("c", 2023, &marks, None, &auth)
        .await
        .expect("recount");
    assert_eq!(fast, full);
    assert!(!fast.contains_key("x"), "outside the city's subtree");
    let differs = |code: &str| {
        let (h, f) = (&stored[code], &full[code]);
        (h.errors, h.warnings) != (f.0, f.1)
    };
    assert!(differs("o00"), "o00: the outliers against last year count");
    assert!(differs("o01"), "o01: cross-year findings not stored");
    assert!(differs("o02"), "o02: a warning explained by its mark");
    assert!(!differs("o03"), "o03: nothing to count again");
    assert_eq!(fast["o03"].2, chrono::NaiveDate::from_ymd_opt(2024, 1, 13));

    // Most offices to read again: the whole subtree streamed.
    for i in 3..10 {
        env.submit(&report_of(
            &code(i),
            2022,
            Edition::E2021,
            &[2, 1, 3],
            i % 3 == 0,
        ))
        .await;
    }
    let (fast, again) = service
        .counts_read_again("c", 2023, &auth)
        .await
        .expect("counts");
    assert_eq!(again, 9, "o01 to o09");
    let full = service
        .recount("c", 2023, &marks, None, &auth)
        .await
        .expect("recount");
    assert_eq!(fast, full);
    assert_eq!(fast.len(), 12);

    // This year's reports submitted again after last year's: their stored findings were checked
    // against last year's, so only the marked office is read again, and the answer still equals
    // the recount (cross-year findings stored, outliers from the cells).
    for i in 0..12 {
        let r = report_of(
            &code(i),
            2023,
            Edition::E2021,
            &[30, 40, 50, 60],
            i % 2 == 0,
        );
        env.submit_as(&r, &format!("{}-again", code(i))).await;
    }
    let (fast, again) = service
        .counts_read_again("c", 2023, &auth)
        .await
        .expect("counts");
    let full = service
        .recount("c", 2023, &marks, None, &auth)
        .await
        .expect("recount");
    assert_eq!(fast, full);
    assert_eq!(again, 1, "o02 (marked) only");
    let stored = source.heads("c", 2023, &auth).await.expect("heads");
    assert!(
        (fast["o05"].0, fast["o05"].1) != (stored["o05"].errors, stored["o05"].warnings),
        "o05: outliers against last year counted from the cells"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_counts_equal_the_full_recount_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    fast_equals_full(format!("sqlite://{}/t.db?mode=rwc", dir.path().display())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fast_counts_equal_the_full_recount_on_postgres() {
    let Some(db) = nianbao_testkit::pg::ScratchDb::create("counts") else {
        nianbao_testkit::skip(
            "fast_counts_equal_the_full_recount_on_postgres",
            "NIANBAO_TEST_POSTGRES_URL unset",
        );
        return;
    };
    fast_equals_full(db.url.clone()).await;
}
