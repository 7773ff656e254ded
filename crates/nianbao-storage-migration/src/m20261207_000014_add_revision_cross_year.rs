//! Which revision of the year before a revision's stored findings were checked against (the
//! cross-year rules R5, R7 and W5 read it), so that a reader knows whether those findings still
//! hold for the year before as it is now. `NULL` for a revision written before this migration
//! (not known: a reader that finds a report of the year before checks again), `0` when there was
//! no report of the year before.
//!
//! On SQLite the covering index of revision heads (migration 9) is made again with the new
//! column, so that bulk reads of heads still never touch the table's rows.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Revisions {
    Table,
    Id,
    ReportId,
    OfficeId,
    Year,
    Number,
    Draft,
    Checksum,
    SubmittedBy,
    Client,
    RequestId,
    ErrorCount,
    WarningCount,
    CreatedAt,
    PackedFormat,
    Packed,
    CrossYearRevision,
}

/// The covering index's name, as migration 9 made it.
const HEADS: &str = "idx_revisions_heads";

/// The covering index of heads, with or without the new column (SQLite only).
async fn heads_index(manager: &SchemaManager<'_>, cross_year: bool) -> Result<(), DbErr> {
    use Revisions as R;
    manager
        .drop_index(Index::drop().name(HEADS).table(R::Table).to_owned())
        .await?;
    let mut index = Index::create();
    index.name(HEADS).table(R::Table);
    for col in [
        R::ReportId,
        R::Number,
        R::Id,
        R::OfficeId,
        R::Year,
        R::Draft,
        R::Checksum,
        R::SubmittedBy,
        R::Client,
        R::RequestId,
        R::ErrorCount,
        R::WarningCount,
        R::CreatedAt,
        R::PackedFormat,
        R::Packed,
    ] {
        index.col(col);
    }
    if cross_year {
        index.col(R::CrossYearRevision);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(
                        ColumnDef::new(Revisions::CrossYearRevision)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            heads_index(manager, true).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            heads_index(manager, false).await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .drop_column(Revisions::CrossYearRevision)
                    .to_owned(),
            )
            .await
    }
}
