//! Organisation, matters, parties, cases and everything that hangs off a case.

use sea_orm_migration::prelude::*;

use crate::helpers::{drop_tables, fk, index, unique};
use sea_orm_migration::schema::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000001_initial"
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
                .table("departments")
                .col(uuid("id").primary_key())
                .col(string_uniq("code"))
                .col(string("name"))
                .col(string("kind"))
                .col(string_null("town"))
                .col(string("case_prefix"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(uuid("id").primary_key())
                .col(string_uniq("login"))
                .col(string("name"))
                .col(uuid("department_id"))
                .col(string_null("certificate_no"))
                .col(date_null("certificate_valid_until"))
                .col(boolean("active"))
                .col(string("search_text"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("users", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("users", &["department_id", "login"])).await?;

        m.create_table(
            Table::create()
                .table("user_roles")
                .col(uuid("user_id"))
                .col(string("role"))
                .primary_key(Index::create().col("user_id").col("role"))
                .foreign_key(&mut fk("user_roles", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("user_roles", &["role", "user_id"])).await?;

        m.create_table(
            Table::create()
                .table("matters")
                .col(uuid("id").primary_key())
                .col(string_uniq("code"))
                .col(string("name"))
                .col(string("domain"))
                .col(text("legal_basis"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("matter_empowerments")
                .col(uuid("id").primary_key())
                .col(uuid("matter_id"))
                .col(string("town"))
                .col(date("valid_from"))
                .col(date_null("valid_until"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("matter_empowerments", "matter_id", "matters"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("matter_empowerments", &["matter_id"])).await?;
        m.create_index(index("matter_empowerments", &["town", "matter_id"])).await?;

        m.create_table(
            Table::create()
                .table("parties")
                .col(uuid("id").primary_key())
                .col(string("kind"))
                .col(string("name"))
                .col(string_null("id_number"))
                .col(string_null("credit_code"))
                .col(string_null("phone"))
                .col(string_null("address"))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("cases")
                .col(uuid("id").primary_key())
                .col(string("case_no"))
                .col(string("title"))
                .col(string("procedure"))
                .col(string("status"))
                .col(integer("version"))
                .col(uuid("party_id"))
                .col(uuid("department_id"))
                .col(string_null("town"))
                .col(uuid("matter_id"))
                .col(string("matter_code"))
                .col(boolean("major"))
                .col(boolean("serious_harm"))
                .col(big_integer_null("fine_fen"))
                .col(big_integer_null("notice_fine_fen"))
                .col(boolean("hearing_level"))
                .col(string("hearing_state"))
                .col(string("review_state"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(string_null("location"))
                .col(text("facts"))
                .col(timestamp_with_time_zone("filed_at"))
                .col(integer("decision_extension_days"))
                .col(timestamp_with_time_zone_null("notice_served_at"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(timestamp_with_time_zone_null("paid_at"))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(date_null("decision_due"))
                .col(date_null("hearing_request_due"))
                .col(date_null("delivery_due"))
                .col(date_null("payment_due"))
                .col(date_null("publication_due"))
                .col(date_null("next_due"))
                .col(uuid_null("source_transfer_id"))
                .col(text("search_text"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk("cases", "party_id", "parties"))
                .foreign_key(&mut fk("cases", "department_id", "departments"))
                .foreign_key(&mut fk("cases", "matter_id", "matters"))
                .to_owned(),
        )
        .await?;
        // Case numbers carry the year, so one unique index per department covers "per year".
        m.create_index(unique("cases", &["department_id", "case_no"])).await?;
        // The default order, and the same order under each visibility condition.
        m.create_index(index("cases", &["filed_at", "id"])).await?;
        m.create_index(index("cases", &["department_id", "filed_at", "id"])).await?;
        m.create_index(index("cases", &["town", "filed_at", "id"])).await?;
        m.create_index(index("cases", &["status", "filed_at", "id"])).await?;
        m.create_index(index("cases", &["procedure", "filed_at", "id"])).await?;
        m.create_index(index("cases", &["matter_code", "filed_at", "id"])).await?;
        m.create_index(index("cases", &["next_due"])).await?;
        m.create_index(index("cases", &["decided_at"])).await?;
        m.create_index(index("cases", &["party_id"])).await?;

        m.create_table(
            Table::create()
                .table("case_officers")
                .col(uuid("case_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("assigned_at"))
                .primary_key(Index::create().col("case_id").col("user_id"))
                .foreign_key(&mut fk("case_officers", "case_id", "cases"))
                .foreign_key(&mut fk("case_officers", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("case_officers", &["user_id", "case_id"])).await?;

        m.create_table(
            Table::create()
                .table("transfers")
                .col(uuid("id").primary_key())
                .col(uuid("from_department_id"))
                .col(uuid("to_department_id"))
                .col(string("category"))
                .col(string("status"))
                .col(string("subject"))
                .col(text("facts"))
                .col(uuid_null("case_id"))
                .col(uuid_null("party_id"))
                .col(string_null("matter_code"))
                .col(uuid_null("resulting_case_id"))
                .col(timestamp_with_time_zone("requested_at"))
                .col(uuid_null("requested_by"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .col(uuid_null("answered_by"))
                .col(text_null("reason"))
                .col(text_null("note"))
                .col(integer("version"))
                .foreign_key(&mut fk("transfers", "from_department_id", "departments"))
                .foreign_key(&mut fk("transfers", "to_department_id", "departments"))
                .foreign_key(&mut fk("transfers", "case_id", "cases"))
                .foreign_key(&mut fk("transfers", "resulting_case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("transfers", &["from_department_id", "requested_at", "id"])).await?;
        m.create_index(index("transfers", &["to_department_id", "requested_at", "id"])).await?;
        m.create_index(index("transfers", &["requested_at", "id"])).await?;
        m.create_index(index("transfers", &["case_id"])).await?;
        m.create_index(index("transfers", &["resulting_case_id"])).await?;

        m.create_table(
            Table::create()
                .table("records")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
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
                .col(uuid_null("corrects_record_id"))
                .col(string("hash"))
                .col(string_null("previous_hash"))
                .foreign_key(&mut fk("records", "case_id", "cases"))
                .foreign_key(&mut fk("records", "submitted_by", "users"))
                .foreign_key(&mut fk("records", "corrects_record_id", "records"))
                .to_owned(),
        )
        .await?;
        // One chain position per case: two concurrent appends cannot both take it.
        m.create_index(unique("records", &["case_id", "seq"])).await?;
        m.create_index(unique("records", &["submitted_by", "idempotency_key"])).await?;

        m.create_table(
            Table::create()
                .table("case_events")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(string("kind"))
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("actor_id"))
                .col(uuid_null("transfer_id"))
                .col(uuid_null("record_id"))
                .col(integer("case_version"))
                .col(text("detail"))
                .foreign_key(&mut fk("case_events", "case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("case_events", &["case_id", "id"])).await?;

        m.create_table(
            Table::create()
                .table("follow_enrollments")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("trainee_id"))
                .col(uuid("enrolled_by"))
                .col(timestamp_with_time_zone("enrolled_at"))
                .col(date_null("valid_until"))
                .foreign_key(&mut fk("follow_enrollments", "case_id", "cases"))
                .foreign_key(&mut fk("follow_enrollments", "trainee_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("follow_enrollments", &["case_id", "trainee_id"])).await?;
        m.create_index(index("follow_enrollments", &["trainee_id", "case_id"])).await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(uuid("id").primary_key())
                .col(timestamp_with_time_zone("at"))
                .col(uuid_null("user_id"))
                .col(string("action"))
                .col(uuid_null("target_id"))
                .col(string_null("client_addr"))
                .col(text("detail"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["user_id", "id"])).await?;
        m.create_index(index("audit_log", &["target_id"])).await?;

        m.create_table(
            Table::create()
                .table("counters")
                .col(string("scope"))
                .col(integer("year"))
                .col(big_integer("value"))
                .primary_key(Index::create().col("scope").col("year"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("holidays")
                .col(date("day").primary_key())
                .col(string("kind"))
                .col(string("name"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    /// Drops every table of the initial schema, children before parents (their indexes go
    /// with them). Everything casebridge ever stored is lost: this is the down to an empty
    /// database, and only the earlier down of every later migration reaches it.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            m,
            &[
                "holidays",
                "counters",
                "audit_log",
                "follow_enrollments",
                "case_events",
                "records",
                "transfers",
                "case_officers",
                "cases",
                "parties",
                "matter_empowerments",
                "matters",
                "user_roles",
                "users",
                "departments",
            ],
        )
        .await
    }
}
