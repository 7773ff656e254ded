//! PostgreSQL compresses a revision's long values (its JSON content of about 9–16 KB, its
//! findings, changed cells and packed cells) with lz4 instead of the default pglz. Each
//! submission stores a new revision, so compressing its content is on every write's path: with
//! pglz that took about a fifth of PostgreSQL's CPU per submission, and lz4 needs less
//! (BENCHMARKS.md, Storage). Values already stored keep their compression; both are read alike.
//!
//! lz4 needs PostgreSQL 14 or later built with it (Debian's packages and the official images
//! are). Where it is missing the columns keep pglz and a notice says so: the schema stays the
//! same, only the speed differs. SQLite does not compress, so there is nothing to do.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The long columns of `revisions`.
const COLUMNS: [&str; 4] = ["content", "findings", "changed_cells", "packed"];

/// One `DO` block setting `method` on every column of [`COLUMNS`], or leaving them as they are,
/// with a notice, where this server lacks the method or the clause (before PostgreSQL 14). The
/// statements are `EXECUTE`d so that an older server's syntax error is raised, and caught, when
/// they run rather than when the block is compiled.
fn set_compression(method: &str) -> String {
    let alters: String = COLUMNS
        .iter()
        .map(|c| {
            format!("EXECUTE 'ALTER TABLE revisions ALTER COLUMN {c} SET COMPRESSION {method}'; ")
        })
        .collect();
    format!(
        "DO $$ BEGIN {alters}\
         EXCEPTION WHEN feature_not_supported OR syntax_error OR invalid_parameter_value THEN \
         RAISE NOTICE 'revisions: compression {method} not available here (%), columns unchanged', \
         SQLERRM; END $$"
    )
}

/// Sets `method` on PostgreSQL; nothing elsewhere.
async fn apply(manager: &SchemaManager<'_>, method: &str) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    manager
        .get_connection()
        .execute_unprepared(&set_compression(method))
        .await
        .map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        apply(manager, "lz4").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        apply(manager, "DEFAULT").await
    }
}
