//! Reminders in storage on SQLite and on PostgreSQL (when `NIANBAO_TEST_POSTGRES_URL` is set):
//! claims granted once under concurrency, from two connections as from two replicas; retry
//! times and leases; contacts and plans checked and kept to the city.

#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::DatabaseConnection;

use super::deliveries::{self, Claim, Key, Outcome};
use super::plans::{self, PlanSettings};
use super::{ContactInput, list_contacts, set_contact};
use crate::error::StorageError;
use crate::repo::access::auth::{Caller, Role};
use crate::repo::audit;
use crate::repo::offices::{self, NewOffice};
use crate::repo::tests::ScratchPostgres;

const ADMIN: Caller = Caller {
    token_id: String::new(),
    role: Role::Admin,
    office_id: None,
};

/// Runs `test` with two connections to one fresh SQLite file, then to one fresh PostgreSQL
/// database when configured.
async fn on_both_backends<F, Fut>(name: &str, test: F)
where
    F: Fn(DatabaseConnection, DatabaseConnection) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/{name}.db?mode=rwc", dir.path().display());
    let (a, b) = (
        crate::db::connect(&url, 1).await.unwrap(),
        crate::db::connect(&url, 1).await.unwrap(),
    );
    test(a, b).await;
    let Some(pg) = ScratchPostgres::create(name).await else {
        return;
    };
    let (a, b) = (
        crate::db::connect(&pg.url, 5).await.unwrap(),
        crate::db::connect(&pg.url, 5).await.unwrap(),
    );
    test(a.clone(), b.clone()).await;
    a.close().await.unwrap();
    b.close().await.unwrap();
    pg.drop().await;
}

/// city ─ district ─ office; returns the ids.
async fn tree(db: &DatabaseConnection) -> (i64, i64, i64) {
    let mut ids = Vec::new();
    for (code, parent) in [
        ("city", None),
        ("district", Some("city")),
        ("office", Some("district")),
    ] {
        let v = offices::create(
            db,
            &ADMIN,
            NewOffice {
                code: code.into(),
                name: format!("{code} 名称"),
                kind: "department".into(),
                parent_code: parent.map(String::from),
                must_report: true,
                exempt_years: vec![],
            },
        )
        .await
        .unwrap();
        let found = crate::repo::access::permit::find_by_code(db, &v.code)
            .await
            .unwrap();
        ids.push(found.unwrap().id);
    }
    (ids[0], ids[1], ids[2])
}

fn key(step: &str) -> Key {
    Key {
        org_code: "city".into(),
        year: 2023,
        office_code: "office".into(),
        step: step.into(),
        channel: "email".into(),
    }
}

fn claim(step: &str, now: DateTime<Utc>, worker: &str) -> Claim {
    Claim {
        key: key(step),
        recipients: vec!["a@b.cn".into()],
        subject: "提醒".into(),
        worker: worker.into(),
        now,
        lease: Duration::seconds(300),
    }
}

/// Ten claims at once, alternately on two connections: how many were granted, and the attempt.
async fn race(
    a: &DatabaseConnection,
    b: &DatabaseConnection,
    step: &str,
    now: DateTime<Utc>,
) -> (usize, i32) {
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let db = if i % 2 == 0 { a.clone() } else { b.clone() };
            let c = claim(step, now, &format!("w{i}"));
            tokio::spawn(async move { deliveries::claim(&db, &ADMIN, c).await.unwrap() })
        })
        .collect();
    let mut granted = 0;
    let mut attempt = 0;
    for t in tasks {
        let (ok, row) = t.await.unwrap();
        if ok {
            granted += 1;
            attempt = row.model.attempts;
        }
    }
    (granted, attempt)
}

fn outcome(step: &str, attempt: i32, sent: bool, now: DateTime<Utc>) -> Outcome {
    Outcome {
        key: key(step),
        attempt,
        sent,
        error: if sent {
            String::new()
        } else {
            "smtp: connection refused".into()
        },
        retry_at: (!sent).then(|| now + Duration::seconds(60)),
        now,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_is_granted_once_retried_after_its_time_and_taken_over_after_its_lease() {
    on_both_backends("claims", async |a, b| {
        tree(&a).await;
        let t0 = Utc.with_ymd_and_hms(2024, 1, 24, 2, 0, 0).unwrap();
        assert_eq!(race(&a, &b, "remind:-7", t0).await, (1, 1));
        // Failed: not before its retry time, then once.
        deliveries::finish(&a, &ADMIN, outcome("remind:-7", 1, false, t0))
            .await
            .unwrap();
        assert_eq!(
            race(&a, &b, "remind:-7", t0 + Duration::seconds(30))
                .await
                .0,
            0
        );
        assert_eq!(
            race(&a, &b, "remind:-7", t0 + Duration::seconds(61)).await,
            (1, 2)
        );
        // The first attempt's outcome can no longer be recorded.
        let stale = deliveries::finish(&b, &ADMIN, outcome("remind:-7", 1, true, t0)).await;
        assert!(
            matches!(stale, Err(StorageError::FailedPrecondition(_))),
            "{stale:?}"
        );
        let sent = deliveries::finish(&b, &ADMIN, outcome("remind:-7", 2, true, t0))
            .await
            .unwrap();
        assert_eq!(
            (sent.model.state.as_str(), sent.model.error.as_str()),
            ("sent", "")
        );
        // Sent: never again, whatever the time.
        assert_eq!(
            race(&a, &b, "remind:-7", t0 + Duration::days(30)).await.0,
            0
        );

        // Claimed and never finished (its claimer stopped): held for the lease, then taken once.
        assert_eq!(race(&a, &b, "remind:-1", t0).await, (1, 1));
        assert_eq!(
            race(&a, &b, "remind:-1", t0 + Duration::seconds(299))
                .await
                .0,
            0
        );
        assert_eq!(
            race(&a, &b, "remind:-1", t0 + Duration::seconds(300)).await,
            (1, 2)
        );
        let late = deliveries::finish(&a, &ADMIN, outcome("remind:-1", 1, true, t0)).await;
        assert!(matches!(late, Err(StorageError::FailedPrecondition(_))));

        let log = deliveries::log(&a, &ADMIN, "city", 2023, 0, 100)
            .await
            .unwrap();
        let states: Vec<(&str, &str, i32)> = log
            .iter()
            .map(|d| {
                (
                    d.model.step.as_str(),
                    d.model.state.as_str(),
                    d.model.attempts,
                )
            })
            .collect();
        assert_eq!(
            states,
            vec![("remind:-7", "sent", 2), ("remind:-1", "claimed", 2)]
        );
        a.close().await.unwrap();
        b.close().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contacts_and_plans_are_checked_and_kept_to_the_city() {
    on_both_backends("contacts", async |db, other| {
        let (_, district, office) = tree(&db).await;
        let city = Caller { token_id: "c".into(), role: Role::City, office_id: Some(district) };
        let own = Caller { token_id: "o".into(), role: Role::Office, office_id: Some(office) };
        let input = |code: &str, emails: &[&str], hook: &str| ContactInput {
            office_code: code.into(),
            group: String::new(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            webhook_url: hook.into(),
        };
        let bad = set_contact(&db, &city, input("office", &["a@b.cn", "not-an-address"], "")).await;
        match bad {
            Err(StorageError::Invalid { field, message }) => {
                assert_eq!(field, "contact.emails[1]");
                assert!(message.contains("邮箱"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        let bad = set_contact(&db, &city, input("office", &[], "ftp://x")).await;
        assert!(matches!(bad, Err(StorageError::Invalid { field, .. }) if field == "contact.webhook_url"));
        // An office sets no contacts, not even its own; a city only within its subtree.
        assert!(matches!(set_contact(&db, &own, input("office", &["a@b.cn"], "")).await, Err(StorageError::Denied(_))));
        assert!(matches!(set_contact(&db, &city, input("city", &["a@b.cn"], "")).await, Err(StorageError::Denied(_))));
        let set = set_contact(&db, &city, input("office", &[" a@b.cn "], "https://h.example.cn/x")).await.unwrap();
        assert_eq!(set.emails, vec!["a@b.cn".to_string()]);
        set_contact(&db, &city, input("office", &["c@d.cn"], "")).await.unwrap();
        let listed = list_contacts(&other, &city, "district").await.unwrap();
        assert_eq!(listed.len(), 1, "replaced, not added");
        assert_eq!((listed[0].office_code.as_str(), listed[0].emails.clone()), ("office", vec!["c@d.cn".to_string()]));
        assert!(matches!(list_contacts(&db, &own, "office").await, Err(StorageError::Denied(_))));

        let defaults = plans::get(&db, &city, "district", 2023).await.unwrap();
        assert!(!defaults.stored && !defaults.enabled);
        assert_eq!(defaults.settings.offsets, vec![-7, -1, 0]);
        let wrong = PlanSettings { digest_hour: 24, ..PlanSettings::default() };
        let refused = plans::set(&db, &city, "district", 2023, true, wrong).await;
        assert!(matches!(refused, Err(StorageError::Invalid { field, .. }) if field == "plan.digest_hour"));
        let mut settings = PlanSettings::default();
        settings.deadlines.insert("department".into(), chrono::NaiveDate::from_ymd_opt(2024, 1, 20).unwrap());
        let stored = plans::set(&db, &city, "district", 2023, true, settings.clone()).await.unwrap();
        assert!(stored.stored && stored.enabled && stored.updated_by == "c");
        assert_eq!(plans::get(&other, &ADMIN, "district", 2023).await.unwrap().settings, settings);
        assert!(matches!(plans::set(&db, &city, "city", 2023, true, PlanSettings::default()).await, Err(StorageError::Denied(_))));
        assert!(matches!(plans::get(&db, &own, "office", 2023).await, Err(StorageError::Denied(_))));
        assert_eq!(plans::list(&db, &city, true).await.unwrap().len(), 1);
        assert!(plans::list(&db, &own, true).await.is_err());
        let events = audit::list(&db, 10, None).await.unwrap();
        assert!(events.iter().any(|e| e.action == "reminders.set" && e.target == "district/2023" && e.detail.contains("2024-01-20")));
        assert!(events.iter().any(|e| e.action == "contact.set" && e.detail.contains("h.example.cn")));
        db.close().await.unwrap();
        other.close().await.unwrap();
    })
    .await;
}
