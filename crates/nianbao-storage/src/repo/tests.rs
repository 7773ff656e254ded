//! The repository test suite, run on SQLite (a temp file) and on PostgreSQL (a fresh database per
//! test) when `NIANBAO_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used)]

use std::future::Future;

use nianbao_model::{Edition, Money, Office, Report, Value, interchange};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use sha2::{Digest, Sha256};

use crate::entity::{audit_event, office_history, revision};
use crate::error::StorageError;
use crate::repo::access::auth::{Caller, Role};
use crate::repo::access::tokens;
use crate::repo::offices::{NewOffice, OfficeUpdate};
use crate::repo::read::list::ReportFilter;
use crate::repo::read::reports::Selection;
use crate::repo::read::{bulk, list, reports};
use crate::repo::review::Action;
use crate::repo::write::prepared::Submission;
use crate::repo::write::submit;
use crate::repo::{offices, review};

mod batch;
mod bulk_reads;
mod checkpoint;
mod compression;
mod content;
mod get;
mod group;
mod history;
mod large;
mod publications;
mod scratch;

pub(super) use scratch::ScratchPostgres;

/// Runs `test` on a fresh SQLite file, then on a fresh PostgreSQL database when configured.
async fn on_every_backend<F, Fut>(name: &str, test: F)
where
    F: Fn(DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/{name}.db", dir.path().display());
    let db = crate::db::connect(&url, 1).await.unwrap();
    test(db.clone()).await;
    db.close().await.unwrap();

    let Some(pg) = ScratchPostgres::create(name).await else {
        return;
    };
    let db = crate::db::connect(&pg.url, 5).await.unwrap();
    test(db.clone()).await;
    db.close().await.unwrap();
    pg.drop().await;
}

fn report(code: &str, year: i32) -> Report {
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
        Value::Money(Money::parse("0", nianbao_model::value::MoneyUnit::WanYuan).unwrap())
    ));
    r
}

fn with_error(mut r: Report) -> Report {
    assert!(r.set("s3.granted.natural_person", Value::Count(5)));
    assert!(r.set("s3.granted.total", Value::Count(4)));
    r
}

fn sub(report: Report, request_id: &str) -> Submission {
    Submission {
        report,
        request_id: request_id.into(),
        base_revision: None,
        draft: false,
        client: "test".into(),
    }
}

struct World {
    admin: Caller,
    city: Caller,
    office: Caller,
}

/// city ─ district ─ office-a; city ─ office-b.
async fn world(db: &DatabaseConnection) -> World {
    let (_, secret) = tokens::create(db, "bootstrap", Role::Admin, None, "admin")
        .await
        .unwrap();
    let admin = tokens::authenticate(db, &secret).await.unwrap();
    for (code, parent) in [
        ("city", None),
        ("district", Some("city")),
        ("office-a", Some("district")),
        ("office-b", Some("city")),
    ] {
        offices::create(
            db,
            &admin,
            NewOffice {
                code: code.into(),
                name: format!("{code} 名称"),
                kind: "department".into(),
                parent_code: parent.map(str::to_string),
                must_report: true,
                exempt_years: vec![],
            },
        )
        .await
        .unwrap();
    }
    let city = token(db, Role::City, "district").await;
    let office = token(db, Role::Office, "office-a").await;
    World {
        admin,
        city,
        office,
    }
}

async fn token(db: &DatabaseConnection, role: Role, office: &str) -> Caller {
    let (_, secret) = tokens::create(db, "test", role, Some(office), "t")
        .await
        .unwrap();
    tokens::authenticate(db, &secret).await.unwrap()
}

async fn revision_count(db: &DatabaseConnection) -> u64 {
    revision::Entity::find().count(db).await.unwrap()
}

#[tokio::test]
async fn hierarchy_moves_and_renames_keep_history() {
    on_every_backend("hierarchy", |db| async move {
        let w = world(&db).await;
        let all = offices::list(&db, &w.admin, Some("city")).await.unwrap();
        let codes: Vec<_> = all.iter().map(|o| (o.code.as_str(), o.depth)).collect();
        assert_eq!(
            codes,
            [
                ("city", 0),
                ("district", 1),
                ("office-a", 2),
                ("office-b", 1)
            ]
        );
        let mine = offices::list(&db, &w.city, None).await.unwrap();
        assert_eq!(mine.len(), 2, "district and office-a");
        let refused = offices::list(&db, &w.city, Some("office-b"))
            .await
            .unwrap_err();
        let unknown = offices::list(&db, &w.city, Some("nowhere"))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), tonic::Code::PermissionDenied);
        assert_eq!(
            refused.to_string().replace("office-b", "X"),
            unknown.to_string().replace("nowhere", "X")
        );

        let moved = offices::update(
            &db,
            &w.admin,
            OfficeUpdate {
                code: "office-b".into(),
                name: Some("新名称".into()),
                parent_code: Some("district".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            (moved.parent_code.as_str(), moved.depth),
            ("district", 1 + 1)
        );
        assert_eq!(moved.name, "新名称");
        assert_eq!(office_history::Entity::find().count(&db).await.unwrap(), 2);
        assert!(
            list::list(
                &db,
                &w.city,
                ReportFilter {
                    page_size: 10,
                    ..Default::default()
                }
            )
            .await
            .is_ok()
        );
        let cycle = offices::update(
            &db,
            &w.admin,
            OfficeUpdate {
                code: "city".into(),
                parent_code: Some("office-a".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(cycle, StorageError::Invalid { ref field, .. } if field == "parent_code"));
        let denied = offices::update(
            &db,
            &w.city,
            OfficeUpdate {
                code: "district".into(),
                name: Some("x".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
    })
    .await;
}

#[tokio::test]
async fn submissions_are_immutable_revisions() {
    on_every_backend("revisions", |db| async move {
        let w = world(&db).await;
        let first = submit::submit(&db, &w.office, sub(report("office-a", 2023), "r1"))
            .await
            .unwrap();
        assert_eq!(
            (first.revision.number, first.status.as_str(), first.replayed),
            (1, "submitted", false)
        );
        let expected = hex::encode(Sha256::digest(
            interchange::to_json(&report("office-a", 2023)).as_bytes(),
        ));
        assert_eq!(first.revision.checksum, expected);

        let mut changed = report("office-a", 2023);
        changed.set("s2.regulations.issued", Value::Count(4));
        let mut second_sub = sub(changed, "r2");
        second_sub.base_revision = Some(1);
        let second = submit::submit(&db, &w.office, second_sub).await.unwrap();
        assert_eq!(second.revision.number, 2);
        let revs = reports::revisions(&db, &w.city, "office-a", 2023)
            .await
            .unwrap();
        assert_eq!(revs.len(), 2);
        assert_eq!(
            revs[0].content, first.revision.content,
            "revision 1 is unchanged"
        );
        let changed: Vec<String> = serde_json::from_str(&revs[1].changed_cells).unwrap();
        assert_eq!(changed, ["s2.regulations.issued"]);

        let got = reports::get(&db, &w.office, "office-a", 2023, Some(1))
            .await
            .unwrap();
        assert_eq!(got.report, report("office-a", 2023));
        assert_eq!(got.summary.row.latest_revision, 2);

        // Stale base: refused, nothing written.
        let mut stale = sub(report("office-a", 2023), "r3");
        stale.base_revision = Some(1);
        let err = submit::submit(&db, &w.office, stale).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert_eq!(revision_count(&db).await, 2);

        // Errors: refused unless a draft.
        let err = submit::submit(
            &db,
            &w.office,
            sub(with_error(report("office-a", 2023)), "r4"),
        )
        .await
        .unwrap_err();
        match err {
            StorageError::Rejected(findings) => assert!(
                findings
                    .iter()
                    .any(|f| f.rule == "R2" && f.cells[0] == "s3.granted.total")
            ),
            other => panic!("{other:?}"),
        }
        assert_eq!(revision_count(&db).await, 2);
        let mut draft = sub(with_error(report("office-a", 2023)), "r5");
        draft.draft = true;
        let saved = submit::submit(&db, &w.office, draft).await.unwrap();
        assert!(saved.revision.draft && saved.revision.error_count > 0);
        assert_eq!(
            saved.status, "submitted",
            "a draft does not hide the submitted revision"
        );
        let latest = bulk::select(&db, &w.city, None, 2023, Selection::LatestSubmitted)
            .await
            .unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest[0].revision.number, 2);
    })
    .await;
}

#[tokio::test]
async fn retries_are_idempotent_even_when_concurrent() {
    on_every_backend("idempotent", |db| async move {
        let w = world(&db).await;
        let (a, b) = tokio::join!(
            submit::submit(&db, &w.office, sub(report("office-a", 2023), "same")),
            submit::submit(&db, &w.office, sub(report("office-a", 2023), "same")),
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.revision.id, b.revision.id);
        assert!(a.replayed != b.replayed, "one wrote, the other replayed");
        let again = submit::submit(&db, &w.office, sub(report("office-a", 2023), "same"))
            .await
            .unwrap();
        assert!(again.replayed);
        assert_eq!(revision_count(&db).await, 1);
    })
    .await;
}

#[tokio::test]
async fn review_workflow_locks_and_reopens() {
    on_every_backend("workflow", |db| async move {
        let w = world(&db).await;
        submit::submit(&db, &w.office, sub(report("office-a", 2023), "a"))
            .await
            .unwrap();
        let err = review::review(&db, &w.city, "office-a", 2023, Action::Return, " ")
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Invalid { ref field, .. } if field == "reason"));
        let returned = review::review(&db, &w.city, "office-a", 2023, Action::Return, "表三有误")
            .await
            .unwrap();
        assert_eq!(
            (
                returned.row.status.as_str(),
                returned.row.return_reason.as_str()
            ),
            ("returned", "表三有误")
        );
        submit::submit(&db, &w.office, sub(report("office-a", 2023), "b"))
            .await
            .unwrap();
        let accepted = review::review(&db, &w.city, "office-a", 2023, Action::Accept, "")
            .await
            .unwrap();
        assert_eq!(
            (accepted.row.status.as_str(), accepted.row.accepted_revision),
            ("accepted", 2)
        );
        let locked = submit::submit(&db, &w.office, sub(report("office-a", 2023), "c"))
            .await
            .unwrap_err();
        assert_eq!(locked.code(), tonic::Code::FailedPrecondition);
        let office_review = review::review(&db, &w.office, "office-a", 2023, Action::Reopen, "")
            .await
            .unwrap_err();
        assert_eq!(office_review.code(), tonic::Code::PermissionDenied);
        let unplaced = review::review(&db, &w.admin, "office-a", 2023, Action::Publish, "")
            .await
            .unwrap_err();
        assert_eq!(unplaced.code(), tonic::Code::InvalidArgument);
        let place = crate::repo::publications::place("https://gov.example/2023.html", "2024-01-20")
            .unwrap();
        review::review_at(
            &db,
            &w.admin,
            "office-a",
            2023,
            Action::Publish,
            "",
            Some(&place),
        )
        .await
        .unwrap();
        let selected = bulk::select(&db, &w.admin, Some("city"), 2023, Selection::Accepted)
            .await
            .unwrap();
        assert_eq!(selected.len(), 1);
        review::review(&db, &w.city, "office-a", 2023, Action::Reopen, "")
            .await
            .unwrap();
        let third = submit::submit(&db, &w.office, sub(report("office-a", 2023), "c"))
            .await
            .unwrap();
        assert_eq!(third.revision.number, 3);
        let actions: Vec<String> = audit_event::Entity::find()
            .all(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| format!("{}:{}", e.action, e.outcome))
            .collect();
        assert!(
            actions.contains(&"report.reopen:ok".to_string()),
            "{actions:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn previous_year_feeds_cross_year_rules() {
    on_every_backend("crossyear", |db| async move {
        let w = world(&db).await;
        submit::submit(&db, &w.office, sub(report("office-a", 2022), "y1"))
            .await
            .unwrap();
        let mut same = report("office-a", 2023);
        same.sections = report("office-a", 2022).sections;
        let done = submit::submit(&db, &w.office, sub(same, "y2"))
            .await
            .unwrap();
        assert!(
            done.revision.findings.contains("\"W5\""),
            "{}",
            done.revision.findings
        );
        // The revision records which revision of the year before its findings were checked
        // against: 2022's first, then its second once resubmitted; 0 with no year before.
        assert_eq!(done.revision.cross_year_revision, Some(1));
        let mut b = sub(report("office-a", 2022), "y1b");
        b.draft = true;
        submit::submit(&db, &w.office, b).await.unwrap();
        let later = submit::submit(&db, &w.office, sub(report("office-a", 2023), "y2b"))
            .await
            .unwrap();
        assert_eq!(
            later.revision.cross_year_revision,
            Some(1),
            "2022 rev 2 is a draft"
        );
        let alone = submit::submit(&db, &w.office, sub(report("office-a", 2030), "y3"))
            .await
            .unwrap();
        assert!(!alone.revision.findings.contains("\"W5\""));
        assert_eq!(alone.revision.cross_year_revision, Some(0));
    })
    .await;
}

#[tokio::test]
async fn revoked_tokens_stop_at_once() {
    on_every_backend("tokens", |db| async move {
        let w = world(&db).await;
        let (view, secret) =
            tokens::create(&db, &w.admin.token_id, Role::Office, Some("office-b"), "b")
                .await
                .unwrap();
        assert_ne!(view.model.secret_hash, secret);
        assert!(tokens::authenticate(&db, &secret).await.is_ok());
        let denied = tokens::revoke(&db, &w.city, &view.model.id)
            .await
            .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        tokens::revoke(&db, &w.admin, &view.model.id).await.unwrap();
        let err = tokens::authenticate(&db, &secret).await.unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
        let err = tokens::authenticate(&db, "nbt_not-a-token")
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::Unauthenticated);
        let missing = tokens::create(&db, "x", Role::City, None, "")
            .await
            .unwrap_err();
        assert!(
            matches!(missing, StorageError::Invalid { ref field, .. } if field == "office_code")
        );
    })
    .await;
}

#[tokio::test]
async fn warnings_can_be_marked_by_reviewers() {
    on_every_backend("marks", |db| async move {
        let w = world(&db).await;
        let done = submit::submit(&db, &w.office, sub(report("office-a", 2023), "m1"))
            .await
            .unwrap();
        let findings = super::stored::findings_from_json(&done.revision.findings).unwrap();
        let warning = findings
            .first()
            .expect("a report with unprinted cells has warnings");
        let fingerprint = warning.fingerprint();
        let denied = super::marks::mark(&db, &w.office, "office-a", 2023, &fingerprint, "说明")
            .await
            .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        let unknown = super::marks::mark(&db, &w.city, "office-a", 2023, "R1:nothing", "说明")
            .await
            .unwrap_err();
        assert!(
            matches!(unknown, StorageError::Invalid { ref field, .. } if field == "fingerprint")
        );
        let mark = super::marks::mark(&db, &w.city, "office-a", 2023, &fingerprint, "已核实")
            .await
            .unwrap();
        assert_eq!(mark.cells_digest.len(), 64);
        super::marks::mark(&db, &w.city, "office-a", 2023, &fingerprint, "再次核实")
            .await
            .unwrap();
        let marks = super::marks::list(&db, &w.office, "office-a", 2023)
            .await
            .unwrap();
        assert_eq!(marks.len(), 1, "marking again updates the mark");
        assert_eq!(marks[0].reason, "再次核实");
    })
    .await;
}
