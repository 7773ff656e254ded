//! Reports: one row per office-year, holding its status and pointers to its revisions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000001_create_offices::Offices;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Reports {
    Table,
    Id,
    OfficeId,
    Year,
    Status,
    LatestRevision,
    LatestSubmittedRevision,
    AcceptedRevision,
    ReturnReason,
    FirstSubmittedAt,
    LastSubmittedAt,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Reports::Id))
                    .col(big_integer(Reports::OfficeId))
                    .col(integer(Reports::Year))
                    // `draft`, `submitted`, `returned`, `accepted`, `published`.
                    .col(string_len(Reports::Status, 16))
                    .col(big_integer(Reports::LatestRevision))
                    .col(big_integer(Reports::LatestSubmittedRevision))
                    .col(big_integer(Reports::AcceptedRevision))
                    .col(text(Reports::ReturnReason))
                    .col(timestamp_with_time_zone_null(Reports::FirstSubmittedAt))
                    .col(timestamp_with_time_zone_null(Reports::LastSubmittedAt))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .col(timestamp_with_time_zone(Reports::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reports_office")
                            .from(Reports::Table, Reports::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reports_office_year")
                    .table(Reports::Table)
                    .col(Reports::OfficeId)
                    .col(Reports::Year)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}
