use sea_orm::entity::prelude::*;

/// A payment of a case's fine or surcharge, by receipt (R15); unique per (case, receipt).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub amount_fen: i64,
    pub paid_on: Date,
    pub receipt_no: String,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
