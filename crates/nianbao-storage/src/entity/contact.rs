//! `contacts`: where an office (or its staff group) is reached by reminders.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "contacts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    /// Empty for the office's own contacts, `staff` for the city staff.
    pub grp: String,
    /// JSON array of addresses.
    #[sea_orm(column_type = "Text")]
    pub emails: String,
    #[sea_orm(column_type = "Text")]
    pub webhook_url: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
