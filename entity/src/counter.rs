use sea_orm::entity::prelude::*;

/// Gapless yearly counters (case numbers): bumped with `INSERT … ON CONFLICT DO UPDATE … RETURNING`
/// inside the transaction that uses the number, so a rollback returns it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "counters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub year: i32,
    pub value: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
