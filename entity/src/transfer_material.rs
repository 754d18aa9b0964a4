use sea_orm::entity::prelude::*;

use crate::enums::RecordKind;

/// 移送材料: a material the sender adds to a PENDING transfer. Sealed with its own hash (no
/// chain: no case yet); on acceptance it becomes the record `record_id` (the same id) in the
/// resulting case's chain.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "transfer_materials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub transfer_id: Uuid,
    /// Order within the transfer, from 1: the order the materials enter the case's chain.
    pub seq: i32,
    pub kind: RecordKind,
    pub content: String,
    pub recorded_at: DateTimeUtc,
    pub submitted_at: DateTimeUtc,
    pub submitted_by: Uuid,
    pub idempotency_key: String,
    pub attachment_sha256: Option<String>,
    pub attachment_media_type: Option<String>,
    pub attachment_size_bytes: Option<i64>,
    pub attachment_uri: Option<String>,
    pub hash: String,
    /// The record it became in the resulting case, once the transfer is accepted.
    pub record_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
