//! Spreadsheet exports (`exportCases`, `exportTransfers`, `exportStatistics`): one row per
//! generated file, kept in the file store under `object_name` until `expires_at`. Only the
//! SHA-256 of the link's key is stored, so a database read does not hand out working links.
//! Additive: one table, one index for the sweep of expired exports.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_index, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000003_exports"
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
                .table("exports")
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(string("kind"))
                .col(string("format"))
                .col(big_integer("rows"))
                .col(string("object_name"))
                .col(string("file_name"))
                .col(string_len("key_sha256", 64))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("exports", &["expires_at"])).await
    }

    /// Drops the table. Lost: the links of exports not yet expired (their files stay in the
    /// store until removed by hand under `exports/`).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("exports", &["expires_at"])).await?;
        m.drop_table(Table::drop().table("exports").to_owned()).await
    }
}
