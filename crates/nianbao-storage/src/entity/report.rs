//! `reports`: one office-year, its status and pointers to its revisions.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reports")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub year: i32,
    pub status: String,
    pub latest_revision: i64,
    pub latest_submitted_revision: i64,
    pub accepted_revision: i64,
    #[sea_orm(column_type = "Text")]
    pub return_reason: String,
    pub first_submitted_at: Option<DateTimeUtc>,
    pub last_submitted_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
