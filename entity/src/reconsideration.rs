use sea_orm::entity::prelude::*;

use crate::enums::{ReconsiderationKind, ReconsiderationOutcome};

/// 行政复议 / 行政诉讼 against a case's decision, with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconsiderations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    pub department_id: Uuid,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    pub body: String,
    pub received_on: Date,
    pub outcome: ReconsiderationOutcome,
    pub concluded_on: Option<Date>,
    pub note: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
