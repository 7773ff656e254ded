//! Tests of the chunked bulk read and the packed cells stored with revisions, on SQLite and (when
//! `NIANBAO_TEST_POSTGRES_URL` is set) PostgreSQL.

#![allow(clippy::unwrap_used)]

use nianbao_model::{Edition, Office, Report, Value};
use nianbao_proto::packed;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryTrait, Statement,
};

use crate::entity::revision;
use crate::repo::access::auth::{Caller, Role};
use crate::repo::access::tokens;
use crate::repo::offices;
use crate::repo::offices::NewOffice;
use crate::repo::read::bulk::{self, BULK_CHUNK};
use crate::repo::read::reports::Selection;
use crate::repo::write::prepared::Submission;
use crate::repo::write::submit;

pub(super) async fn backends(name: &str) -> Vec<DatabaseConnection> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.keep();
    let mut out = vec![
        crate::db::connect(&format!("sqlite://{}/{name}.db", path.display()), 1)
            .await
            .unwrap(),
    ];
    // The database is left for the test's lifetime; CI's server is scratch.
    if let Some(pg) = super::ScratchPostgres::create(name).await {
        out.push(crate::db::connect(&pg.url, 5).await.unwrap());
    }
    out
}

fn report(code: &str, n: i64) -> Report {
    let mut r = Report::new(
        Office {
            code: code.into(),
            name: format!("{code} 单位"),
        },
        2023,
        Edition::E2021,
    );
    r.sections
        .insert("overview".into(), format!("第 {n} 号单位的概述。"));
    assert!(r.set("s2.regulations.issued", Value::Count(n)));
    assert!(r.set("s2.regulations.in_force", Value::Count(2 * n + 1)));
    r
}

pub(super) async fn admin(db: &DatabaseConnection) -> Caller {
    let (_, secret) = tokens::create(db, "bootstrap", Role::Admin, None, "admin")
        .await
        .unwrap();
    tokens::authenticate(db, &secret).await.unwrap()
}

pub(super) async fn submit(
    db: &DatabaseConnection,
    admin: &Caller,
    code: &str,
    n: i64,
    request: &str,
) {
    submit::submit(
        db,
        admin,
        Submission {
            report: report(code, n),
            request_id: request.into(),
            base_revision: None,
            draft: false,
            client: "test".into(),
        },
    )
    .await
    .unwrap();
}

/// Every chunk of the plan, packed, as (office code, revision number, cells).
async fn packed_all(
    db: &DatabaseConnection,
    caller: &Caller,
) -> Vec<(String, i64, Report, std::sync::Arc<[u8]>)> {
    let bulk = bulk::plan(db, caller, Some("city"), 2023, Selection::LatestSubmitted)
        .await
        .unwrap();
    let mut out = Vec::new();
    for chunk in bulk.planned.chunks(BULK_CHUNK) {
        for p in bulk.fetch_packed(db, chunk).await.unwrap() {
            let report = packed::unpack(&p.packed).unwrap().into_report();
            out.push((p.summary.office_code, p.revision.number, report, p.packed));
        }
    }
    out
}

#[tokio::test]
async fn packed_chunks_and_their_cache_give_what_the_database_holds() {
    for db in backends("bulk").await {
        let admin = admin(&db).await;
        offices::create(
            &db,
            &admin,
            NewOffice {
                code: "city".into(),
                name: "市".into(),
                kind: "city".into(),
                parent_code: None,
                must_report: false,
                exempt_years: vec![],
            },
        )
        .await
        .unwrap();
        // More offices than one chunk; every third has no report.
        let n = BULK_CHUNK + 40;
        for i in 0..n {
            offices::create(
                &db,
                &admin,
                NewOffice {
                    code: format!("o-{i:04}"),
                    name: format!("单位{i}"),
                    kind: "department".into(),
                    parent_code: Some("city".into()),
                    must_report: true,
                    exempt_years: vec![],
                },
            )
            .await
            .unwrap();
            if i % 3 != 0 {
                submit(
                    &db,
                    &admin,
                    &format!("o-{i:04}"),
                    i as i64,
                    &format!("r{i}"),
                )
                .await;
            }
        }

        // The collected full read (decoded from the stored JSON) is the reference.
        let full = bulk::select(&db, &admin, Some("city"), 2023, Selection::LatestSubmitted)
            .await
            .unwrap();
        assert_eq!(full.len(), (0..n).filter(|i| i % 3 != 0).count());
        let first = packed_all(&db, &admin).await;
        // Revisions stored without packed cells (before the column existed) or in another
        // format are packed from their content: the same bytes.
        revision::Entity::update_many()
            .col_expr(
                revision::Column::Packed,
                Expr::value(Option::<Vec<u8>>::None),
            )
            .col_expr(
                revision::Column::PackedFormat,
                Expr::value(Option::<i32>::None),
            )
            .filter(revision::Column::Number.eq(1))
            .filter(revision::Column::OfficeId.lt(5_i64))
            .exec(&db)
            .await
            .unwrap();
        revision::Entity::update_many()
            .col_expr(revision::Column::PackedFormat, Expr::value(Some(-1)))
            .filter(revision::Column::OfficeId.gte(5_i64))
            .filter(revision::Column::OfficeId.lt(9_i64))
            .exec(&db)
            .await
            .unwrap();
        let second = packed_all(&db, &admin).await;
        assert_eq!(first.len(), full.len());
        for ((f, a), b) in full.iter().zip(&first).zip(&second) {
            assert_eq!(f.summary.office_code, a.0);
            assert_eq!(f.revision.number, a.1);
            assert_eq!(f.report.cells, a.2.cells, "{}", a.0);
            assert_eq!(f.report.office, a.2.office);
            assert_eq!((&a.0, a.1, &a.2.cells), (&b.0, b.1, &b.2.cells));
            assert_eq!(
                a.3, b.3,
                "packed at submission and packed from the content agree"
            );
        }

        // A new revision is read with its new values.
        let before = revision::Entity::find().all(&db).await.unwrap().len();
        submit(&db, &admin, "o-0001", 777, "again").await;
        assert_eq!(
            revision::Entity::find().all(&db).await.unwrap().len(),
            before + 1
        );
        let after = packed_all(&db, &admin).await;
        let o1 = after.iter().find(|p| p.0 == "o-0001").unwrap();
        assert_eq!(o1.1, 2);
        assert_eq!(
            o1.2.cells.get("s2.regulations.issued"),
            Some(&Value::Count(777))
        );

        // A caller sees only its subtree; the plan of an office outside it is refused.
        assert!(
            bulk::plan(
                &db,
                &admin,
                Some("nowhere"),
                2023,
                Selection::LatestSubmitted
            )
            .await
            .is_err()
        );
        db.close().await.unwrap();
    }
}

#[tokio::test]
async fn sqlite_reads_revision_heads_from_the_covering_index() {
    let dir = tempfile::tempdir().unwrap();
    let db = crate::db::connect(&format!("sqlite://{}/plan.db", dir.path().display()), 1)
        .await
        .unwrap();
    let stmt = bulk::heads_select(vec![1, 2, 3], [1, 2].into()).build(DbBackend::Sqlite);
    let plan = db
        .query_all_raw(Statement {
            sql: format!("EXPLAIN QUERY PLAN {}", stmt.sql),
            ..stmt
        })
        .await
        .unwrap();
    let details: Vec<String> = plan
        .iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect();
    assert!(
        details
            .iter()
            .any(|d| d.contains("COVERING INDEX idx_revisions_heads")),
        "{details:?}"
    );
    db.close().await.unwrap();
}
