//! Hostile input against a running service: unauthenticated calls, oversized messages and
//! prose, bad request ids, foreign offices, reports with errors, a request id reused for another
//! report, and one request sent many times at once. The service refuses each with the right
//! code, stores nothing for it, stays up, and never panics.

use nianbao_model::{Report, Value};
use nianbao_proto::report::v1 as report_pb;
use nianbao_proto::storage::v1 as pb;
use nianbao_proto::storage::v1::storage_service_client::StorageServiceClient;
use tonic::Code;
use tonic::transport::Channel;

use crate::process::{Server, all_revisions, authed, bootstrap_admin, lazy_channel};
use crate::workload::{self, Client};

fn submit_req(report: &Report, request_id: &str) -> pb::SubmitReportRequest {
    pb::SubmitReportRequest {
        report: Some(report_pb::Report::from(report)),
        request_id: request_id.into(),
        base_revision: None,
        draft: false,
        client: "nianbao limits test".into(),
    }
}

async fn submit(
    s: &mut StorageServiceClient<Channel>,
    token: &str,
    req: pb::SubmitReportRequest,
) -> Result<pb::SubmitReportResponse, tonic::Status> {
    s.submit_report(authed(token, req))
        .await
        .map(|r| r.into_inner())
}

fn refused(
    what: &str,
    got: Result<pb::SubmitReportResponse, tonic::Status>,
    codes: &[Code],
) -> tonic::Status {
    match got {
        Ok(r) => panic!(
            "{what}: accepted as revision {:?}",
            r.revision.map(|r| r.number)
        ),
        Err(s) => {
            assert!(
                codes.contains(&s.code()),
                "{what}: {:?} {}, expected one of {codes:?}",
                s.code(),
                s.message()
            );
            s
        }
    }
}

async fn revisions(
    s: &mut StorageServiceClient<Channel>,
    c: &Client,
    year: i32,
) -> Vec<pb::Revision> {
    match all_revisions(s, &c.token, &c.code, year).await {
        Ok(r) => r,
        Err(e) if e.code() == Code::NotFound => Vec::new(),
        Err(e) => panic!("ListRevisions {} {year}: {e}", c.code),
    }
}

pub async fn limits_run(database: &str, dir: &std::path::Path) {
    let admin = bootstrap_admin(database);
    let server = Server::start(database, dir, &admin).await;
    let clients = crate::setup(&server.url, &admin, 2).await;
    let (a, b) = (&clients[0], &clients[1]);
    let mut s = StorageServiceClient::new(lazy_channel(&server.url));
    let base = workload::base_report();
    let mut report = workload::report_for(&base, a, 0);
    report.year = 2023;

    // No token, a wrong token.
    let anon = s.who_am_i(tonic::Request::new(pb::WhoAmIRequest {})).await;
    assert_eq!(
        anon.map(|_| ()).map_err(|e| e.code()),
        Err(Code::Unauthenticated)
    );
    let wrong = submit(&mut s, "nbk_not-a-real-token", submit_req(&report, "l-0")).await;
    refused("wrong token", wrong, &[Code::Unauthenticated]);

    // A message over the 4 MiB limit, and prose over the 1 MiB limit inside it.
    let mut huge = report.clone();
    huge.sections
        .insert("other".into(), "年".repeat(2 * 1024 * 1024));
    let big = submit(&mut s, &a.token, submit_req(&huge, "l-1")).await;
    let st = refused(
        "a 6 MiB message",
        big,
        &[Code::OutOfRange, Code::ResourceExhausted],
    );
    eprintln!("a 6 MiB message: {:?} {}", st.code(), st.message());
    let mut wordy = report.clone();
    wordy
        .sections
        .insert("other".into(), "文".repeat(400 * 1024));
    let st = refused(
        "1.2 MB of prose",
        submit(&mut s, &a.token, submit_req(&wordy, "l-2")).await,
        &[Code::InvalidArgument],
    );
    assert!(
        st.message().contains("prose") || st.message().contains("文字"),
        "names the prose: {}",
        st.message()
    );

    // Request ids: too long, not printable ASCII.
    let long_id = "x".repeat(129);
    refused(
        "a 129-character request id",
        submit(&mut s, &a.token, submit_req(&report, &long_id)).await,
        &[Code::InvalidArgument],
    );
    refused(
        "a non-ASCII request id",
        submit(&mut s, &a.token, submit_req(&report, "请求-1")).await,
        &[Code::InvalidArgument],
    );

    // A year out of range; a report with an arithmetic error (not a draft).
    let mut old = report.clone();
    old.year = 1989;
    refused(
        "year 1989",
        submit(&mut s, &a.token, submit_req(&old, "l-3")).await,
        &[Code::InvalidArgument],
    );
    let mut wrong_sum = report.clone();
    let key = wrong_sum
        .cells
        .keys()
        .find(|k| k.starts_with("s3.") && k.ends_with(".total"))
        .copied();
    let key = key.unwrap_or_else(|| panic!("the demo report has no s3 totals"));
    let value = wrong_sum.cells.get(key).and_then(Value::count).unwrap_or(0);
    wrong_sum.cells.insert(key, Value::Count(value + 7));
    refused(
        "a total that does not add up",
        submit(&mut s, &a.token, submit_req(&wrong_sum, "l-4")).await,
        &[Code::InvalidArgument],
    );

    // Another office's report, and another office's revisions.
    let theirs = workload::report_for(&base, b, 0);
    refused(
        "office A submitting for office B",
        submit(&mut s, &a.token, submit_req(&theirs, "l-5")).await,
        &[Code::PermissionDenied, Code::NotFound],
    );
    let peek = s
        .list_revisions(authed(
            &a.token,
            pb::ListRevisionsRequest {
                office_code: b.code.clone(),
                year: theirs.year,
                ..Default::default()
            },
        ))
        .await;
    assert!(
        matches!(
            peek.as_ref().map_err(|e| e.code()),
            Err(Code::PermissionDenied | Code::NotFound)
        ),
        "A reads B: {peek:?}"
    );
    assert!(
        revisions(&mut s, b, theirs.year).await.is_empty(),
        "nothing stored for B"
    );
    assert!(
        revisions(&mut s, a, 2023).await.is_empty(),
        "nothing stored for A by refused requests"
    );

    // One request sent 16 times at once: one revision, every answer names it.
    let req = submit_req(&report, "l-same");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (mut c, token, req) = (s.clone(), a.token.clone(), req.clone());
        tasks.push(tokio::spawn(
            async move { submit(&mut c, &token, req).await },
        ));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let r = t
            .await
            .unwrap_or_else(|e| panic!("task: {e}"))
            .unwrap_or_else(|e| panic!("concurrent retry refused: {e}"));
        answers.push((r.revision.map(|r| r.number).unwrap_or(0), r.replayed));
    }
    assert!(answers.iter().all(|(n, _)| *n == 1), "answers {answers:?}");
    assert_eq!(
        answers.iter().filter(|(_, replayed)| !replayed).count(),
        1,
        "one original, the rest replays: {answers:?}"
    );
    assert_eq!(
        revisions(&mut s, a, 2023).await.len(),
        1,
        "one revision for one request id"
    );

    // The same request id for another report (another year) is refused, not replayed.
    let mut next_year = report.clone();
    next_year.year = 2024;
    refused(
        "a request id reused for another office-year",
        submit(&mut s, &a.token, submit_req(&next_year, "l-same")).await,
        &[Code::InvalidArgument],
    );
    assert!(revisions(&mut s, a, 2024).await.is_empty());

    // Still up, never panicked.
    s.who_am_i(authed(&admin, pb::WhoAmIRequest {}))
        .await
        .unwrap_or_else(|e| panic!("service down after hostile input: {e}"));
    assert!(
        !server.log_text().contains("panicked"),
        "the service panicked:\n{}",
        server.log_tail()
    );
}
