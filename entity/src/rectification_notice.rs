use sea_orm::entity::prelude::*;

use crate::enums::RectificationStatus;

/// 责令改正通知书: an order to correct by `deadline` (T8, calendar days), then verified.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "rectification_notices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub department_id: Uuid,
    pub town: Option<String>,
    pub case_id: Option<Uuid>,
    pub matter_id: Option<Uuid>,
    pub party_name: String,
    pub requirement: String,
    pub issued_on: Date,
    pub deadline: Date,
    pub status: RectificationStatus,
    pub verified_at: Option<DateTimeUtc>,
    pub verified_by: Option<Uuid>,
    pub verification_note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
