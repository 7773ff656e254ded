//! Storage and aggregation services over real sockets on 127.0.0.1: roll-up, completeness,
//! compare and export through the storage gRPC API, with the caller's token forwarded.

mod common;

use common::{channel, listener, report_of, with_token};
use nianbao_model::{Edition, Report};
use nianbao_proto::aggregate::v1 as apb;
use nianbao_proto::aggregate::v1::aggregation_service_client::AggregationServiceClient;
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as spb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::transport::Channel;

struct Env {
    _dir: tempfile::TempDir,
    admin: String,
    storage: StorageServiceClient<Channel>,
    agg: AggregationServiceClient<Channel>,
}

async fn spawn() -> Env {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
    let (admin, saddr) = common::storage_on(url, 1).await;
    let aggregate = nianbao_aggregate::AggregateSettings {
        storage_url: format!("http://{saddr}"),
        ..Default::default()
    };
    let (al, aaddr) = listener().await;
    tokio::spawn(
        async move { nianbao_aggregate::run(al, &aggregate, std::future::pending()).await },
    );
    Env {
        _dir: dir,
        admin,
        storage: StorageServiceClient::new(channel(saddr)),
        agg: AggregationServiceClient::new(channel(aaddr)),
    }
}

impl Env {
    async fn office(&mut self, code: &str, parent: &str, kind: &str) {
        self.storage
            .create_office(with_token(
                spb::CreateOfficeRequest {
                    code: code.into(),
                    name: format!("{code}局"),
                    kind: kind.into(),
                    parent_code: parent.into(),
                    must_report: true,
                    exempt_years: vec![],
                },
                &self.admin,
            ))
            .await
            .expect("create office");
    }

    async fn token(&mut self, code: &str, role: spb::Role) -> String {
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
            .expect("token")
            .into_inner()
            .token
    }

    async fn submit(&mut self, report: &Report, base: Option<i64>) -> i64 {
        let token = self.token(&report.office.code, spb::Role::Office).await;
        self.storage
            .submit_report(with_token(
                spb::SubmitReportRequest {
                    report: Some(rpb::Report::from(report)),
                    request_id: format!("{}-{:?}", report.office.code, base),
                    base_revision: base,
                    draft: false,
                    client: "test".into(),
                },
                &token,
            ))
            .await
            .expect("submit")
            .into_inner()
            .revision
            .map(|r| r.number)
            .unwrap_or(0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollup_completeness_compare_and_export_through_storage() {
    let mut env = spawn().await;
    env.office("city", "", "city").await;
    env.office("d1", "city", "district").await;
    env.office("d1-a", "d1", "department").await;
    env.office("d1-b", "d1", "department").await;
    env.office("d2", "city", "district").await;
    let a = report_of("d1-a", 2023, Edition::E2021, &[3, 1, 4, 1, 5], false);
    let b1 = report_of("d1-b", 2023, Edition::E2021, &[9, 2, 6], true);
    let b2 = report_of("d1-b", 2023, Edition::E2021, &[5, 3, 5, 8], true);
    let mut d1 = report_of("d1", 2023, Edition::E2021, &[2, 7, 1, 8], false);
    // Published by its own date before the deadline: on time although filed later.
    d1.published_date = chrono::NaiveDate::from_ymd_opt(2024, 1, 20);
    assert_eq!(env.submit(&a, None).await, 1);
    assert_eq!(env.submit(&b1, None).await, 1);
    assert_eq!(env.submit(&b2, Some(1)).await, 2);
    assert_eq!(env.submit(&d1, None).await, 1);

    // The roll-up through storage equals the sum of the latest revisions.
    let admin = env.admin.clone();
    let resp = env
        .agg
        .aggregate(with_token(
            apb::AggregateRequest {
                org: "city".into(),
                year: 2023,
                selection: 0,
                draft: false,
            },
            &admin,
        ))
        .await
        .expect("aggregate")
        .into_inner();
    let report = Report::try_from(resp.report.clone().expect("report")).expect("model");
    assert_eq!(report.office.code, "city");
    for key in [
        "s3.new_received.total",
        "s3.total_processed.total",
        "s4.review.total",
        "s3.other_other.natural_person",
    ] {
        let want: i64 = [&a, &b2, &d1]
            .iter()
            .map(|r| r.count(key).unwrap_or(0))
            .sum();
        assert_eq!(report.count(key), Some(want), "{key}");
    }
    let included: Vec<(String, i64)> = resp
        .included
        .iter()
        .map(|i| (i.office_code.clone(), i.revision))
        .collect();
    assert_eq!(
        included,
        vec![("d1".into(), 1), ("d1-a".into(), 1), ("d1-b".into(), 2)]
    );
    assert!(!nianbao_model::rules::has_errors(
        &nianbao_model::rules::check_report(&report)
    ));
    assert!(resp.indicators.iter().any(|i| i.key == "granted_rate"));

    // Only accepted revisions: none yet.
    let accepted = env
        .agg
        .aggregate(with_token(
            apb::AggregateRequest {
                org: "city".into(),
                year: 2023,
                selection: apb::Selection::Accepted as i32,
                draft: false,
            },
            &admin,
        ))
        .await
        .expect("aggregate")
        .into_inner();
    assert!(accepted.included.is_empty());

    // Completeness: d2 missing; the others were filed (long after 2024's deadlines: late).
    let c = env
        .agg
        .completeness(with_token(
            apb::CompletenessRequest {
                org: "city".into(),
                year: 2023,
                filing_only: false,
            },
            &admin,
        ))
        .await
        .expect("completeness")
        .into_inner();
    let state = |code: &str| {
        c.offices
            .iter()
            .find(|o| o.office_code == code)
            .map(|o| (o.state, o.days_late > 0))
    };
    assert_eq!(state("d2"), Some((apb::FilingState::Missing as i32, false)));
    assert_eq!(state("d1-a"), Some((apb::FilingState::Late as i32, true)));
    assert_eq!(state("d1"), Some((apb::FilingState::OnTime as i32, false)));
    assert_eq!(
        state("city"),
        Some((apb::FilingState::Missing as i32, false))
    );
    assert_eq!(c.deadline, "2024-01-31");

    // A review mark explains a stored warning: one warning fewer while the cells stay the same.
    let warnings = |c: &apb::CompletenessResponse| {
        c.offices
            .iter()
            .find(|o| o.office_code == "d1-a")
            .map(|o| o.warnings)
    };
    let before = warnings(&c).expect("d1-a");
    let stored = env
        .storage
        .get_report(with_token(
            spb::GetReportRequest {
                office_code: "d1-a".into(),
                year: 2023,
                revision: None,
            },
            &admin,
        ))
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
    env.storage
        .mark_finding(with_token(
            spb::MarkFindingRequest {
                office_code: "d1-a".into(),
                year: 2023,
                fingerprint: warning.fingerprint.clone(),
                reason: "已核实".into(),
            },
            &admin,
        ))
        .await
        .expect("mark");
    let c = env
        .agg
        .completeness(with_token(
            apb::CompletenessRequest {
                org: "city".into(),
                year: 2023,
                filing_only: false,
            },
            &admin,
        ))
        .await
        .expect("completeness")
        .into_inner();
    assert_eq!(warnings(&c), Some(before - 1), "{warning:?}");

    // The filing alone: the same states (d1 on time by its stated publication date), days and
    // publications, nothing counted.
    let filing = env
        .agg
        .completeness(with_token(
            apb::CompletenessRequest {
                org: "city".into(),
                year: 2023,
                filing_only: true,
            },
            &admin,
        ))
        .await
        .expect("completeness, filing only")
        .into_inner();
    assert_eq!(filing.offices.len(), c.offices.len());
    assert!(c.offices.iter().any(|o| o.warnings > 0));
    for (f, o) in filing.offices.iter().zip(&c.offices) {
        assert_eq!(
            (
                &f.office_code,
                f.state,
                f.days_late,
                &f.submitted_at,
                &f.status
            ),
            (
                &o.office_code,
                o.state,
                o.days_late,
                &o.submitted_at,
                &o.status
            )
        );
        assert_eq!(f.published_on_time, o.published_on_time);
        assert_eq!((f.errors, f.warnings), (0, 0), "{}", f.office_code);
    }
    assert_eq!(filing.districts, c.districts);

    // Compare one year across offices.
    let cmp = env
        .agg
        .compare(with_token(
            apb::CompareRequest {
                org: "d1".into(),
                years: vec![2023],
                cells: vec!["s3.new_received.total".into()],
            },
            &admin,
        ))
        .await
        .expect("compare")
        .into_inner();
    assert_eq!(cmp.rows.len(), 3);

    // Export CSV, streamed.
    let mut stream = env
        .agg
        .export(with_token(
            apb::ExportRequest {
                org: "city".into(),
                year: 2023,
                format: apb::ExportFormat::Csv as i32,
                selection: 0,
            },
            &admin,
        ))
        .await
        .expect("export")
        .into_inner();
    let mut bytes = Vec::new();
    let mut content_type = String::new();
    while let Some(m) = stream.message().await.expect("chunk") {
        if content_type.is_empty() {
            content_type = m.content_type;
        }
        bytes.extend(m.chunk);
    }
    assert!(content_type.starts_with("text/csv"));
    let text = String::from_utf8(bytes).expect("utf8");
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 5, "{text}");
    let b_line = lines
        .iter()
        .find(|l| l.starts_with("d1-b,"))
        .expect("d1-b row");
    assert!(b_line.contains(",d1,submitted,2,"), "{b_line}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("d2,") && l.contains(",missing,0"))
    );

    // Access control stays in storage: no token, or a token outside the subtree.
    let none = env
        .agg
        .aggregate(tonic::Request::new(apb::AggregateRequest {
            org: "city".into(),
            year: 2023,
            selection: 0,
            draft: false,
        }))
        .await
        .expect_err("no token");
    assert_eq!(none.code(), tonic::Code::Unauthenticated);
    let d2_city = env.token("d2", spb::Role::City).await;
    let outside = env
        .agg
        .aggregate(with_token(
            apb::AggregateRequest {
                org: "d1".into(),
                year: 2023,
                selection: 0,
                draft: false,
            },
            &d2_city,
        ))
        .await
        .expect_err("outside");
    assert!(
        matches!(
            outside.code(),
            tonic::Code::NotFound | tonic::Code::PermissionDenied
        ),
        "{outside:?}"
    );
    let bad = env
        .agg
        .aggregate(with_token(
            apb::AggregateRequest {
                org: "".into(),
                year: 2023,
                selection: 0,
                draft: false,
            },
            &admin,
        ))
        .await
        .expect_err("empty org");
    assert_eq!(bad.code(), tonic::Code::InvalidArgument);
}
