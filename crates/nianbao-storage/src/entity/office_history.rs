//! `office_history`: renames and moves.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "office_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub office_id: i64,
    pub at: DateTimeUtc,
    pub actor: String,
    pub change: String,
    #[sea_orm(column_type = "Text")]
    pub old_value: String,
    #[sea_orm(column_type = "Text")]
    pub new_value: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
