//! The access matrix: every role × action × own/child/other office.

use nianbao_proto::storage::v1 as pb;
use tonic::{Code, Request, Status};

use crate::*;

#[tokio::test]
async fn access_matrix_and_forbidden_looks_like_missing() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;
    for code in ["city", "district", "office-a", "unit-a1", "office-b"] {
        c.submit_report(req(
            &t.admin,
            submission(&model(code, 2023), &format!("seed-{code}")),
        ))
        .await
        .unwrap();
    }

    // (token, own, child, other): own and child are readable by office only for own.
    let cases = [
        ("office", &t.office, "office-a", "unit-a1", "office-b"),
        ("city", &t.city, "district", "office-a", "office-b"),
    ];
    for (role, token, own, child, other) in cases {
        for (target, expect_read, expect_submit, expect_review) in [
            (own, true, role == "office", role == "city"),
            (child, role == "city", false, role == "city"),
            (other, false, false, false),
            ("nowhere", false, false, false),
        ] {
            let read = c
                .get_report(req(
                    token,
                    pb::GetReportRequest {
                        office_code: target.into(),
                        year: 2023,
                        revision: None,
                    },
                ))
                .await;
            check(role, "read", target, read.map(|_| ()), expect_read);
            let history = c
                .list_revisions(req(
                    token,
                    pb::ListRevisionsRequest {
                        office_code: target.into(),
                        year: 2023,
                        ..Default::default()
                    },
                ))
                .await;
            check(role, "history", target, history.map(|_| ()), expect_read);
            let submit = c
                .submit_report(req(
                    token,
                    submission(&model(target, 2023), &format!("m-{role}-{target}")),
                ))
                .await;
            check(role, "submit", target, submit.map(|_| ()), expect_submit);
            let review = c
                .review_report(req(
                    token,
                    pb::ReviewReportRequest {
                        office_code: target.into(),
                        year: 2023,
                        action: pb::ReviewAction::Return as i32,
                        reason: "请修改".into(),
                        ..Default::default()
                    },
                ))
                .await;
            check(role, "review", target, review.map(|_| ()), expect_review);
        }
        // Forbidden and missing look the same.
        let a = c
            .get_report(req(
                token,
                pb::GetReportRequest {
                    office_code: other.into(),
                    year: 2023,
                    revision: None,
                },
            ))
            .await
            .unwrap_err();
        let b = c
            .get_report(req(
                token,
                pb::GetReportRequest {
                    office_code: "nowhere".into(),
                    year: 2023,
                    revision: None,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(a.code(), b.code());
        assert_eq!(
            a.message().replace(other, "X"),
            b.message().replace("nowhere", "X")
        );
        let admin_only = c
            .list_tokens(req(token, pb::ListTokensRequest {}))
            .await
            .unwrap_err();
        assert_eq!(admin_only.code(), Code::PermissionDenied);
        let admin_only = c
            .create_office(req(
                token,
                pb::CreateOfficeRequest {
                    code: "new".into(),
                    name: "新".into(),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(admin_only.code(), Code::PermissionDenied);
    }
    for target in ["city", "office-b", "unit-a1"] {
        let read = c
            .get_report(req(
                &t.admin,
                pb::GetReportRequest {
                    office_code: target.into(),
                    year: 2023,
                    revision: None,
                },
            ))
            .await;
        check("admin", "read", target, read.map(|_| ()), true);
    }
    let missing = c
        .get_report(req(
            &t.admin,
            pb::GetReportRequest {
                office_code: "nowhere".into(),
                year: 2023,
                revision: None,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);

    // No token, a wrong token, a revoked token.
    let none = c
        .who_am_i(Request::new(pb::WhoAmIRequest {}))
        .await
        .unwrap_err();
    assert_eq!(none.code(), Code::Unauthenticated);
    let wrong = c
        .who_am_i(req("nbt_wrong", pb::WhoAmIRequest {}))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    let me = c
        .who_am_i(req(&t.office, pb::WhoAmIRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (me.office_code.as_str(), me.role),
        ("office-a", pb::Role::Office as i32)
    );
    c.revoke_token(req(&t.admin, pb::RevokeTokenRequest { id: me.token_id }))
        .await
        .unwrap();
    let revoked = c
        .who_am_i(req(&t.office, pb::WhoAmIRequest {}))
        .await
        .unwrap_err();
    assert_eq!(revoked.code(), Code::Unauthenticated);

    let audit = audit_events(&mut c, &t.admin).await;
    assert!(
        audit
            .iter()
            .any(|e| e.outcome == "denied" && e.action == "report.get")
    );
    assert!(
        audit
            .iter()
            .any(|e| e.outcome == "denied" && e.actor == "anonymous")
    );
    assert!(
        !audit
            .iter()
            .any(|e| e.detail.contains(&t.office) || e.detail.contains(&t.city)),
        "no secret in the audit log"
    );
    server.stop().await;
}

fn check(role: &str, action: &str, target: &str, result: Result<(), Status>, allowed: bool) {
    match result {
        Ok(()) => assert!(
            allowed,
            "{role} {action} {target}: allowed but should be refused"
        ),
        Err(e) if allowed => assert!(
            !matches!(e.code(), Code::PermissionDenied | Code::Unauthenticated),
            "{role} {action} {target}: refused: {e:?}"
        ),
        Err(e) => {
            assert_eq!(
                e.code(),
                Code::PermissionDenied,
                "{role} {action} {target}: {e:?}"
            );
            assert!(
                e.message().contains(target),
                "{role} {action} {target}: {e:?}"
            );
        }
    }
}

#[tokio::test]
async fn repeated_failures_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let server = Server::start(&url).await;
    let t = setup(&url, &server).await;
    let mut c = server.client().await;
    let who = || pb::WhoAmIRequest {};
    let mut codes = Vec::new();
    for i in 0..(nianbao_storage::MAX_FAILURES + 5) {
        let status = c
            .who_am_i(req(&format!("guess-{i}"), who()))
            .await
            .unwrap_err();
        codes.push(status.code());
    }
    let limit = nianbao_storage::MAX_FAILURES as usize;
    assert!(
        codes[..limit].iter().all(|c| *c == Code::Unauthenticated),
        "{codes:?}"
    );
    assert!(
        codes[limit..].iter().all(|c| *c == Code::ResourceExhausted),
        "{codes:?}"
    );
    // While the address is blocked even a right token is refused, so guessing gains nothing.
    let status = c.who_am_i(req(&t.admin, who())).await.unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    server.stop().await;
}

/// Submissions skip the token query while an office token is cached, yet a token revoked by
/// another server on the same database writes nothing more: the write checks it again.
#[tokio::test]
async fn a_token_revoked_elsewhere_stops_cached_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(&dir);
    let here = Server::start(&url).await;
    let t = setup(&url, &here).await;
    let elsewhere = Server::start(&url).await;
    let mut c = here.client().await;
    let mut other = elsewhere.client().await;
    for i in 0..2 {
        c.submit_report(req(
            &t.office,
            submission(&model("office-a", 2023), &format!("x{i}")),
        ))
        .await
        .unwrap();
    }
    let me = c
        .who_am_i(req(&t.office, pb::WhoAmIRequest {}))
        .await
        .unwrap()
        .into_inner();
    other
        .revoke_token(req(
            &t.admin,
            pb::RevokeTokenRequest {
                id: me.token_id.clone(),
            },
        ))
        .await
        .unwrap();
    let refused = c
        .submit_report(req(&t.office, submission(&model("office-a", 2023), "x2")))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated, "{refused:?}");
    let (_, latest) = read_back(&mut c, &t.admin, "office-a", 2023, None).await;
    assert_eq!(latest, 2);
    let audit = audit_events(&mut c, &t.admin).await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "report.submit" && e.actor == me.token_id && e.outcome != "ok")
    );

    // Revoked through the same server: refused before anything is prepared.
    let (secret, id) = office_token(&mut c, &t.admin, "office-b").await;
    c.submit_report(req(&secret, submission(&model("office-b", 2023), "y0")))
        .await
        .unwrap();
    c.revoke_token(req(&t.admin, pb::RevokeTokenRequest { id }))
        .await
        .unwrap();
    let refused = c
        .submit_report(req(&secret, submission(&model("office-b", 2023), "y1")))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unauthenticated);
    elsewhere.stop().await;
    here.stop().await;
}

/// A new office token: (secret, id).
async fn office_token(
    c: &mut nianbao_proto::storage::v1::storage_service_client::StorageServiceClient<
        tonic::transport::Channel,
    >,
    admin: &str,
    office: &str,
) -> (String, String) {
    let created = c
        .create_token(req(
            admin,
            pb::CreateTokenRequest {
                office_code: office.into(),
                role: pb::Role::Office as i32,
                label: "t".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    (created.token, created.info.unwrap().id)
}

/// The audit log's first 1,000 events, as an admin lists them.
async fn audit_events(
    c: &mut nianbao_proto::storage::v1::storage_service_client::StorageServiceClient<
        tonic::transport::Channel,
    >,
    admin: &str,
) -> Vec<pb::AuditEvent> {
    c.list_audit_events(req(
        admin,
        pb::ListAuditEventsRequest {
            page_size: 1000,
            page_token: String::new(),
        },
    ))
    .await
    .unwrap()
    .into_inner()
    .events
}
