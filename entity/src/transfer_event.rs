use sea_orm::entity::prelude::*;

use crate::enums::CaseEventKind;

/// The timeline of a transfer that has no case to carry its events (a fresh referral), and
/// of its materials: delivered over `caseEvents` to the transfer's two departments.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transfer_id: Uuid,
    /// Copied from the transfer: who may read the event, without a load.
    pub from_department_id: Uuid,
    pub to_department_id: Uuid,
    pub kind: CaseEventKind,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    /// The typed detail (`events::EventDetail`), as JSON text.
    pub detail: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
