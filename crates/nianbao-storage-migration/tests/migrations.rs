//! The migrations apply, roll back and apply again, and each is recorded under its file name.

#![allow(clippy::unwrap_used)]

use nianbao_storage_migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

const TABLES: [&str; 7] = [
    "offices",
    "office_history",
    "reports",
    "revisions",
    "tokens",
    "audit_events",
    "finding_marks",
];

/// Tables of later migrations.
const LATER_TABLES: [&str; 5] = [
    "publications",
    "publication_checks",
    "contacts",
    "reminder_plans",
    "reminder_deliveries",
];

/// How many migrations to roll back to undo `name` and every one after it.
fn steps_back_to(name: &str) -> u32 {
    let all = Migrator::migrations();
    let at = all.iter().position(|m| m.name() == name).unwrap();
    u32::try_from(all.len() - at).unwrap()
}

#[tokio::test]
async fn up_down_up_on_sqlite() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let manager = SchemaManager::new(&db);
    for table in TABLES.into_iter().chain(LATER_TABLES) {
        assert!(manager.has_table(table).await.unwrap(), "{table}");
    }
    assert!(
        manager
            .has_index("revisions", "idx_revisions_submitter_request")
            .await
            .unwrap()
    );
    Migrator::down(&db, None).await.unwrap();
    for table in TABLES.into_iter().chain(LATER_TABLES) {
        assert!(!manager.has_table(table).await.unwrap(), "{table}");
    }
    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
}

/// A revision row (its report and office not checked: foreign keys off on this connection).
const ONE_REVISION: &str = "PRAGMA foreign_keys = OFF; \
    INSERT INTO revisions (report_id, office_id, year, number, draft, content, checksum, \
    submitted_by, client, request_id, findings, changed_cells, error_count, warning_count, \
    created_at, content_deflate) VALUES (1, 1, 2023, 1, 0, '', 'c', 't', 'cli', 'r', '[]', '[]', \
    0, 0, '2024-01-01T00:00:00Z', x'00')";

#[tokio::test]
async fn down_refuses_to_drop_compressed_content() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared(ONE_REVISION).await.unwrap();
    let back = steps_back_to("m20261206_000011_add_revision_content_deflate");
    let err = Migrator::down(&db, Some(back))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 revisions are stored compressed"), "{err}");
    let manager = SchemaManager::new(&db);
    assert!(
        manager
            .has_column("revisions", "content_deflate")
            .await
            .unwrap()
    );
    // Without compressed rows it goes down.
    db.execute_unprepared("UPDATE revisions SET content_deflate = NULL, content = '{}'")
        .await
        .unwrap();
    Migrator::down(&db, Some(back)).await.unwrap();
    assert!(
        !manager
            .has_column("revisions", "content_deflate")
            .await
            .unwrap()
    );
}

/// The compression of `revisions.content` on PostgreSQL (`attcompression`: empty is the default).
async fn content_compression(db: &DatabaseConnection) -> String {
    let sql = "SELECT attcompression::text FROM pg_attribute \
               WHERE attrelid = 'revisions'::regclass AND attname = 'content'";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn up_down_up_on_postgres() {
    let Ok(admin_url) = std::env::var("NIANBAO_TEST_POSTGRES_URL") else {
        return;
    };
    let name = format!("nianbao_test_migrations_{}", std::process::id());
    let admin = Database::connect(admin_url.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .unwrap();
    let url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let db = Database::connect(url.as_str()).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let manager = SchemaManager::new(&db);
    for table in TABLES {
        assert!(manager.has_table(table).await.unwrap(), "{table}");
    }
    assert_eq!(content_compression(&db).await, "l", "lz4");
    // Down to before the compression change (and the compressed content column after it): the
    // default again.
    let back = steps_back_to("m20261206_000010_compress_revisions_lz4");
    Migrator::down(&db, Some(back)).await.unwrap();
    assert_eq!(content_compression(&db).await, "");
    Migrator::down(&db, None).await.unwrap();
    for table in TABLES {
        assert!(!manager.has_table(table).await.unwrap(), "{table}");
    }
    Migrator::up(&db, None).await.unwrap();
    assert_eq!(content_compression(&db).await, "l");
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .await
        .unwrap();
}

#[test]
fn migrations_are_named_after_their_files() {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_string())
        .collect();
    // The tables first, then changes to them.
    let later = [
        "m20261205_000008_add_revision_packed",
        "m20261205_000009_index_revision_heads",
        "m20261206_000010_compress_revisions_lz4",
        "m20261206_000011_add_revision_content_deflate",
        "m20261207_000012_create_publications",
        "m20261207_000013_create_reminders",
        "m20261207_000014_add_revision_cross_year",
    ];
    assert_eq!(names.len(), TABLES.len() + later.len());
    for (name, table) in names.iter().zip(TABLES) {
        assert!(
            name.starts_with("m2026") && name.ends_with(&format!("_create_{table}")),
            "{name}"
        );
    }
    assert_eq!(&names[TABLES.len()..], later);
}
