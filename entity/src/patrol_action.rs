use sea_orm::entity::prelude::*;

use crate::enums::PatrolKind;

/// A patrol action or inspection without a case (vendors persuaded, open burning stopped …).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "patrol_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub department_id: Uuid,
    pub town: Option<String>,
    pub kind: PatrolKind,
    pub matter_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    pub place: String,
    pub note: Option<String>,
    pub officer_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
