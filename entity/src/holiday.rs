use sea_orm::entity::prelude::*;

/// One day of the State Council's holiday table: `off` (a holiday) or `workday` (调休, a
/// weekend day worked). Operators load each year's table; 2023–2026 ship with the migrations.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holidays")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    pub kind: String,
    pub name: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
