//! On PostgreSQL a revision's long values are compressed with lz4 (migration 10), and a revision
//! so stored reads back as it was submitted. Its content is written as text here
//! (`database.compress_content = false`), the form PostgreSQL compresses itself.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::{ScratchPostgres, report, sub, world};
use crate::repo::read::reports;
use crate::repo::write::submit;

async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<(String, Option<String>)> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| {
            (
                row.try_get_by_index(0).unwrap(),
                row.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn postgres_stores_revisions_compressed_with_lz4() {
    let Some(pg) = ScratchPostgres::create("lz4").await else {
        return;
    };
    let db = crate::db::connect(&pg.url, 2).await.unwrap();
    let columns = strings(
        &db,
        "SELECT attname::text, attcompression::text FROM pg_attribute \
         WHERE attrelid = 'revisions'::regclass \
         AND attname IN ('content', 'findings', 'changed_cells', 'packed') ORDER BY attname",
    )
    .await;
    let expected: Vec<(String, Option<String>)> =
        ["changed_cells", "content", "findings", "packed"]
            .iter()
            .map(|c| (c.to_string(), Some("l".to_string())))
            .collect();
    assert_eq!(columns, expected);

    let w = world(&db).await;
    let mut r = report("office-a", 2023);
    // Long enough (about 40 KB) for PostgreSQL to compress it out of line.
    let prose: String = (0..1_000)
        .map(|i| format!("第{i}项：依申请公开办理情况。"))
        .collect();
    r.sections.insert("overview".into(), prose);
    let stored = submit::submit_compressed(&db, &w.office, sub(r.clone(), "lz4-1"), false)
        .await
        .unwrap();
    let methods = strings(
        &db,
        "SELECT checksum, pg_column_compression(content)::text FROM revisions",
    )
    .await;
    assert_eq!(
        methods,
        vec![(stored.revision.checksum.clone(), Some("lz4".to_string()))]
    );
    let got = reports::get(&db, &w.office, "office-a", 2023, None)
        .await
        .unwrap();
    assert_eq!(got.report, r);
    assert_eq!(got.revision.checksum, stored.revision.checksum);
    db.close().await.unwrap();
    pg.drop().await;
}
