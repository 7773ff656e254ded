//! Finding marks: a warning explained by the city for an office-year.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000003_create_reports::Reports;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FindingMarks {
    Table,
    Id,
    ReportId,
    Fingerprint,
    Reason,
    MarkedBy,
    MarkedAt,
    CellsDigest,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FindingMarks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(FindingMarks::Id))
                    .col(big_integer(FindingMarks::ReportId))
                    .col(string(FindingMarks::Fingerprint))
                    .col(text(FindingMarks::Reason))
                    .col(string_len(FindingMarks::MarkedBy, 64))
                    .col(timestamp_with_time_zone(FindingMarks::MarkedAt))
                    .col(string_len(FindingMarks::CellsDigest, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_finding_marks_report")
                            .from(FindingMarks::Table, FindingMarks::ReportId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_finding_marks_report_fingerprint")
                    .table(FindingMarks::Table)
                    .col(FindingMarks::ReportId)
                    .col(FindingMarks::Fingerprint)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FindingMarks::Table).to_owned())
            .await
    }
}
