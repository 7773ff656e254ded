//! A covering index for bulk reads on SQLite: every column of a revision except its content,
//! findings and changed cells. SQLite keeps a row's columns together and a revision's JSON
//! content (about 9–16 KB) spills to overflow pages that lie before the later columns, so reading
//! a revision's head or packed cells from the table walks its content: at 100,000 office-years
//! that was 1.6 GB read per roll-up. PostgreSQL stores long values apart (TOAST), so there the
//! index is not created.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
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
}

const NAME: &str = "idx_revisions_heads";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Revisions::Table)
                    .col(Revisions::ReportId)
                    .col(Revisions::Number)
                    .col(Revisions::Id)
                    .col(Revisions::OfficeId)
                    .col(Revisions::Year)
                    .col(Revisions::Draft)
                    .col(Revisions::Checksum)
                    .col(Revisions::SubmittedBy)
                    .col(Revisions::Client)
                    .col(Revisions::RequestId)
                    .col(Revisions::ErrorCount)
                    .col(Revisions::WarningCount)
                    .col(Revisions::CreatedAt)
                    .col(Revisions::PackedFormat)
                    .col(Revisions::Packed)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Sqlite {
            return Ok(());
        }
        manager
            .drop_index(Index::drop().name(NAME).table(Revisions::Table).to_owned())
            .await
    }
}
