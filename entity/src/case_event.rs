use sea_orm::entity::prelude::*;

use crate::enums::CaseEventKind;

/// The append-only timeline of a case. Every write that changes a case appends here in the
/// same transaction.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "case_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: CaseEventKind,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub transfer_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    /// The case's version after the change.
    pub case_version: i32,
    /// What changed, as JSON text (statuses, action, fields).
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
