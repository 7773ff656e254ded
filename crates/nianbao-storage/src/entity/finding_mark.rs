//! `finding_marks`: a warning explained for an office-year.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "finding_marks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub report_id: i64,
    pub fingerprint: String,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    pub marked_by: String,
    pub marked_at: DateTimeUtc,
    pub cells_digest: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
