use sea_orm::entity::prelude::*;

/// A file casebridge keeps (`files::Store`), by the SHA-256 of its bytes: verified on arrival,
/// kept once however many records hold it. `media_type` is what the bytes are (sniffed),
/// never what a client claimed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
