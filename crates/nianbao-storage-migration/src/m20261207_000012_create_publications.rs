//! Publications: where and when an accepted report was published (one row per place), and the
//! checks of each published page against the accepted revision.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000003_create_reports::Reports;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Publications {
    Table,
    Id,
    ReportId,
    Revision,
    Url,
    PublishedOn,
    RecordedBy,
    RecordedAt,
}

#[derive(DeriveIden)]
enum PublicationChecks {
    Table,
    Id,
    PublicationId,
    CheckedAt,
    CheckedBy,
    // `identical`, `different`, `not_found`, `not_a_report`, `fetch_failed`.
    Outcome,
    // JSON: the differing cells and sections, or the reason.
    Detail,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Publications::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Publications::Id))
                    .col(big_integer(Publications::ReportId))
                    // The accepted revision that was published.
                    .col(big_integer(Publications::Revision))
                    .col(text(Publications::Url))
                    .col(date(Publications::PublishedOn))
                    .col(string_len(Publications::RecordedBy, 64))
                    .col(timestamp_with_time_zone(Publications::RecordedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_publications_report")
                            .from(Publications::Table, Publications::ReportId)
                            .to(Reports::Table, Reports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_publications_report")
                    .table(Publications::Table)
                    .col(Publications::ReportId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PublicationChecks::Table)
                    .if_not_exists()
                    .col(big_pk_auto(PublicationChecks::Id))
                    .col(big_integer(PublicationChecks::PublicationId))
                    .col(timestamp_with_time_zone(PublicationChecks::CheckedAt))
                    .col(string_len(PublicationChecks::CheckedBy, 64))
                    .col(string_len(PublicationChecks::Outcome, 16))
                    .col(text(PublicationChecks::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_publication_checks_publication")
                            .from(PublicationChecks::Table, PublicationChecks::PublicationId)
                            .to(Publications::Table, Publications::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_publication_checks_publication")
                    .table(PublicationChecks::Table)
                    .col(PublicationChecks::PublicationId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PublicationChecks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Publications::Table).to_owned())
            .await
    }
}
