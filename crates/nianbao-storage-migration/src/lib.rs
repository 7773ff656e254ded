//! The database migrations of the nianbao storage service.
//!
//! One migration per file, named `mYYYYMMDD_HHMMSS_<verb>_<object>.rs`: `DeriveMigrationName`
//! records a migration under its file name. The portable `SchemaManager` API is used, so the same
//! migrations run on SQLite and PostgreSQL; the two that concern one backend only (a covering
//! index for SQLite, column compression on PostgreSQL) say so and do nothing on the other.

pub use sea_orm_migration::prelude::*;

mod m20261130_000001_create_offices;
mod m20261130_000002_create_office_history;
mod m20261130_000003_create_reports;
mod m20261130_000004_create_revisions;
mod m20261130_000005_create_tokens;
mod m20261130_000006_create_audit_events;
mod m20261130_000007_create_finding_marks;
mod m20261205_000008_add_revision_packed;
mod m20261205_000009_index_revision_heads;
mod m20261206_000010_compress_revisions_lz4;
mod m20261206_000011_add_revision_content_deflate;
mod m20261207_000012_create_publications;
mod m20261207_000013_create_reminders;
mod m20261207_000014_add_revision_cross_year;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261130_000001_create_offices::Migration),
            Box::new(m20261130_000002_create_office_history::Migration),
            Box::new(m20261130_000003_create_reports::Migration),
            Box::new(m20261130_000004_create_revisions::Migration),
            Box::new(m20261130_000005_create_tokens::Migration),
            Box::new(m20261130_000006_create_audit_events::Migration),
            Box::new(m20261130_000007_create_finding_marks::Migration),
            Box::new(m20261205_000008_add_revision_packed::Migration),
            Box::new(m20261205_000009_index_revision_heads::Migration),
            Box::new(m20261206_000010_compress_revisions_lz4::Migration),
            Box::new(m20261206_000011_add_revision_content_deflate::Migration),
            Box::new(m20261207_000012_create_publications::Migration),
            Box::new(m20261207_000013_create_reminders::Migration),
            Box::new(m20261207_000014_add_revision_cross_year::Migration),
        ]
    }
}
