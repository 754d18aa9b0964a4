use sea_orm::entity::prelude::*;

/// A resumable upload (tus, `/files/uploads`): `received` of `length` bytes have arrived, in
/// [`super::upload_part`]s; once all are there they are verified against `declared_sha256`
/// and kept as a blob (`sha256`). `status`: `open`, `complete` or `failed`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub created_by: Uuid,
    pub length: i64,
    pub received: i64,
    pub declared_sha256: String,
    pub filename: Option<String>,
    pub status: String,
    pub sha256: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
