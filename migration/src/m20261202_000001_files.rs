//! Evidence files kept by casebridge itself (`files::Store`): one `blobs` row per distinct
//! SHA-256 of bytes that arrived and were verified (size, and the media type sniffed from the
//! bytes), whether a record's attachment may be shown to court trainees
//! (`records.attachment_personal`: false only when the submitter marked it as showing no
//! person; null for attachments from before, read as personal), and the index the download's
//! access check reads (`records.attachment_sha256`). Additive: one table, one nullable
//! column, one index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_columns, drop_index, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000001_files"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("blobs")
                .col(string_len("sha256", 64).primary_key())
                .col(big_integer("size_bytes"))
                .col(string("media_type"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(Table::alter().table("records").add_column(boolean_null("attachment_personal")).to_owned())
            .await?;
        m.create_index(index("records", &["attachment_sha256"])).await
    }

    /// Drops the index, the column and the table. Lost: which attachments were marked as
    /// showing no person (trainees then see none of them) and the sniffed types of kept files
    /// (the bytes stay in the store).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("records", &["attachment_sha256"])).await?;
        drop_columns(m, "records", &["attachment_personal"]).await?;
        m.drop_table(Table::drop().table("blobs").to_owned()).await
    }
}
