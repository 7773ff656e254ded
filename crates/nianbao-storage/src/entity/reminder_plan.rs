//! `reminder_plans`: a city's reminder plan for one year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reminder_plans")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub year: i32,
    pub enabled: bool,
    /// The plan's other fields as a JSON object (`repo::reminders::PlanSettings`).
    #[sea_orm(column_type = "Text")]
    pub settings: String,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
