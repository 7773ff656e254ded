//! The migrations apply, roll back and apply again, and each is recorded under its file name.

#![allow(clippy::unwrap_used)]

use nianbao_storage_migration::{Migrator, MigratorTrait, SchemaManager};
use sea_orm_migration::sea_orm::Database;

const TABLES: [&str; 7] = [
    "offices",
    "office_history",
    "reports",
    "revisions",
    "tokens",
    "audit_events",
    "finding_marks",
];

#[tokio::test]
async fn up_down_up_on_sqlite() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let manager = SchemaManager::new(&db);
    for table in TABLES {
        assert!(manager.has_table(table).await.unwrap(), "{table}");
    }
    assert!(
        manager
            .has_index("revisions", "idx_revisions_submitter_request")
            .await
            .unwrap()
    );
    Migrator::down(&db, None).await.unwrap();
    for table in TABLES {
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
