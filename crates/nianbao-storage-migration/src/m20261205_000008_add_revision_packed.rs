//! The packed form of each revision's cells (`nianbao.storage.v1.PackedReport`), written with the
//! revision so bulk reads need not parse its JSON content. Derived data: `packed_format` names the
//! encoding, and a revision without it (written before this migration, or in an older format) is
//! packed from its content when read. Two statements, as SQLite alters one column at a time.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Revisions {
    Table,
    Packed,
    PackedFormat,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(ColumnDef::new(Revisions::Packed).binary().null())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .add_column(ColumnDef::new(Revisions::PackedFormat).integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .drop_column(Revisions::PackedFormat)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Revisions::Table)
                    .drop_column(Revisions::Packed)
                    .to_owned(),
            )
            .await
    }
}
