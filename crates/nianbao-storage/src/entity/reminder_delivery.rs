//! `reminder_deliveries`: one message of a reminder plan, claimed before it is sent.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub year: i32,
    pub office_code: String,
    pub step: String,
    pub channel: String,
    /// JSON array of addresses or the webhook URL.
    #[sea_orm(column_type = "Text")]
    pub recipients: String,
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// `claimed`, `sent`, `failed`.
    pub state: String,
    pub attempts: i32,
    pub claimed_by: String,
    pub claimed_at: DateTimeUtc,
    pub lease_until: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub error: String,
    pub retry_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
