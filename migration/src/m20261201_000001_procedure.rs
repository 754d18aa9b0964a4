//! Administration and the whole penalty procedure (issue 11): the columns and tables every
//! part of it reads.
//!
//! - `certificates`: an officer's enforcement certificates with their validity periods, the
//!   whole history (R2+ and `certificateRate` read the one valid on the date in question).
//!   Backfilled from `users.certificate_no`/`certificate_valid_until`, whose start is unknown
//!   (`2000-01-01`); `users` keeps the current certificate as a copy for reading.
//! - `matters`: the penalty clause, the discretion benchmark (fine ranges per party kind, in
//!   fen; null = no bound) and whether the matter is still in the catalogue.
//! - `cases`: penalty kinds (APL 9, as a comma list of `PenaltyKind` names, at the notice and
//!   at the decision), confiscation, the statement window (R3+), payments and surcharge
//!   (R15), deferral, enforcement and cancellation.
//! - `payments`: one row per receipt, unique per case.
//! - `transfers`: the act's dates (R6+) and the returned request a resubmission replaces.
//!
//! Additive: new tables, and new columns that are nullable or have defaults.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_columns, drop_tables, fk, index, unique};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_procedure"
    }
}

fn add(table: &'static str, col: &mut ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("certificates")
                .col(uuid("id").primary_key())
                .col(uuid("user_id"))
                .col(string("number"))
                .col(date("valid_from"))
                .col(date("valid_until"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("certificates", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("certificates", &["user_id", "valid_until"])).await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO certificates (id, user_id, number, valid_from, valid_until, created_at) \
                 SELECT id, id, certificate_no, '2000-01-01', certificate_valid_until, created_at \
                 FROM users WHERE certificate_no IS NOT NULL AND certificate_valid_until IS NOT NULL",
            )
            .await?;

        m.alter_table(add("matters", ColumnDef::new("penalty_basis").text().not_null().default(""))).await?;
        for name in ["fine_person_min_fen", "fine_person_max_fen", "fine_org_min_fen", "fine_org_max_fen"] {
            m.alter_table(add("matters", ColumnDef::new(name).big_integer().null())).await?;
        }
        m.alter_table(add("matters", ColumnDef::new("active").boolean().not_null().default(true))).await?;

        m.alter_table(add("cases", ColumnDef::new("penalties").string().not_null().default(""))).await?;
        m.alter_table(add("cases", ColumnDef::new("notice_penalties").string().not_null().default(""))).await?;
        m.alter_table(add("cases", ColumnDef::new("confiscation_fen").big_integer().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("statement_due").date().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("statement_recorded_at").timestamp_with_time_zone().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("paid_fen").big_integer().not_null().default(0))).await?;
        m.alter_table(add("cases", ColumnDef::new("deferred_until").date().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("instalments").integer().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("enforcement_requested_at").timestamp_with_time_zone().null()))
            .await?;
        m.alter_table(add("cases", ColumnDef::new("cancelled_at").timestamp_with_time_zone().null())).await?;
        m.alter_table(add("cases", ColumnDef::new("cancel_reason").text().null())).await?;
        // Existing decided cases: a fine is a FINE, a decision without one a WARNING.
        m.get_connection()
            .execute_unprepared(
                "UPDATE cases SET penalties = CASE WHEN fine_fen > 0 THEN 'FINE' ELSE 'WARNING' END \
                 WHERE decided_at IS NOT NULL",
            )
            .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE cases SET paid_fen = fine_fen WHERE paid_at IS NOT NULL AND fine_fen IS NOT NULL",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("payments")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(big_integer("amount_fen"))
                .col(date("paid_on"))
                .col(string("receipt_no"))
                .col(timestamp_with_time_zone("recorded_at"))
                .col(uuid_null("recorded_by"))
                .foreign_key(&mut fk("payments", "case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("payments", &["case_id", "receipt_no"])).await?;

        m.alter_table(add("transfers", ColumnDef::new("occurred_at").timestamp_with_time_zone().null())).await?;
        m.alter_table(add("transfers", ColumnDef::new("ended_at").timestamp_with_time_zone().null())).await?;
        m.alter_table(add("transfers", ColumnDef::new("replaces_transfer_id").uuid().null())).await?;
        Ok(())
    }

    /// Drops the transfers' and the cases' new columns, `payments`, the matters' new columns
    /// and `certificates`, in the reverse order of the up. Lost: payments, the certificate
    /// history (the current certificate stays on `users`), penalty kinds, statement windows,
    /// deferrals, enforcement and cancellations of cases, the matters' penalty clauses and
    /// benchmarks, and the transfers' act dates. The backfills had only copied data into what
    /// is dropped, so nothing else needs undoing.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(m, "transfers", &["replaces_transfer_id", "ended_at", "occurred_at"]).await?;
        drop_tables(m, &["payments"]).await?;
        drop_columns(
            m,
            "cases",
            &[
                "cancel_reason",
                "cancelled_at",
                "enforcement_requested_at",
                "instalments",
                "deferred_until",
                "paid_fen",
                "statement_recorded_at",
                "statement_due",
                "confiscation_fen",
                "notice_penalties",
                "penalties",
            ],
        )
        .await?;
        drop_columns(
            m,
            "matters",
            &[
                "active",
                "fine_org_max_fen",
                "fine_org_min_fen",
                "fine_person_max_fen",
                "fine_person_min_fen",
                "penalty_basis",
            ],
        )
        .await?;
        drop_tables(m, &["certificates"]).await
    }
}
