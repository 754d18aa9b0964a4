use sea_orm::entity::prelude::*;

use crate::enums::ReviewOutcome;

/// 法制审核: one submission of a case for legal review and its outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legal_reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub department_id: Uuid,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: DateTimeUtc,
    pub outcome: ReviewOutcome,
    pub reviewer_id: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub opinion: Option<String>,
    pub meeting_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
