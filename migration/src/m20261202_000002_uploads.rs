//! Resumable uploads (tus 1.0.0 at `/files/uploads`): one `uploads` row per upload (who
//! created it, its declared length and SHA-256, how many bytes have arrived, until when it may
//! continue, and the kept file's SHA-256 once complete), one `upload_parts` row per accepted
//! `PATCH` (the named object in the file store holding its bytes), and the index on
//! `transfer_materials.attachment_sha256` that the download's access check reads. Additive:
//! two tables, one index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_index, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000002_uploads"
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
                .table("uploads")
                .col(uuid("id").primary_key())
                .col(uuid("created_by"))
                .col(big_integer("length"))
                .col(big_integer("received"))
                .col(string_len("declared_sha256", 64))
                .col(string_null("filename"))
                .col(string("status"))
                .col(string_len_null("sha256", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("uploads", &["expires_at"])).await?;
        m.create_table(
            Table::create()
                .table("upload_parts")
                .col(uuid("upload_id"))
                .col(big_integer("position"))
                .col(big_integer("size_bytes"))
                .col(string("name"))
                .primary_key(Index::create().col("upload_id").col("position"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_upload_parts_upload_id")
                        .from("upload_parts", "upload_id")
                        .to("uploads", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("transfer_materials", &["attachment_sha256"])).await
    }

    /// Drops the index and both tables. Lost: uploads in progress (their parts stay in the
    /// store under `named/uploads/`; the files they became stay kept).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("transfer_materials", &["attachment_sha256"])).await?;
        drop_tables(m, &["upload_parts", "uploads"]).await
    }
}
