//! Submit, read, history, retries, restarts, drafts, streams and pages.

use nianbao_model::Value;
use nianbao_proto::report::v1 as rpb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;
use tonic::transport::Channel;
use tonic_types::StatusExt;

use crate::*;

#[tokio::test]
async fn submit_get_history_retry_stale_and_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;

    let first = c
        .submit_report(req(
            &t.office,
            submission(&model("office-a", 2023), "req-1"),
        ))
        .await
        .unwrap()
        .into_inner();
    let rev = first.revision.unwrap();
    assert_eq!(
        (rev.number, first.replayed, rev.request_id.as_str()),
        (1, false, "req-1")
    );
    assert_eq!(first.status, pb::ReportStatus::Submitted as i32);

    let retry = c
        .submit_report(req(
            &t.office,
            submission(&model("office-a", 2023), "req-1"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(retry.replayed);
    assert_eq!(retry.revision.unwrap().checksum, rev.checksum);

    let mut changed = model("office-a", 2023);
    changed.set("s2.regulations.issued", Value::Count(7));
    let mut second = submission(&changed, "req-2");
    second.base_revision = Some(1);
    let second = c
        .submit_report(req(&t.office, second))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.revision.unwrap().number, 2);

    let mut stale = submission(&model("office-a", 2023), "req-3");
    stale.base_revision = Some(1);
    let err = c.submit_report(req(&t.office, stale)).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    assert_eq!(
        read_back(&mut c, &t.city, "office-a", 2023, None).await,
        (changed.clone(), 2)
    );

    let history = c
        .list_revisions(req(
            &t.office,
            pb::ListRevisionsRequest {
                office_code: "office-a".into(),
                year: 2023,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let numbers: Vec<_> = history
        .revisions
        .iter()
        .map(|r| (r.number, r.changed_cells.clone()))
        .collect();
    assert_eq!(numbers[1], (2, vec!["s2.regulations.issued".to_string()]));
    assert_eq!(numbers.len(), 2);

    let mut health = tonic_health::pb::health_client::HealthClient::new(
        Channel::from_shared(format!("http://{}", server.addr))
            .unwrap()
            .connect()
            .await
            .unwrap(),
    );
    let status = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "nianbao.storage.v1.StorageService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status;
    assert_eq!(
        status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    server.stop().await;
    let server = Server::start(&url).await;
    let mut c = server.client().await;
    let after = c
        .list_revisions(req(
            &t.office,
            pb::ListRevisionsRequest {
                office_code: "office-a".into(),
                year: 2023,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        after.revisions, history.revisions,
        "everything is found after a restart"
    );
    let listed = c
        .list_reports(req(
            &t.admin,
            pb::ListReportsRequest {
                under: "city".into(),
                year: Some(2023),
                status: None,
                page_size: 0,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.reports.len(), 1);
    assert_eq!(listed.reports[0].latest_revision, 2);
    server.stop().await;
}

#[tokio::test]
async fn content_stored_either_way_reads_back_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let mut server = Server::start_with(&url, Some(false)).await;
    let t = setup(&url, &server).await;
    let mut sent = Vec::new();
    for (n, compress) in [
        (1, Some(false)),
        (2, Some(true)),
        (3, None),
        (4, Some(false)),
    ] {
        if n > 1 {
            server.stop().await;
            server = Server::start_with(&url, compress).await;
        }
        let mut c = server.client().await;
        let mut r = model("office-a", 2023);
        r.set("s2.regulations.issued", Value::Count(100 + n));
        let mut s = submission(&r, &format!("either-{n}"));
        s.base_revision = Some(n - 1);
        let done = c
            .submit_report(req(&t.office, s))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(done.revision.unwrap().number, n);
        assert_eq!(
            read_back(&mut c, &t.city, "office-a", 2023, None).await,
            (r.clone(), n)
        );
        sent.push(r);
    }
    let mut c = server.client().await;
    for (n, r) in (1..).zip(sent) {
        let got = read_back(&mut c, &t.city, "office-a", 2023, Some(n)).await;
        assert_eq!(got, (r, n), "revision {n}");
    }
    server.stop().await;
    // On disk: revisions 1 and 4 as text, 2 and 3 (the default) compressed.
    let db = sea_orm::Database::connect(url.as_str()).await.unwrap();
    let forms: Vec<(i64, bool)> = sea_orm::ConnectionTrait::query_all_raw(
        &db,
        sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT number, content_deflate IS NOT NULL AS z FROM revisions ORDER BY number",
        ),
    )
    .await
    .unwrap()
    .iter()
    .map(|row| {
        (
            row.try_get("", "number").unwrap(),
            row.try_get("", "z").unwrap(),
        )
    })
    .collect();
    assert_eq!(forms, vec![(1, false), (2, true), (3, true), (4, false)]);
}

#[tokio::test]
async fn errors_are_refused_with_cells_unless_draft() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;

    let bad = with_error(model("office-a", 2023));
    let err = c
        .submit_report(req(&t.office, submission(&bad, "e1")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let details = err.get_details_bad_request().unwrap();
    let total = details
        .field_violations
        .iter()
        .find(|v| v.field == "s3.granted.total")
        .unwrap();
    assert!(total.description.contains(" / "), "{}", total.description);
    let missing = c
        .get_report(req(
            &t.office,
            pb::GetReportRequest {
                office_code: "office-a".into(),
                year: 2023,
                revision: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        missing.code(),
        Code::NotFound,
        "a refused report leaves no row"
    );

    let mut draft = submission(&bad, "e2");
    draft.draft = true;
    let saved = c
        .submit_report(req(&t.office, draft))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(saved.status, pb::ReportStatus::Draft as i32);
    let rev = saved.revision.unwrap();
    assert!(rev.draft);
    assert!(
        rev.findings
            .iter()
            .any(|f| f.rule == "R2" && f.severity == rpb::Severity::Error as i32)
    );

    let audit = c
        .list_audit_events(req(
            &t.admin,
            pb::ListAuditEventsRequest {
                page_size: 0,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        audit
            .events
            .iter()
            .any(|e| e.action == "report.submit" && e.outcome == "rejected")
    );
    assert!(
        audit
            .events
            .iter()
            .any(|e| e.action == "report.save_draft" && e.outcome == "ok")
    );
    server.stop().await;
}

#[tokio::test]
async fn stream_selects_accepted_and_latest_submitted() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;
    for code in ["office-a", "unit-a1", "office-b"] {
        c.submit_report(req(
            &t.admin,
            submission(&model(code, 2023), &format!("s-{code}")),
        ))
        .await
        .unwrap();
    }
    c.review_report(req(
        &t.city,
        pb::ReviewReportRequest {
            office_code: "office-a".into(),
            year: 2023,
            action: pb::ReviewAction::Accept as i32,
            reason: String::new(),
            ..Default::default()
        },
    ))
    .await
    .unwrap();
    let collect = async |c: &mut _, token: &str, selection: pb::Selection| {
        let request = pb::StreamReportsRequest {
            year: 2023,
            selection: selection as i32,
            ..Default::default()
        };
        let items = stream_all(c, token, request).await;
        items
            .into_iter()
            .map(|i| i.summary.unwrap().office_code)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        collect(&mut c, &t.city, pb::Selection::Accepted).await,
        ["office-a"]
    );
    assert_eq!(
        collect(&mut c, &t.city, pb::Selection::LatestSubmitted).await,
        ["office-a", "unit-a1"]
    );
    assert_eq!(
        collect(&mut c, &t.admin, pb::Selection::LatestSubmitted).await,
        ["office-a", "unit-a1", "office-b"]
    );

    // The cells-only form carries the same packed cells and revision numbers as the packed
    // form, in the same order, and nothing else.
    let packed = async |c: &mut _, token: &str, selection: pb::Selection, cells_only: bool| {
        let request = pb::StreamReportsRequest {
            year: 2023,
            selection: selection as i32,
            packed: true,
            cells_only,
            ..Default::default()
        };
        let mut items = Vec::new();
        for item in stream_all(c, token, request).await {
            let rev = item.revision.unwrap();
            assert!(!item.packed.is_empty());
            assert_eq!(item.summary.is_none(), cells_only);
            assert_eq!(rev.checksum.is_empty(), cells_only);
            items.push((rev.office_code, rev.year, rev.number, item.packed));
        }
        items
    };
    for (token, selection) in [
        (&t.city, pb::Selection::Accepted),
        (&t.city, pb::Selection::LatestSubmitted),
        (&t.admin, pb::Selection::LatestSubmitted),
    ] {
        let full = packed(&mut c, token, selection, false).await;
        assert!(!full.is_empty());
        assert_eq!(packed(&mut c, token, selection, true).await, full);
    }

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_reports(req(
                &t.admin,
                pb::ListReportsRequest {
                    under: String::new(),
                    year: Some(2023),
                    status: None,
                    page_size: 2,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert!(page.reports.len() <= 2);
        seen.extend(page.reports.into_iter().map(|r| r.office_code));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    seen.sort();
    assert_eq!(seen, ["office-a", "office-b", "unit-a1"]);
    let accepted = c
        .list_reports(req(
            &t.city,
            pb::ListReportsRequest {
                status: Some(pb::ReportStatus::Accepted as i32),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.reports.len(), 1);
    assert_eq!(accepted.reports[0].accepted_revision, 1);
    server.stop().await;
}

/// Every item of a `StreamReports` call.
async fn stream_all(
    c: &mut StorageServiceClient<Channel>,
    token: &str,
    request: pb::StreamReportsRequest,
) -> Vec<pb::StreamReportsResponse> {
    let mut stream = c
        .stream_reports(req(token, request))
        .await
        .unwrap()
        .into_inner();
    let mut items = Vec::new();
    while let Some(item) = stream.message().await.unwrap() {
        items.push(item);
    }
    items
}
