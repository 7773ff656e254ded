//! The SQLite service's checkpointer copies the log into the database file after commits, and
//! the log stays bounded under a steady load.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Statement};

use super::{report, sub, world};
use crate::entity::revision;
use crate::repo::write::prepared;

async fn pragma(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

fn size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

#[tokio::test]
async fn the_checkpointer_copies_the_log_the_writer_leaves() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ckpt.db");
    let url = format!("sqlite://{}", file.display());
    let db = crate::db::connect_service(&url, 4).await.unwrap();
    // The writer keeps its own checkpoint at SQLite's threshold (it starts the log over).
    assert_eq!(pragma(&db.write, "PRAGMA wal_autocheckpoint").await, 1000);
    let w = world(&db.write).await;
    let before = size(&file);
    // Far fewer pages than the writer's threshold (1,000): only the checkpointer copies them.
    for i in 0..10 {
        let s = sub(report("office-a", 2022), &format!("ck-{i}"));
        let prepared = prepared::prepare(&db.read, &w.admin, s).await.unwrap();
        db.group.submit(prepared).await.unwrap();
    }
    let start = Instant::now();
    while size(&file) <= before && start.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        size(&file) > before,
        "the database file did not grow from {before} bytes: no checkpoint"
    );
    // Every revision is there, through a connection opened after the checkpoint.
    drop(db);
    let again = crate::db::connect(&url, 1).await.unwrap();
    assert_eq!(revision::Entity::find().count(&again).await.unwrap(), 10);
}

#[tokio::test]
async fn the_log_stays_bounded_while_submissions_keep_coming() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wal.db");
    let url = format!("sqlite://{}", file.display());
    let db = crate::db::connect_service(&url, 4).await.unwrap();
    let w = world(&db.write).await;
    // About 600 revisions, written without a pause by eight concurrent submitters: several
    // times the log's threshold, so the log must have started over to stay small.
    let mut tasks = Vec::new();
    for t in 0..8 {
        let (group, read, admin) = (db.group.clone(), db.read.clone(), w.admin.clone());
        tasks.push(tokio::spawn(async move {
            for i in 0..75 {
                let code = ["office-a", "office-b"][t % 2];
                let s = sub(report(code, 2022), &format!("wal-{t}-{i}"));
                let prepared = prepared::prepare(&read, &admin, s).await.unwrap();
                group.submit(prepared).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let wal = size(&dir.path().join("wal.db-wal"));
    let data = size(&file);
    assert!(
        wal < data,
        "the log ({wal} bytes) outgrew the database file ({data} bytes)"
    );
    assert_eq!(revision::Entity::find().count(&db.read).await.unwrap(), 600);
}
