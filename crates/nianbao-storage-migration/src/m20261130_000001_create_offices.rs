//! Offices: the hierarchy (any depth) and who must report.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Offices {
    Table,
    Id,
    Code,
    Name,
    Kind,
    ParentId,
    MustReport,
    ExemptYears,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Offices::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Offices::Id))
                    .col(string_len_uniq(Offices::Code, 64))
                    .col(string(Offices::Name))
                    .col(string(Offices::Kind))
                    .col(big_integer_null(Offices::ParentId))
                    .col(boolean(Offices::MustReport))
                    // JSON array of years, e.g. `[2020, 2021]`.
                    .col(text(Offices::ExemptYears))
                    .col(timestamp_with_time_zone(Offices::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_offices_parent")
                            .from(Offices::Table, Offices::ParentId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_offices_parent")
                    .table(Offices::Table)
                    .col(Offices::ParentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Offices::Table).to_owned())
            .await
    }
}
