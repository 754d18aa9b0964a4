//! The bureau's rule-of-law activities that the annual report counts but no case, transfer or
//! oversight table holds (sections 一 and 三 of the 2023 report): the leadership's law study
//! sessions (学法), case-based legal education pieces (以案释法), outreach sessions with the
//! leaflets handed out (宣讲, 宣传单), the self-review of normative documents (规范性文件自查),
//! the penalties of a street campaign (linked to their cases), and the campaign's checks whose
//! rates the report prints (流动摊贩入市经营, 农贸市场内规范摆摊).
//!
//! One row per activity: `kind`, the day, a title, a `quantity` (attendees, leaflets,
//! documents reviewed, vendors or stalls checked), `achieved` (of the quantity, where the
//! report prints a rate), the case a campaign penalty is, and a note (an award).
//!
//! Additive: a new table only.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{fk, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000004_activities"
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
                .table("activities")
                .col(uuid("id").primary_key())
                .col(string("kind"))
                .col(uuid("department_id"))
                .col(date("held_on"))
                .col(text("title"))
                .col(big_integer("quantity").default(1))
                .col(big_integer_null("achieved"))
                .col(uuid_null("case_id"))
                .col(text_null("note"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("activities", "department_id", "departments"))
                .foreign_key(&mut fk("activities", "case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("activities", &["kind", "held_on"])).await?;
        m.create_index(index("activities", &["department_id", "held_on"])).await?;
        Ok(())
    }

    /// Drops the table with its indexes: every recorded activity is lost.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("activities").to_owned()).await
    }
}
