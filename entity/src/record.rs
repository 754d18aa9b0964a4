use sea_orm::entity::prelude::*;

use crate::enums::RecordKind;

/// 执法全过程记录: append-only, hash-chained per case (R11).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub case_id: Uuid,
    /// Position in the case's chain, from 1; unique per case, so two appends cannot fork it.
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
    /// Whether the attachment may show a person (court trainees get no such image or video):
    /// false only when its submitter said it shows none; null (before files were kept) reads
    /// as true.
    pub attachment_personal: Option<bool>,
    pub corrects_record_id: Option<Uuid>,
    pub hash: String,
    pub previous_hash: Option<String>,
    /// The encoding `hash` uses (`records::chain`): 1 for records written before every
    /// field was hashed, 2 since.
    pub hash_version: i16,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
