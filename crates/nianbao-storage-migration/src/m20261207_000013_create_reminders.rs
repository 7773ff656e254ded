//! Reminders: contacts of offices, a reminder plan per city and year, and the deliveries (each
//! claimed once by its unique key before it is sent, then marked sent or failed).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::m20261130_000001_create_offices::Offices;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
    OfficeId,
    Grp,
    Emails,
    WebhookUrl,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderPlans {
    Table,
    Id,
    OfficeId,
    Year,
    Enabled,
    Settings,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReminderDeliveries {
    Table,
    Id,
    OrgId,
    Year,
    OfficeCode,
    Step,
    Channel,
    Recipients,
    Subject,
    State,
    Attempts,
    ClaimedBy,
    ClaimedAt,
    LeaseUntil,
    SentAt,
    Error,
    RetryAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Contacts::Id))
                    .col(big_integer(Contacts::OfficeId))
                    // Empty for the office's own contacts, `staff` for the city staff.
                    .col(string_len(Contacts::Grp, 32))
                    // A JSON array of addresses.
                    .col(text(Contacts::Emails))
                    .col(text(Contacts::WebhookUrl))
                    .col(string_len(Contacts::UpdatedBy, 64))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contacts_office")
                            .from(Contacts::Table, Contacts::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contacts_office_grp")
                    .table(Contacts::Table)
                    .col(Contacts::OfficeId)
                    .col(Contacts::Grp)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderPlans::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ReminderPlans::Id))
                    .col(big_integer(ReminderPlans::OfficeId))
                    .col(integer(ReminderPlans::Year))
                    .col(boolean(ReminderPlans::Enabled))
                    // The plan's other fields as a JSON object.
                    .col(text(ReminderPlans::Settings))
                    .col(string_len(ReminderPlans::UpdatedBy, 64))
                    .col(timestamp_with_time_zone(ReminderPlans::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminder_plans_office")
                            .from(ReminderPlans::Table, ReminderPlans::OfficeId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reminder_plans_office_year")
                    .table(ReminderPlans::Table)
                    .col(ReminderPlans::OfficeId)
                    .col(ReminderPlans::Year)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReminderDeliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(ReminderDeliveries::Id))
                    .col(big_integer(ReminderDeliveries::OrgId))
                    .col(integer(ReminderDeliveries::Year))
                    .col(string_len(ReminderDeliveries::OfficeCode, 64))
                    .col(string_len(ReminderDeliveries::Step, 32))
                    .col(string_len(ReminderDeliveries::Channel, 16))
                    // A JSON array of addresses or the webhook URL.
                    .col(text(ReminderDeliveries::Recipients))
                    .col(text(ReminderDeliveries::Subject))
                    // `claimed`, `sent`, `failed`.
                    .col(string_len(ReminderDeliveries::State, 16))
                    .col(integer(ReminderDeliveries::Attempts))
                    .col(string(ReminderDeliveries::ClaimedBy))
                    .col(timestamp_with_time_zone(ReminderDeliveries::ClaimedAt))
                    .col(timestamp_with_time_zone(ReminderDeliveries::LeaseUntil))
                    .col(timestamp_with_time_zone_null(ReminderDeliveries::SentAt))
                    .col(text(ReminderDeliveries::Error))
                    .col(timestamp_with_time_zone_null(ReminderDeliveries::RetryAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reminder_deliveries_org")
                            .from(ReminderDeliveries::Table, ReminderDeliveries::OrgId)
                            .to(Offices::Table, Offices::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The claim: a second insert of the same key fails on this index.
        manager
            .create_index(
                Index::create()
                    .name("idx_reminder_deliveries_key")
                    .table(ReminderDeliveries::Table)
                    .col(ReminderDeliveries::OrgId)
                    .col(ReminderDeliveries::Year)
                    .col(ReminderDeliveries::OfficeCode)
                    .col(ReminderDeliveries::Step)
                    .col(ReminderDeliveries::Channel)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReminderDeliveries::Table.into_iden(),
            ReminderPlans::Table.into_iden(),
            Contacts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
