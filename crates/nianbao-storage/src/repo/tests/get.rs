//! `GetReport`'s read: the office, the report row and the revision in one query, then the
//! permission check; the same answers as the separate queries, and the same refusals. The same for
//! authentication with the office of a submission.

use nianbao_model::{Report, Value};
use sea_orm::DatabaseConnection;
use tonic::Code;

use super::{World, on_every_backend, report, sub, token, world};
use crate::error::StorageError;
use crate::repo::access::auth::Role;
use crate::repo::access::{permit, tokens};
use crate::repo::read::reports;
use crate::repo::write::{prepared, submit};

/// Two revisions of office-a's 2023 report by its own token; the second (changed) report.
async fn two_revisions(db: &DatabaseConnection, w: &World) -> Report {
    let mut changed = report("office-a", 2023);
    changed.set("s2.regulations.issued", Value::Count(8));
    submit::submit(db, &w.office, sub(report("office-a", 2023), "g1"))
        .await
        .unwrap();
    let mut second = sub(changed.clone(), "g2");
    second.base_revision = Some(1);
    submit::submit(db, &w.office, second).await.unwrap();
    changed
}

#[tokio::test]
async fn one_query_read_matches_the_separate_queries() {
    on_every_backend("get", |db| async move {
        let w = world(&db).await;
        let changed = two_revisions(&db, &w).await;

        for (number, expected) in [(None, &changed), (Some(2), &changed)] {
            let got = reports::get(&db, &w.office, "office-a", 2023, number)
                .await
                .unwrap();
            assert_eq!(&got.report, expected);
            assert_eq!(got.revision.number, 2);
            assert_eq!(got.summary.office_code, "office-a");
            assert_eq!(got.summary.row.latest_revision, 2);
        }
        let got = reports::get(&db, &w.city, "office-a", 2023, Some(1))
            .await
            .unwrap();
        assert_eq!(got.report, report("office-a", 2023));
        assert_eq!(got.revision.number, 1);

        // The joined row decodes to exactly what the separate queries read.
        let office = permit::find_by_code(&db, "office-a")
            .await
            .unwrap()
            .unwrap();
        let row = reports::find_report(&db, office.id, 2023)
            .await
            .unwrap()
            .unwrap();
        for number in [1, 2] {
            let separate = reports::find_revision(&db, row.id, number).await.unwrap();
            let (o, found) = reports::find_office_year(&db, "office-a", 2023, Some(number))
                .await
                .unwrap()
                .unwrap();
            let (r, v) = found.unwrap();
            assert_eq!((o, r, v), (office.clone(), row.clone(), Some(separate)));
        }
        let (_, found) = reports::find_office_year(&db, "office-a", 2023, Some(3))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.unwrap().1, None, "no revision 3");
        let (_, found) = reports::find_office_year(&db, "office-a", 2022, None)
            .await
            .unwrap()
            .unwrap();
        assert!(found.is_none(), "no report for 2022");
        assert!(
            reports::find_office_year(&db, "nowhere", 2023, None)
                .await
                .unwrap()
                .is_none()
        );

        // Answers that name what is missing.
        let err = reports::get(&db, &w.office, "office-a", 2023, Some(3))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(err.to_string().contains("revision 3"), "{err}");
        let err = reports::get(&db, &w.office, "office-a", 2022, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(err.to_string().contains("2022"), "{err}");

        // Refusals: another office's report and an unknown office look the same; an admin is
        // told the office does not exist.
        let other = token(&db, Role::Office, "office-b").await;
        let forbidden = reports::get(&db, &other, "office-a", 2023, None)
            .await
            .unwrap_err();
        let unknown = reports::get(&db, &other, "office-z", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(forbidden.code(), Code::PermissionDenied);
        assert_eq!(
            forbidden.to_string().replace("office-a", "X"),
            unknown.to_string().replace("office-z", "X")
        );
        let outside = token(&db, Role::City, "office-b").await;
        let err = reports::get(&db, &outside, "office-a", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Code::PermissionDenied,
            "a city reads only its subtree"
        );
        let err = reports::get(&db, &w.admin, "office-z", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
    })
    .await;
}

#[tokio::test]
async fn authentication_reads_the_office_in_the_same_query() {
    on_every_backend("auth-office", |db| async move {
        let w = world(&db).await;
        let (view, secret) = tokens::create(&db, "test", Role::Office, Some("office-a"), "t")
            .await
            .unwrap();
        let alone = tokens::authenticate(&db, &secret).await.unwrap();
        let office_a = permit::find_by_code(&db, "office-a").await.unwrap();
        let office_b = permit::find_by_code(&db, "office-b").await.unwrap();
        assert!(office_a.is_some() && office_b.is_some());
        for (code, office) in [
            ("office-a", office_a),
            ("office-b", office_b),
            ("nowhere", None),
        ] {
            let (caller, found) = tokens::authenticate_for(&db, &secret, code).await.unwrap();
            assert_eq!(caller, alone, "{code}");
            assert_eq!(found, office, "{code}");
        }
        // Refused alike: an unknown secret and a revoked token, whatever the office.
        let err = tokens::authenticate_for(&db, "nbt_unknown", "office-a")
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Unauthenticated), "{err}");
        tokens::revoke(&db, &w.admin, &view.model.id).await.unwrap();
        let err = tokens::authenticate_for(&db, &secret, "office-a")
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Unauthenticated), "{err}");

        // A submission prepared with the office authentication read is the one prepared alone;
        // another office's row is not used for the report's office.
        let sub = || super::sub(report("office-a", 2023), "p1");
        let alone = prepared::prepare(&db, &w.office, sub()).await.unwrap();
        let b = permit::find_by_code(&db, "office-b").await.unwrap();
        for found in [
            permit::find_by_code(&db, "office-a").await.unwrap(),
            b,
            None,
        ] {
            let with = prepared::prepare_found(&db, &w.office, sub(), found, true)
                .await
                .unwrap();
            assert_eq!(with.office_id(), alone.office_id());
        }
        let other = token(&db, Role::Office, "office-b").await;
        let found = permit::find_by_code(&db, "office-a").await.unwrap();
        let err = prepared::prepare_found(&db, &other, sub(), found, false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::PermissionDenied);
    })
    .await;
}

#[tokio::test]
async fn authenticated_read_matches_authentication_then_the_read() {
    on_every_backend("auth-get", |db| async move {
        let w = world(&db).await;
        two_revisions(&db, &w).await;
        let mut secrets = Vec::new();
        for (role, office) in [
            (Role::Office, Some("office-a")),
            (Role::Office, Some("office-b")),
            (Role::City, Some("district")),
            (Role::Admin, None),
        ] {
            secrets.push(
                tokens::create(&db, "test", role, office, "t")
                    .await
                    .unwrap(),
            );
        }
        let (revoked, revoked_secret) = secrets.pop().unwrap();
        tokens::revoke(&db, &w.admin, &revoked.model.id)
            .await
            .unwrap();
        let mut checked = 0;
        for secret in secrets
            .iter()
            .map(|(_, s)| s.as_str())
            .chain([revoked_secret.as_str(), "nbt_unknown"])
        {
            for code in ["office-a", "office-b", "nowhere"] {
                for year in [2022, 2023] {
                    for number in [None, Some(1), Some(2), Some(3)] {
                        let one =
                            reports::authenticate_and_find(&db, secret, code, year, number).await;
                        let two = match tokens::authenticate(&db, secret).await {
                            Ok(caller) => reports::find_office_year(&db, code, year, number)
                                .await
                                .map(|found| (caller, found)),
                            Err(e) => Err(e),
                        };
                        match (one, two) {
                            (Ok(one), Ok(two)) => assert_eq!(one, two, "{code} {year} {number:?}"),
                            (Err(a), Err(b)) => {
                                assert!(matches!(a, StorageError::Unauthenticated), "{a}");
                                assert!(matches!(b, StorageError::Unauthenticated), "{b}");
                            }
                            (one, two) => panic!("{code} {year} {number:?}: {one:?} / {two:?}"),
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 5 * 3 * 2 * 4);
        // What it found is answered to the office's own token and refused to another office's.
        for (secret, own) in [(&secrets[0].1, true), (&secrets[1].1, false)] {
            let (caller, found) =
                reports::authenticate_and_find(&db, secret, "office-a", 2023, None)
                    .await
                    .unwrap();
            match reports::answer(&db, &caller, "office-a", 2023, None, found).await {
                Ok(got) => assert!(own && got.revision.number == 2, "{:?}", got.revision),
                Err(err) => assert!(!own && err.code() == Code::PermissionDenied, "{err}"),
            }
        }
    })
    .await;
}
