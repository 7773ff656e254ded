//! Reads over a subtree with more offices than a statement may bind parameters (SQLite 32,766,
//! PostgreSQL 65,535), on SQLite and (when `NIANBAO_TEST_POSTGRES_URL` is set) PostgreSQL. The
//! offices and report rows are inserted in bulk to keep the test quick.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;

use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::bulk_reads::{admin, backends, submit};
use crate::entity::{office, report};
use crate::repo::offices::{self, NewOffice};
use crate::repo::read::bulk;
use crate::repo::read::list::{self, ReportFilter};
use crate::repo::read::reports::Selection;

/// More offices than PostgreSQL (and so SQLite) binds in one statement.
const OFFICES: usize = 66_000;

/// Rows per page of the list.
const PAGE: u64 = 7_000;

/// Inserts `OFFICES` offices under `parent`, each with a submitted report row of 2023 (without
/// revisions), in statements of 1,000 rows.
async fn insert_offices(db: &DatabaseConnection, parent: i64) {
    let now = chrono::Utc::now();
    for start in (0..OFFICES).step_by(1_000) {
        let rows = (start..(start + 1_000).min(OFFICES)).map(|i| office::ActiveModel {
            code: Set(format!("big-{i:06}")),
            name: Set(format!("单位{i}")),
            kind: Set("department".into()),
            parent_id: Set(Some(parent)),
            must_report: Set(true),
            exempt_years: Set("[]".into()),
            created_at: Set(now),
            ..Default::default()
        });
        office::Entity::insert_many(rows).exec(db).await.unwrap();
    }
    let ids: Vec<i64> = office::Entity::find()
        .filter(office::Column::ParentId.eq(parent))
        .filter(office::Column::Code.starts_with("big-"))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(ids.len(), OFFICES);
    for chunk in ids.chunks(1_000) {
        let rows = chunk.iter().map(|&office_id| report::ActiveModel {
            office_id: Set(office_id),
            year: Set(2023),
            status: Set("submitted".into()),
            latest_revision: Set(1),
            latest_submitted_revision: Set(1),
            accepted_revision: Set(0),
            return_reason: Set(String::new()),
            first_submitted_at: Set(Some(now)),
            last_submitted_at: Set(Some(now)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        report::Entity::insert_many(rows).exec(db).await.unwrap();
    }
}

#[tokio::test]
async fn listing_and_planning_a_subtree_larger_than_the_parameter_limit() {
    for db in backends("large").await {
        let admin = admin(&db).await;
        let new = |code: &str, parent: Option<&str>| NewOffice {
            code: code.into(),
            name: format!("{code} 单位"),
            kind: "department".into(),
            parent_code: parent.map(str::to_string),
            must_report: true,
            exempt_years: vec![],
        };
        let province = offices::create(&db, &admin, new("prov", None))
            .await
            .unwrap();
        offices::create(&db, &admin, new("real-1", Some("prov")))
            .await
            .unwrap();
        offices::create(&db, &admin, new("outside", None))
            .await
            .unwrap();
        // Two real submissions (with revisions and findings counts); one outside the subtree.
        submit(&db, &admin, "real-1", 5, "r1").await;
        submit(&db, &admin, "outside", 6, "r2").await;
        let parent = crate::repo::access::permit::find_by_code(&db, &province.code)
            .await
            .unwrap()
            .unwrap()
            .id;
        insert_offices(&db, parent).await;

        // Every page of the list, in id order, without repeats or rows from outside (pages larger
        // than the service's 1,000 to keep the test quick).
        let mut seen = HashSet::new();
        let mut after_id = 0;
        let mut pages = 0;
        loop {
            let (rows, next) = list::list(
                &db,
                &admin,
                ReportFilter {
                    under: Some("prov".into()),
                    year: Some(2023),
                    status: None,
                    page_size: PAGE,
                    after_id,
                },
            )
            .await
            .unwrap();
            pages += 1;
            assert!(rows.len() <= PAGE as usize);
            assert!(rows.windows(2).all(|w| w[0].row.id < w[1].row.id));
            for s in &rows {
                assert!(s.row.id > after_id);
                assert_ne!(s.office_code, "outside");
                assert!(seen.insert(s.office_code.clone()), "{}", s.office_code);
            }
            match next {
                Some(n) => after_id = n,
                None => break,
            }
        }
        assert_eq!(seen.len(), OFFICES + 1);
        assert!(seen.contains("real-1") && seen.contains("big-065999"));
        assert!(pages > OFFICES / PAGE as usize);

        // A status filter over the large subtree.
        let (rows, _) = list::list(
            &db,
            &admin,
            ReportFilter {
                under: Some("prov".into()),
                year: Some(2023),
                status: Some("returned".into()),
                page_size: 10,
                after_id: 0,
            },
        )
        .await
        .unwrap();
        assert!(rows.is_empty());

        // The bulk plan of the whole subtree.
        let bulk = bulk::plan(&db, &admin, Some("prov"), 2023, Selection::LatestSubmitted)
            .await
            .unwrap();
        assert_eq!(bulk.planned.len(), OFFICES + 1);
        db.close().await.unwrap();
    }
}
