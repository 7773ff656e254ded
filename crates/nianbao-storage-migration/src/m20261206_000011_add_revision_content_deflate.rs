//! A revision's content may be stored compressed: `content_deflate` holds the canonical JSON
//! compressed with DEFLATE (RFC 1951), and `content` is then empty. SQLite stores a value as it
//! is given, so the 9 KB of JSON of a 2021 report took two overflow pages besides its row and
//! made up most of what each submission wrote; compressed it is about 2 KB and fits in the row.
//! On PostgreSQL, which compresses long values itself (migration 10), it still sends and logs a
//! fifth of the bytes (BENCHMARKS.md, Storage). The checksum is still that of the JSON text.
//!
//! Which form new revisions take is a setting (`database.compress_content`, on by default); both
//! forms are read alike, so revisions written before this migration stay as they are.
//!
//! Going down would lose the content of compressed revisions, so `down` refuses while any exist
//! (write them out first with the service set not to compress, or restore a backup).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Revisions {
    Table,
    ContentDeflate,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(ColumnDef::new(Revisions::ContentDeflate).binary().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let compressed = manager
            .get_connection()
            .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
                manager.get_database_backend(),
                "SELECT COUNT(*) AS n FROM revisions WHERE content_deflate IS NOT NULL",
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "n"))
            .transpose()?
            .unwrap_or(0);
        if compressed > 0 {
            return Err(DbErr::Migration(format!(
                "{compressed} revisions are stored compressed (content_deflate); dropping the \
                 column would lose their content / {compressed} 个版本以压缩形式存储，回退将丢失其内容"
            )));
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .drop_column(Revisions::ContentDeflate)
                    .to_owned(),
            )
            .await
    }
}
