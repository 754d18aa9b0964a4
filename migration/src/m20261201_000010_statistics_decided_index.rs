//! The covering index of the year's decisions: `statistics` reads `cases`, `finesTotal`,
//! `townCases` and `byMonth` from one range scan of it a month (grouped by department and
//! procedure), so the figures never read the case rows themselves. `town` is in it for the
//! town scope. Additive: one index.

use sea_orm_migration::prelude::*;

use crate::helpers::{drop_index, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000010_statistics_decided_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("cases", &["decided_at", "department_id", "procedure", "town", "fine_fen"])).await
    }

    /// Drops the index; no data is lost (`statistics` then reads the case rows).
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("cases", &["decided_at", "department_id", "procedure", "town", "fine_fen"])).await
    }
}
