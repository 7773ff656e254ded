//! Tokens: only the SHA-256 of the secret is stored.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000001_create_offices::Offices;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tokens {
    Table,
    Id,
    SecretHash,
    OfficeId,
    Role,
    Label,
    Revoked,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tokens::Table)
                    .if_not_exists()
                    .col(string_len(Tokens::Id, 32).primary_key())
                    .col(string_len_uniq(Tokens::SecretHash, 64))
                    .col(big_integer_null(Tokens::OfficeId))
                    // `office`, `city`, `admin`.
                    .col(string_len(Tokens::Role, 16))
                    .col(string(Tokens::Label))
                    .col(boolean(Tokens::Revoked))
                    .col(timestamp_with_time_zone(Tokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(Tokens::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tokens_office")
                            .from(Tokens::Table, Tokens::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tokens::Table).to_owned())
            .await
    }
}
