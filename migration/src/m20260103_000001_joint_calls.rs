//! 街道吹哨、部门报到: joint enforcement calls of the town teams and the answers of the called
//! departments. Additive: two new tables, nothing existing changes.

use sea_orm_migration::prelude::*;

use crate::helpers::{drop_tables, fk, index};
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260103_000001_joint_calls"
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
                .table("joint_calls")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(string("town"))
                .col(string("place"))
                .col(timestamp_with_time_zone("meet_at"))
                .col(text("reason"))
                .col(timestamp_with_time_zone("respond_by"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("joint_calls", "department_id", "departments"))
                .foreign_key(&mut fk("joint_calls", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        // `jointCalls` is newest first: the whole list (admin, bureau) and the caller's own.
        m.create_index(index("joint_calls", &["created_at", "id"])).await?;
        m.create_index(index("joint_calls", &["department_id", "created_at", "id"])).await?;

        m.create_table(
            Table::create()
                .table("joint_call_departments")
                .col(uuid("call_id"))
                .col(uuid("department_id"))
                .col(timestamp_with_time_zone_null("reported_at"))
                .col(uuid_null("reported_by"))
                .col(text_null("sends"))
                .col(text_null("note"))
                .primary_key(Index::create().col("call_id").col("department_id"))
                .foreign_key(&mut fk("joint_call_departments", "call_id", "joint_calls"))
                .foreign_key(&mut fk("joint_call_departments", "department_id", "departments"))
                .foreign_key(&mut fk("joint_call_departments", "reported_by", "users"))
                .to_owned(),
        )
        .await?;
        // The calls a department was called to (its visibility and its answers); the primary
        // key already serves the answers of a call.
        m.create_index(index("joint_call_departments", &["department_id", "call_id"])).await?;
        Ok(())
    }

    /// Drops the two tables (answers before calls) with their indexes: every joint call and
    /// every department's answer is lost.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["joint_call_departments", "joint_calls"]).await
    }
}
