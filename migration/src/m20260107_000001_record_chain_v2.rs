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

    /// Drops `cases.record_count` and `records.hash_version`, but only while every record is
    /// still of version 1: refused (with the number of records) once a record was written with
    /// version 2. Dropping the column then would lose which encoding those hashes use, the
    /// older code would report each of them as altered, and an up again would label them
    /// version 1 for good, so the chain could never verify them again. The record counts are
    /// lost; an up again counts them anew from the records.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let newer = Query::select()
            .expr(Expr::col("id").count())
            .from("records")
            .and_where(Expr::col("hash_version").ne(1))
            .to_owned();
        let newer: i64 = match m.get_connection().query_one(&newer).await? {
            Some(row) => row.try_get_by_index(0)?,
            None => 0,
        };
        if newer > 0 {
            return Err(DbErr::Migration(format!(
                "{} cannot be rolled back: {newer} record(s) are hashed with hash_version 2, which the \
                 schema before it cannot tell apart from version 1 (their chain would no longer verify)",
                self.name()
            )));
        }
        drop_columns(m, "cases", &["record_count"]).await?;
        drop_columns(m, "records", &["hash_version"]).await
    }
}
