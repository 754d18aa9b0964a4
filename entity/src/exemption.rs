use sea_orm::entity::prelude::*;

/// 首违不罚 (APL 33): a case closed without penalty after a verified rectification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exemptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub rectification_notice_id: Uuid,
    pub department_id: Uuid,
    pub town: Option<String>,
    pub reason: String,
    pub granted_at: DateTimeUtc,
    pub granted_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
