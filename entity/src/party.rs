use sea_orm::entity::prelude::*;

use crate::enums::PartyKind;

/// 当事人. Personal data lives here only; cases point at it, so masking has one source.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "parties")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: PartyKind,
    pub name: String,
    /// 居民身份证号 (GB 11643), persons only.
    pub id_number: Option<String>,
    /// 统一社会信用代码 (GB 32100), organisations only.
    pub credit_code: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
