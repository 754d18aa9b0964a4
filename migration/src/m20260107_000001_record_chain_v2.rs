//! The record chain catches every edit (issue 12, finding 8).
//!
//! - `records.hash_version`: which encoding a record's hash uses. Rows written before this
//!   migration keep version 1 (the default), whose hash covers fewer fields; new rows are
//!   written with version 2, which covers every stored field. Old hashes are not recomputed:
//!   re-hashing stored rows would bless whatever they hold now, which is what the chain is
//!   there to prevent.
//! - `cases.record_count`: how many records the case's chain has, bumped in the transaction
//!   that appends each record, so `verifyRecordChain` finds a deleted last record. Backfilled
//!   from the records.
//!
//! Additive: two columns with defaults and one `UPDATE`.

use sea_orm_migration::prelude::*;

use crate::helpers::drop_columns;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260107_000001_record_chain_v2"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("records")
                .add_column(ColumnDef::new("hash_version").small_integer().not_null().default(1))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("cases")
                .add_column(ColumnDef::new("record_count").integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE cases SET record_count = \
                 (SELECT COUNT(*) FROM records WHERE records.case_id = cases.id)",
            )
            .await?;
        Ok(())
    }

    /// Drops `cases.record_count` and `records.hash_version`. Lost: which hash encoding each
    /// record was written with. Records written with version 2 then no longer verify under the
    /// older code (it hashes the version-1 fields): roll back past this only together with the
    /// code of before it, and only if no record was written since.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(m, "cases", &["record_count"]).await?;
        drop_columns(m, "records", &["hash_version"]).await
    }
}
