use sea_orm::entity::prelude::*;

/// A spreadsheet export (`exportCases`, `exportTransfers`, `exportStatistics`): the file kept
/// in the store under `object_name` until `expires_at`, and the SHA-256 (hex) of the key its
/// link carries; the key itself is never stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who exported it.
    pub user_id: Uuid,
    /// `cases`, `transfers` or `statistics`.
    pub kind: String,
    /// `xlsx` or `csv`.
    pub format: String,
    /// Data rows written.
    pub rows: i64,
    pub object_name: String,
    /// The name the download offers, e.g. `cases-2026-12-02.xlsx`.
    pub file_name: String,
    pub key_sha256: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
