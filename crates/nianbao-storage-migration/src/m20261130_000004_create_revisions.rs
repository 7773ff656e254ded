//! Revisions: immutable, one per submission or saved draft.
//!
//! `(report_id, number)` is unique, so two concurrent submissions on the same base cannot both
//! win; `(submitted_by, request_id)` is unique, so concurrent retries of one request cannot
//! create two revisions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000001_create_offices::Offices;
use crate::m20261130_000003_create_reports::Reports;

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
    Content,
    Checksum,
    SubmittedBy,
    Client,
    RequestId,
    Findings,
    ChangedCells,
    ErrorCount,
    WarningCount,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Revisions::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Revisions::Id))
                    .col(big_integer(Revisions::ReportId))
                    .col(big_integer(Revisions::OfficeId))
                    .col(integer(Revisions::Year))
                    .col(big_integer(Revisions::Number))
                    .col(boolean(Revisions::Draft))
                    // Canonical interchange JSON of the report.
                    .col(text(Revisions::Content))
                    // SHA-256 (hex) of `content`.
                    .col(string_len(Revisions::Checksum, 64))
                    .col(string_len(Revisions::SubmittedBy, 64))
                    .col(string(Revisions::Client))
                    .col(string_len(Revisions::RequestId, 128))
                    // JSON array of findings.
                    .col(text(Revisions::Findings))
                    // JSON array of cell keys.
                    .col(text(Revisions::ChangedCells))
                    .col(integer(Revisions::ErrorCount))
                    .col(integer(Revisions::WarningCount))
                    .col(timestamp_with_time_zone(Revisions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_revisions_report")
                            .from(Revisions::Table, Revisions::ReportId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_revisions_office")
                            .from(Revisions::Table, Revisions::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revisions_report_number")
                    .table(Revisions::Table)
                    .col(Revisions::ReportId)
                    .col(Revisions::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_revisions_submitter_request")
                    .table(Revisions::Table)
                    .col(Revisions::SubmittedBy)
                    .col(Revisions::RequestId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Revisions::Table).to_owned())
            .await
    }
}
