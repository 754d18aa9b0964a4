use sea_orm::entity::prelude::*;

use crate::enums::PublicationKind;

/// 公示 of a licence or a penalty decision; withdrawn after a revocation (T6: `withdrawal_due`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "publications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: PublicationKind,
    pub department_id: Uuid,
    pub town: Option<String>,
    pub case_id: Option<Uuid>,
    pub title: String,
    pub content: String,
    pub published_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    pub withdrawal_due: Option<Date>,
    pub withdrawn_at: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
