//! `auditLog` reads newest first by `(at, id)`: an index on exactly that order keeps every
//! keyset page an index walk however long the trail grows (trainee reads add a row each).
//! Additive: one index.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260103_000002_audit_log_order"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(Index::create().name("ix_audit_log_at_id").table("audit_log").col("at").col("id").to_owned())
            .await?;
        m.create_index(
            Index::create()
                .name("ix_audit_log_action_at_id")
                .table("audit_log")
                .col("action")
                .col("at")
                .col("id")
                .to_owned(),
        )
        .await
    }

    /// Drops the two indexes; no data is lost (`auditLog` pages then sort instead of walking).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_audit_log_action_at_id").table("audit_log").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_audit_log_at_id").table("audit_log").to_owned()).await
    }
}
