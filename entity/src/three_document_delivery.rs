use sea_orm::entity::prelude::*;

/// 三书同达: the decision, compliance advice and credit-repair notice delivered together.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "three_document_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub department_id: Uuid,
    pub delivered_on: Date,
    pub compliance_advice: String,
    pub credit_repair_notice: String,
    pub delivered_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
