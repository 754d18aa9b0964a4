use sea_orm::entity::prelude::*;

/// A problem found by a case-file evaluation, and its rectification.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_findings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub evaluation_id: Uuid,
    pub description: String,
    pub rectified_at: Option<DateTimeUtc>,
    pub rectified_by: Option<Uuid>,
    pub rectification_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
