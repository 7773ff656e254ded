//! Group commit, savepoint isolation, and office resolution that sees moves made elsewhere.

use std::future::Future;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

use super::{report, sub, with_error, world};
use crate::entity::{audit_event, revision};
use crate::error::StorageError;
use crate::repo::access::permit::{self, Need};
use crate::repo::access::tokens;
use crate::repo::offices;
use crate::repo::offices::OfficeUpdate;
use crate::repo::read::reports;
use crate::repo::write::prepared::{self, Submission};
use crate::repo::write::submit;

/// Runs `test` with the URL of a fresh SQLite file, then of a fresh PostgreSQL database when
/// configured.
async fn on_every_url<F, Fut>(name: &str, test: F)
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    test(format!("sqlite://{}/{name}.db", dir.path().display())).await;
    let Some(pg) = super::ScratchPostgres::create(name).await else {
        return;
    };
    test(pg.url.clone()).await;
    pg.drop().await;
}

#[tokio::test]
async fn group_commit_acknowledges_every_concurrent_submission() {
    on_every_url("group_all", |url| async move {
        let db = crate::db::connect_service(&url, 8).await.unwrap();
        let w = world(&db.write).await;
        let mut tasks = Vec::new();
        for i in 0..60i32 {
            let (group, read, admin) = (db.group.clone(), db.read.clone(), w.admin.clone());
            // Three office-years written concurrently, twenty revisions each.
            let (code, year) =
                [("office-a", 2022), ("office-b", 2022), ("office-a", 2023)][(i % 3) as usize];
            tasks.push(tokio::spawn(async move {
                let s = sub(report(code, year), &format!("g-{i}"));
                let prepared = prepared::prepare(&read, &admin, s).await?;
                group.submit(prepared).await
            }));
        }
        let mut numbers = std::collections::BTreeMap::<(i64, i32), Vec<i64>>::new();
        for t in tasks {
            let done = t.await.unwrap().unwrap();
            assert!(!done.replayed);
            numbers
                .entry((done.revision.office_id, done.revision.year))
                .or_default()
                .push(done.revision.number);
        }
        for (_, mut n) in numbers.clone() {
            n.sort_unstable();
            assert_eq!(n, (1..=20).collect::<Vec<i64>>(), "numbers without gaps");
        }
        assert_eq!(numbers.len(), 3);
        assert_eq!(revision::Entity::find().count(&db.read).await.unwrap(), 60);
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("report.submit"))
            .count(&db.read)
            .await
            .unwrap();
        assert_eq!(audited, 60);
        // A retry of an acknowledged request is answered with the original revision.
        let again = prepared::prepare(&db.read, &w.admin, sub(report("office-b", 2022), "g-1"))
            .await
            .unwrap();
        let replay = db.group.submit(again).await.unwrap();
        assert!(replay.replayed);
        assert_eq!(revision::Entity::find().count(&db.read).await.unwrap(), 60);
    })
    .await;
}

#[tokio::test]
async fn a_failing_submission_does_not_affect_its_batch() {
    on_every_url("group_isolated", |url| async move {
        let db = crate::db::connect_service(&url, 8).await.unwrap();
        let w = world(&db.write).await;
        let first = submit::submit(&db.write, &w.office, sub(report("office-a", 2023), "one"))
            .await
            .unwrap();
        assert_eq!(first.revision.number, 1);
        let stale = Submission {
            base_revision: Some(0),
            ..sub(report("office-a", 2023), "stale")
        };
        let jobs = [
            sub(report("office-a", 2023), "two"),
            stale,
            sub(with_error(report("office-a", 2024)), "rejected"),
            // The request id of "two", reused for another office-year.
            sub(report("office-a", 2022), "two"),
            sub(report("office-a", 2023), "three"),
            // A retry of "one", within the batch.
            sub(report("office-a", 2023), "one"),
        ];
        let mut prepared = Vec::new();
        for j in jobs {
            prepared.push(prepared::prepare(&db.read, &w.office, j).await.unwrap());
        }
        let results = submit::write_batch(&db.write, &prepared, None).await;
        assert_eq!(results.len(), 6);
        assert_eq!(results[0].as_ref().unwrap().revision.number, 2);
        assert!(matches!(
            results[1],
            Err(StorageError::FailedPrecondition(_))
        ));
        assert!(matches!(results[2], Err(StorageError::Rejected(_))));
        assert!(
            matches!(&results[3], Err(StorageError::Invalid { field, .. }) if field == "request_id")
        );
        assert_eq!(results[4].as_ref().unwrap().revision.number, 3);
        let replay = results[5].as_ref().unwrap();
        assert!(replay.replayed);
        assert_eq!(replay.revision.id, first.revision.id);
        let stored: Vec<(i32, i64, String)> = revision::Entity::find()
            .order_by_asc(revision::Column::Id)
            .all(&db.read)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.year, r.number, r.request_id))
            .collect();
        assert_eq!(
            stored,
            [
                (2023, 1, "one".to_string()),
                (2023, 2, "two".to_string()),
                (2023, 3, "three".to_string())
            ]
        );
        // Without a retry inside the batch it is written without savepoints; the refused ones
        // are still answered alone.
        let jobs = [
            sub(report("office-a", 2023), "four"),
            Submission {
                base_revision: Some(1),
                ..sub(report("office-a", 2023), "stale-again")
            },
            sub(with_error(report("office-a", 2024)), "rejected-again"),
            sub(report("office-b", 2023), "five"),
            sub(report("office-a", 2023), "two"),
        ];
        let mut prepared = Vec::new();
        for j in jobs {
            prepared.push(prepared::prepare(&db.read, &w.admin, j).await.unwrap());
        }
        let results = submit::write_batch(&db.write, &prepared, None).await;
        assert_eq!(results[0].as_ref().unwrap().revision.number, 4);
        assert!(matches!(
            results[1],
            Err(StorageError::FailedPrecondition(_))
        ));
        assert!(matches!(results[2], Err(StorageError::Rejected(_))));
        assert_eq!(results[3].as_ref().unwrap().revision.number, 1);
        // "two" was sent by the office token, so for the admin it is a new request.
        assert_eq!(results[4].as_ref().unwrap().revision.number, 5);
        assert_eq!(revision::Entity::find().count(&db.read).await.unwrap(), 6);
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("report.submit"))
            .count(&db.read)
            .await
            .unwrap();
        assert_eq!(audited, 6, "one audit event per written revision");
        // The refused ones left nothing behind: no report row for 2022 or 2024.
        let office = permit::find_by_code(&db.read, "office-a")
            .await
            .unwrap()
            .unwrap();
        for year in [2022, 2024] {
            assert!(
                reports::find_report(&db.read, office.id, year)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    })
    .await;
}

#[tokio::test]
async fn resolution_sees_moves_made_through_another_connection() {
    on_every_url("moves_elsewhere", |url| async move {
        let service = crate::db::connect_service(&url, 4).await.unwrap();
        let other = crate::db::connect(&url, 2).await.unwrap();
        let w = world(&other).await;
        let refused = permit::resolve(&service.read, &w.city, "office-b", Need::Read)
            .await
            .unwrap_err();
        let unknown = permit::resolve(&service.read, &w.city, "nowhere", Need::Read)
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string().replace("office-b", "X"),
            unknown.to_string().replace("nowhere", "X")
        );
        let move_to = |parent: &str| OfficeUpdate {
            code: "office-b".into(),
            parent_code: Some(parent.into()),
            ..Default::default()
        };
        offices::update(&other, &w.admin, move_to("district"))
            .await
            .unwrap();
        let seen = permit::resolve(&service.read, &w.city, "office-b", Need::Read)
            .await
            .unwrap();
        assert_eq!(seen.code, "office-b");
        assert!(
            permit::resolve(&service.read, &w.city, "office-b", Need::Submit)
                .await
                .is_err(),
            "a city token never submits"
        );
        offices::update(&other, &w.admin, move_to("city"))
            .await
            .unwrap();
        assert!(
            permit::resolve(&service.read, &w.city, "office-b", Need::Review)
                .await
                .is_err()
        );
        // Revocation through another connection stops the token at once.
        let (view, secret) =
            tokens::create(&other, "test", crate::Role::Office, Some("office-b"), "t")
                .await
                .unwrap();
        assert!(tokens::authenticate(&service.read, &secret).await.is_ok());
        tokens::revoke(&other, &w.admin, &view.model.id)
            .await
            .unwrap();
        assert!(tokens::authenticate(&service.read, &secret).await.is_err());
        other.close().await.unwrap();
    })
    .await;
}
