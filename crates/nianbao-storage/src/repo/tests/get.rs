//! `GetReport`'s read: the office, the report row and the revision in one query, then the
//! permission check; the same answers as the separate queries, and the same refusals.

use nianbao_model::Value;
use tonic::Code;

use super::{on_every_backend, report, sub, token, world};
use crate::auth::Role;
use crate::repo::{access, read, submit};

#[tokio::test]
async fn one_query_read_matches_the_separate_queries() {
    on_every_backend("get", |db| async move {
        let w = world(&db).await;
        let mut changed = report("office-a", 2023);
        changed.set("s2.regulations.issued", Value::Count(8));
        submit::submit(&db, &w.office, sub(report("office-a", 2023), "g1"))
            .await
            .unwrap();
        let mut second = sub(changed.clone(), "g2");
        second.base_revision = Some(1);
        submit::submit(&db, &w.office, second).await.unwrap();

        for (number, expected) in [(None, &changed), (Some(2), &changed)] {
            let got = read::get(&db, &w.office, "office-a", 2023, number)
                .await
                .unwrap();
            assert_eq!(&got.report, expected);
            assert_eq!(got.revision.number, 2);
            assert_eq!(got.summary.office_code, "office-a");
            assert_eq!(got.summary.row.latest_revision, 2);
        }
        let got = read::get(&db, &w.city, "office-a", 2023, Some(1))
            .await
            .unwrap();
        assert_eq!(got.report, report("office-a", 2023));
        assert_eq!(got.revision.number, 1);

        // The joined row decodes to exactly what the separate queries read.
        let office = access::find_by_code(&db, "office-a")
            .await
            .unwrap()
            .unwrap();
        let row = submit::find_report(&db, office.id, 2023)
            .await
            .unwrap()
            .unwrap();
        for number in [1, 2] {
            let separate = submit::find_revision(&db, row.id, number).await.unwrap();
            let (o, found) = read::find_office_year(&db, "office-a", 2023, Some(number))
                .await
                .unwrap()
                .unwrap();
            let (r, v) = found.unwrap();
            assert_eq!((o, r, v), (office.clone(), row.clone(), Some(separate)));
        }
        let (_, found) = read::find_office_year(&db, "office-a", 2023, Some(3))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(found.unwrap().1, None, "no revision 3");
        let (_, found) = read::find_office_year(&db, "office-a", 2022, None)
            .await
            .unwrap()
            .unwrap();
        assert!(found.is_none(), "no report for 2022");
        assert!(
            read::find_office_year(&db, "nowhere", 2023, None)
                .await
                .unwrap()
                .is_none()
        );

        // Answers that name what is missing.
        let err = read::get(&db, &w.office, "office-a", 2023, Some(3))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(err.to_string().contains("revision 3"), "{err}");
        let err = read::get(&db, &w.office, "office-a", 2022, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
        assert!(err.to_string().contains("2022"), "{err}");

        // Refusals: another office's report and an unknown office look the same; an admin is
        // told the office does not exist.
        let other = token(&db, Role::Office, "office-b").await;
        let forbidden = read::get(&db, &other, "office-a", 2023, None)
            .await
            .unwrap_err();
        let unknown = read::get(&db, &other, "office-z", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(forbidden.code(), Code::PermissionDenied);
        assert_eq!(
            forbidden.to_string().replace("office-a", "X"),
            unknown.to_string().replace("office-z", "X")
        );
        let outside = token(&db, Role::City, "office-b").await;
        let err = read::get(&db, &outside, "office-a", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            Code::PermissionDenied,
            "a city reads only its subtree"
        );
        let err = read::get(&db, &w.admin, "office-z", 2023, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
    })
    .await;
}
