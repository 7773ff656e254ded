//! Office history: every rename and move, with who and when.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000001_create_offices::Offices;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OfficeHistory {
    Table,
    Id,
    OfficeId,
    At,
    Actor,
    Change,
    OldValue,
    NewValue,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OfficeHistory::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OfficeHistory::Id))
                    .col(big_integer(OfficeHistory::OfficeId))
                    .col(timestamp_with_time_zone(OfficeHistory::At))
                    .col(string(OfficeHistory::Actor))
                    // `rename`, `move`, `must_report`, `exempt_years`.
                    .col(string(OfficeHistory::Change))
                    .col(text(OfficeHistory::OldValue))
                    .col(text(OfficeHistory::NewValue))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_office_history_office")
                            .from(OfficeHistory::Table, OfficeHistory::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_office_history_office")
                    .table(OfficeHistory::Table)
                    .col(OfficeHistory::OfficeId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OfficeHistory::Table).to_owned())
            .await
    }
}
