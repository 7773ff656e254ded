//! Publication: PUBLISH records where and when (once per place, in its audit event), only for an
//! accepted report, and only within the reviewer's subtree; checks of a published page are kept
//! with the time checked and listed with the publication.

use super::{on_every_backend, report, sub, token, world};
use crate::entity::audit_event;
use crate::repo::access::auth::Role;
use crate::repo::publications::{self, Check, place};
use crate::repo::review::{Action, review_at};
use crate::repo::write::submit;
use sea_orm::{EntityTrait, QueryOrder};

fn check(outcome: &str) -> Check {
    Check {
        outcome: outcome.into(),
        detail: "{}".into(),
    }
}

#[tokio::test]
async fn publications_are_recorded_listed_and_checked() {
    on_every_backend("publications", |db| async move {
        let w = world(&db).await;
        submit::submit(&db, &w.office, sub(report("office-a", 2023), "p1"))
            .await
            .unwrap();
        let first = place("https://gov.example/xxgk/2023.html", "2024-01-20").unwrap();
        // Not yet accepted: refused, nothing recorded.
        let early = review_at(
            &db,
            &w.city,
            "office-a",
            2023,
            Action::Publish,
            "",
            Some(&first),
        )
        .await
        .unwrap_err();
        assert_eq!(early.code(), tonic::Code::FailedPrecondition);
        assert!(
            publications::list(&db, &w.city, "district", 2023)
                .await
                .unwrap()
                .is_empty()
        );
        review_at(&db, &w.city, "office-a", 2023, Action::Accept, "", None)
            .await
            .unwrap();
        review_at(
            &db,
            &w.city,
            "office-a",
            2023,
            Action::Publish,
            "",
            Some(&first),
        )
        .await
        .unwrap();
        // Published again at a second place.
        let second = place("http://portal.example/ndbg/a.pdf", "2024-02-03").unwrap();
        let s = review_at(
            &db,
            &w.city,
            "office-a",
            2023,
            Action::Publish,
            "",
            Some(&second),
        )
        .await
        .unwrap();
        assert_eq!(s.row.status, crate::repo::status::PUBLISHED);
        let last = audit_event::Entity::find()
            .order_by_desc(audit_event::Column::Id)
            .one(&db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(last.action, "report.publish");
        assert!(
            last.detail
                .contains("http://portal.example/ndbg/a.pdf 2024-02-03"),
            "{}",
            last.detail
        );

        let listed = publications::list(&db, &w.city, "district", 2023)
            .await
            .unwrap();
        let urls: Vec<&str> = listed.iter().map(|l| l.publication.url.as_str()).collect();
        assert_eq!(urls, [first.url.as_str(), second.url.as_str()]);
        assert!(
            listed
                .iter()
                .all(|l| l.office_code == "office-a" && l.publication.revision == 1)
        );
        assert_eq!(listed[1].publication.published_on.to_string(), "2024-02-03");
        assert!(listed[0].last_check.is_none());
        assert!(
            publications::list(&db, &w.city, "district", 2022)
                .await
                .unwrap()
                .is_empty()
        );

        // Checks: the latest is listed; a URL not published is refused.
        for outcome in ["not_found", "different"] {
            publications::record_check(&db, &w.city, "office-a", 2023, &first.url, check(outcome))
                .await
                .unwrap();
        }
        let listed = publications::list(&db, &w.city, "district", 2023)
            .await
            .unwrap();
        assert_eq!(
            listed[0].last_check.as_ref().map(|c| c.outcome.as_str()),
            Some("different")
        );
        assert!(listed[1].last_check.is_none());
        let elsewhere = publications::record_check(
            &db,
            &w.city,
            "office-a",
            2023,
            "https://other.example/",
            check("identical"),
        )
        .await
        .unwrap_err();
        assert_eq!(elsewhere.code(), tonic::Code::NotFound);

        // Outside the subtree: a city of office-b's branch neither lists nor records.
        let other_city = token(&db, Role::City, "office-b").await;
        let denied = publications::list(&db, &other_city, "district", 2023)
            .await
            .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        assert!(
            publications::list(&db, &other_city, "office-b", 2023)
                .await
                .unwrap()
                .is_empty()
        );
        let denied = publications::record_check(
            &db,
            &other_city,
            "office-a",
            2023,
            &first.url,
            check("identical"),
        )
        .await
        .unwrap_err();
        assert_eq!(denied.code(), tonic::Code::PermissionDenied);
        // An office cannot publish its own report.
        let own = review_at(
            &db,
            &w.office,
            "office-a",
            2023,
            Action::Publish,
            "",
            Some(&first),
        )
        .await
        .unwrap_err();
        assert_eq!(own.code(), tonic::Code::PermissionDenied);
    })
    .await;
}

#[test]
fn a_place_needs_an_http_url_and_a_date() {
    assert!(place("https://gov.example/a.html", "2024-01-31").is_ok());
    for (url, date) in [
        ("ftp://gov.example/a", "2024-01-31"),
        ("https://", "2024-01-31"),
        ("https://gov.example/a b", "2024-01-31"),
        ("gov.example/a.html", "2024-01-31"),
        ("https://gov.example/a.html", "2024-1-31x"),
        ("https://gov.example/a.html", ""),
    ] {
        assert!(place(url, date).is_err(), "{url} {date}");
    }
    let e = place("https://gov.example/a.html", "31/01/2024").unwrap_err();
    assert!(e.to_string().contains("published_date"), "{e}");
}
