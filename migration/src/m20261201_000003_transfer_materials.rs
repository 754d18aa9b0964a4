//! Transfers on their own (issue 11, partners): what a transfer carries before any case exists.
//!
//! - `transfer_materials`: the sender's materials (移送材料) added while the transfer is
//!   PENDING, idempotent per sender login and key. Each is sealed like a record (its own
//!   hash, no chain yet); on acceptance it is appended to the resulting case's record chain
//!   as a record with the same id (`record_id` then names it).
//! - `transfer_events`: the timeline of a transfer that has no case (a fresh referral that is
//!   requested, rejected, returned or withdrawn, and materials): `caseEvents` delivers them to
//!   the transfer's two departments. `from_department_id`/`to_department_id` are copied from
//!   the transfer so the read rule needs no load.
//!
//! - indexes on `parties.id_number` and `parties.credit_code`: `CaseFilter.party` and
//!   `Case.priorCases` find a party's cases by an exact identifier.
//!
//! Additive: two new tables, two indexes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_index, drop_tables, fk, index, unique};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000003_transfer_materials"
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
                .table("transfer_materials")
                .col(uuid("id").primary_key())
                .col(uuid("transfer_id"))
                .col(integer("seq"))
                .col(string("kind"))
                .col(text("content"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(uuid("submitted_by"))
                .col(string("idempotency_key"))
                .col(string_null("attachment_sha256"))
                .col(string_null("attachment_media_type"))
                .col(big_integer_null("attachment_size_bytes"))
                .col(text_null("attachment_uri"))
                .col(string("hash"))
                .col(uuid_null("record_id"))
                .foreign_key(&mut fk("transfer_materials", "transfer_id", "transfers"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("transfer_materials", &["transfer_id", "seq"])).await?;
        m.create_index(unique("transfer_materials", &["submitted_by", "idempotency_key"])).await?;

        m.create_table(
            Table::create()
                .table("transfer_events")
                .col(uuid("id").primary_key())
                .col(uuid("transfer_id"))
                .col(uuid("from_department_id"))
                .col(uuid("to_department_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                .col(uuid_null("record_id"))
                .col(text("detail"))
                .foreign_key(&mut fk("transfer_events", "transfer_id", "transfers"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("transfer_events", &["transfer_id", "id"])).await?;

        // `CaseFilter.party` and `Case.priorCases` find a party's cases by its identifiers.
        m.create_index(index("parties", &["id_number"])).await?;
        m.create_index(index("parties", &["credit_code"])).await?;
        Ok(())
    }

    /// Drops the two parties' indexes and the two tables (with their indexes). Lost: the
    /// materials of transfers still pending (accepted ones were copied into their case's
    /// records) and the timelines of transfers without a case.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("parties", &["credit_code"])).await?;
        m.drop_index(drop_index("parties", &["id_number"])).await?;
        drop_tables(m, &["transfer_events", "transfer_materials"]).await
    }
}
