use sea_orm::entity::prelude::*;

use crate::enums::{TransferCategory, TransferStatus};

/// 移交 / 划转: a case or matter handed from one department to another.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub from_department_id: Uuid,
    pub to_department_id: Uuid,
    pub category: TransferCategory,
    pub status: TransferStatus,
    pub subject: String,
    pub facts: String,
    /// The sender's own case, when one is handed over.
    pub case_id: Option<Uuid>,
    pub party_id: Option<Uuid>,
    pub matter_code: Option<String>,
    /// The receiver's case, filed on acceptance.
    pub resulting_case_id: Option<Uuid>,
    pub requested_at: DateTimeUtc,
    pub requested_by: Option<Uuid>,
    pub answered_at: Option<DateTimeUtc>,
    pub answered_by: Option<Uuid>,
    /// Reason of a rejection or return.
    pub reason: Option<String>,
    pub note: Option<String>,
    pub version: i32,
    /// R6+: the act's dates, carried into the case filed on acceptance.
    pub occurred_at: Option<DateTimeUtc>,
    pub ended_at: Option<DateTimeUtc>,
    /// The RETURNED request this one resubmits.
    pub replaces_transfer_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
