//! Oversight records of the bureau's annual report (section 一): legal reviews and case review
//! committee meetings, rectification notices and first-violation exemptions, reconsiderations
//! and litigation, case-file evaluations and their findings, credit repairs, three-document
//! deliveries, compliance guidance items, publications, trainings and attendance, patrol
//! actions, matter claims, and the day each officer joined. Additive: new tables and one
//! nullable column.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::helpers::{drop_columns, drop_index, drop_tables, fk, index, unique};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260105_000001_oversight"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // New enforcement officers: the day an officer joined the department.
        m.alter_table(Table::alter().table("users").add_column(date_null("joined_on")).to_owned()).await?;

        // 案审委员会: meetings of the case review committee.
        m.create_table(
            Table::create()
                .table("review_meetings")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(date("held_on"))
                .col(string("topic"))
                .col(text("conclusion"))
                .col(uuid("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("review_meetings", "department_id", "departments"))
                .foreign_key(&mut fk("review_meetings", "created_by", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("review_meetings", &["department_id", "held_on"])).await?;

        // 法制审核: one row per submission of a case for legal review.
        m.create_table(
            Table::create()
                .table("legal_reviews")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("department_id"))
                .col(uuid_null("submitted_by"))
                .col(timestamp_with_time_zone("submitted_at"))
                .col(string("outcome"))
                .col(uuid_null("reviewer_id"))
                .col(timestamp_with_time_zone_null("decided_at"))
                .col(text_null("opinion"))
                .col(uuid_null("meeting_id"))
                .foreign_key(&mut fk("legal_reviews", "case_id", "cases"))
                .foreign_key(&mut fk("legal_reviews", "department_id", "departments"))
                .foreign_key(&mut fk("legal_reviews", "meeting_id", "review_meetings"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("legal_reviews", &["case_id", "submitted_at"])).await?;
        m.create_index(index("legal_reviews", &["department_id", "decided_at"])).await?;
        m.create_index(index("legal_reviews", &["meeting_id"])).await?;

        // 责令改正通知书 (T8: `deadline`).
        m.create_table(
            Table::create()
                .table("rectification_notices")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(string_null("town"))
                .col(uuid_null("case_id"))
                .col(uuid_null("matter_id"))
                .col(string("party_name"))
                .col(text("requirement"))
                .col(date("issued_on"))
                .col(date("deadline"))
                .col(string("status"))
                .col(timestamp_with_time_zone_null("verified_at"))
                .col(uuid_null("verified_by"))
                .col(text_null("verification_note"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("rectification_notices", "department_id", "departments"))
                .foreign_key(&mut fk("rectification_notices", "case_id", "cases"))
                .foreign_key(&mut fk("rectification_notices", "matter_id", "matters"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("rectification_notices", &["department_id", "issued_on"])).await?;
        m.create_index(index("rectification_notices", &["town", "issued_on"])).await?;
        m.create_index(index("rectification_notices", &["case_id"])).await?;
        m.create_index(index("rectification_notices", &["status", "deadline"])).await?;

        // 首违不罚: a case closed without penalty after a verified rectification.
        m.create_table(
            Table::create()
                .table("exemptions")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("rectification_notice_id"))
                .col(uuid("department_id"))
                .col(string_null("town"))
                .col(text("reason"))
                .col(timestamp_with_time_zone("granted_at"))
                .col(uuid_null("granted_by"))
                .foreign_key(&mut fk("exemptions", "case_id", "cases"))
                .foreign_key(&mut fk("exemptions", "rectification_notice_id", "rectification_notices"))
                .foreign_key(&mut fk("exemptions", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("exemptions", &["case_id"])).await?;
        m.create_index(unique("exemptions", &["rectification_notice_id"])).await?;
        m.create_index(index("exemptions", &["department_id", "granted_at"])).await?;

        // 行政复议 / 行政诉讼 against a decision.
        m.create_table(
            Table::create()
                .table("reconsiderations")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("department_id"))
                .col(string("kind"))
                .col(string("applicant"))
                .col(string("body"))
                .col(date("received_on"))
                .col(string("outcome"))
                .col(date_null("concluded_on"))
                .col(text_null("note"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("reconsiderations", "case_id", "cases"))
                .foreign_key(&mut fk("reconsiderations", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("reconsiderations", &["department_id", "received_on"])).await?;
        m.create_index(index("reconsiderations", &["case_id"])).await?;

        // 案卷评查: one check of a case file; its findings follow.
        m.create_table(
            Table::create()
                .table("file_evaluations")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("department_id"))
                .col(date("evaluated_on"))
                .col(string("scope"))
                .col(uuid_null("evaluator_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("file_evaluations", "case_id", "cases"))
                .foreign_key(&mut fk("file_evaluations", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("file_evaluations", &["department_id", "evaluated_on"])).await?;
        m.create_index(index("file_evaluations", &["case_id"])).await?;
        m.create_table(
            Table::create()
                .table("evaluation_findings")
                .col(uuid("id").primary_key())
                .col(uuid("evaluation_id"))
                .col(text("description"))
                .col(timestamp_with_time_zone_null("rectified_at"))
                .col(uuid_null("rectified_by"))
                .col(text_null("rectification_note"))
                .foreign_key(&mut fk("evaluation_findings", "evaluation_id", "file_evaluations"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("evaluation_findings", &["evaluation_id"])).await?;

        // 信用修复 of an enterprise's public credit record.
        m.create_table(
            Table::create()
                .table("credit_repairs")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(uuid_null("case_id"))
                .col(string("enterprise_name"))
                .col(string("credit_code"))
                .col(date("applied_on"))
                .col(date_null("completed_on"))
                .col(text_null("note"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("credit_repairs", "department_id", "departments"))
                .foreign_key(&mut fk("credit_repairs", "case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("credit_repairs", &["department_id", "completed_on"])).await?;

        // 三书同达: decision, compliance advice and credit-repair notice delivered together.
        m.create_table(
            Table::create()
                .table("three_document_deliveries")
                .col(uuid("id").primary_key())
                .col(uuid("case_id"))
                .col(uuid("department_id"))
                .col(date("delivered_on"))
                .col(text("compliance_advice"))
                .col(text("credit_repair_notice"))
                .col(uuid_null("delivered_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("three_document_deliveries", "case_id", "cases"))
                .foreign_key(&mut fk("three_document_deliveries", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("three_document_deliveries", &["case_id"])).await?;
        m.create_index(index("three_document_deliveries", &["department_id", "delivered_on"])).await?;

        // 合规指导清单.
        m.create_table(
            Table::create()
                .table("compliance_guidance_items")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(string("industry"))
                .col(string("title"))
                .col(text("guidance"))
                .col(date("issued_on"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("compliance_guidance_items", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("compliance_guidance_items", &["department_id", "issued_on"])).await?;

        // 公示 of licences and penalty decisions (T6: `withdrawal_due` after a revocation).
        m.create_table(
            Table::create()
                .table("publications")
                .col(uuid("id").primary_key())
                .col(string("kind"))
                .col(uuid("department_id"))
                .col(string_null("town"))
                .col(uuid_null("case_id"))
                .col(string("title"))
                .col(text("content"))
                .col(timestamp_with_time_zone("published_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(date_null("withdrawal_due"))
                .col(timestamp_with_time_zone_null("withdrawn_at"))
                .col(uuid_null("created_by"))
                .foreign_key(&mut fk("publications", "department_id", "departments"))
                .foreign_key(&mut fk("publications", "case_id", "cases"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("publications", &["published_at", "id"])).await?;
        m.create_index(index("publications", &["department_id", "kind", "published_at"])).await?;
        m.create_index(unique("publications", &["case_id"])).await?;
        m.create_index(index("publications", &["withdrawal_due"])).await?;

        // Trainings held or attended, and who attended.
        m.create_table(
            Table::create()
                .table("trainings")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(string("title"))
                .col(string("organiser"))
                .col(date("held_on"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("trainings", "department_id", "departments"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("trainings", &["department_id", "held_on"])).await?;
        m.create_table(
            Table::create()
                .table("training_attendees")
                .col(uuid("training_id"))
                .col(uuid("user_id"))
                .primary_key(Index::create().col("training_id").col("user_id"))
                .foreign_key(&mut fk("training_attendees", "training_id", "trainings"))
                .foreign_key(&mut fk("training_attendees", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        // Patrol actions and inspections without a case.
        m.create_table(
            Table::create()
                .table("patrol_actions")
                .col(uuid("id").primary_key())
                .col(uuid("department_id"))
                .col(string_null("town"))
                .col(string("kind"))
                .col(uuid_null("matter_id"))
                .col(timestamp_with_time_zone("occurred_at"))
                .col(string("place"))
                .col(text_null("note"))
                .col(uuid_null("officer_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("patrol_actions", "department_id", "departments"))
                .foreign_key(&mut fk("patrol_actions", "matter_id", "matters"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("patrol_actions", &["department_id", "occurred_at"])).await?;
        m.create_index(index("patrol_actions", &["town", "matter_id", "occurred_at"])).await?;

        // 认领: a town claims an empowered inspection item.
        m.create_table(
            Table::create()
                .table("matter_claims")
                .col(uuid("id").primary_key())
                .col(uuid("matter_id"))
                .col(string("town"))
                .col(date("claimed_on"))
                .col(uuid_null("claimed_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk("matter_claims", "matter_id", "matters"))
                .to_owned(),
        )
        .await?;
        m.create_index(unique("matter_claims", &["matter_id", "town"])).await?;

        // Statistics count town cases by matter, and the decisions and fines of a year per
        // department from covering indexes (no table lookups, whatever the volume).
        m.create_index(index("cases", &["town", "matter_id", "filed_at"])).await?;
        m.create_index(index("cases", &["department_id", "procedure", "decided_at"])).await?;
        m.create_index(index("cases", &["department_id", "decided_at", "fine_fen"])).await?;
        Ok(())
    }

    /// Drops the three covering indexes on `cases`, every oversight table (children before
    /// parents) and `users.joined_on`. Lost: every oversight record (reviews, meetings,
    /// notices, exemptions, reconsiderations, evaluations, credit repairs, deliveries,
    /// guidance, publications, trainings, patrol actions, claims) and the officers' joining days.
    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(drop_index("cases", &["department_id", "decided_at", "fine_fen"])).await?;
        m.drop_index(drop_index("cases", &["department_id", "procedure", "decided_at"])).await?;
        m.drop_index(drop_index("cases", &["town", "matter_id", "filed_at"])).await?;
        drop_tables(
            m,
            &[
                "matter_claims",
                "patrol_actions",
                "training_attendees",
                "trainings",
                "publications",
                "compliance_guidance_items",
                "three_document_deliveries",
                "credit_repairs",
                "evaluation_findings",
                "file_evaluations",
                "reconsiderations",
                "exemptions",
                "rectification_notices",
                "legal_reviews",
                "review_meetings",
            ],
        )
        .await?;
        drop_columns(m, "users", &["joined_on"]).await
    }
}
