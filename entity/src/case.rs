use sea_orm::entity::prelude::*;

use crate::enums::{CaseStatus, HearingState, Procedure, ReviewState};

/// 行政处罚案件.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// e.g. 洞综执罚〔2023〕0001号; unique per department (the year is part of it).
    pub case_no: String,
    pub title: String,
    pub procedure: Procedure,
    pub status: CaseStatus,
    /// Optimistic-locking counter, bumped by every change.
    pub version: i32,
    pub party_id: Uuid,
    /// The owning department.
    pub department_id: Uuid,
    pub town: Option<String>,
    pub matter_id: Uuid,
    /// Denormalised from the matter (codes never change) so the filter needs no join.
    pub matter_code: String,
    pub major: bool,
    pub serious_harm: bool,
    /// Decided fine in fen; for a simple case the on-the-spot fine.
    pub fine_fen: Option<i64>,
    /// Fine announced in the latest notice of rights (R5), in fen.
    pub notice_fine_fen: Option<i64>,
    /// Whether the penalty in the notice is hearing-level (APL 63).
    pub hearing_level: bool,
    pub hearing_state: HearingState,
    pub review_state: ReviewState,
    pub occurred_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub location: Option<String>,
    pub facts: String,
    pub filed_at: DateTimeUtc,
    /// Extra days granted on top of T1's 90 (APL 60 extensions, recorded).
    pub decision_extension_days: i32,
    pub notice_served_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub delivered_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// APL 9 penalty kinds of the decision (`PenaltyKind` names, comma-separated; empty before).
    pub penalties: String,
    /// The penalty kinds announced in the notice of rights (R5, R13).
    pub notice_penalties: String,
    /// Confiscated illegal gains or property, fen (R13).
    pub confiscation_fen: Option<i64>,
    /// R3+: the end of the statement-and-defence window after the notice (working days).
    pub statement_due: Option<Date>,
    /// R3+: when `RECORD_STATEMENT` recorded the party's statement and defence or its waiver.
    pub statement_recorded_at: Option<DateTimeUtc>,
    /// R15: the sum of the case's payments, fen.
    pub paid_fen: i64,
    /// R15 (APL 66): T4 moved to this date by `grantDeferral`.
    pub deferred_until: Option<Date>,
    pub instalments: Option<i32>,
    /// R15: `REQUEST_ENFORCEMENT` (申请法院强制执行).
    pub enforcement_requested_at: Option<DateTimeUtc>,
    /// `CANCEL` (撤销立案) and its reason.
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
    /// T1–T5 due dates (Asia/Shanghai), computed with the working-day calendar when the
    /// event that starts each timer happens; null where the timer does not apply.
    pub decision_due: Option<Date>,
    pub hearing_request_due: Option<Date>,
    pub delivery_due: Option<Date>,
    pub payment_due: Option<Date>,
    pub publication_due: Option<Date>,
    /// The earliest due date among the timers still running, so `overdue` is one indexed
    /// comparison (`next_due < today`).
    pub next_due: Option<Date>,
    /// The transfer this case was filed from (R8: it may not be transferred on).
    pub source_transfer_id: Option<Uuid>,
    /// Lowercased case number and title, for `CaseFilter.search`.
    pub search_text: String,
    pub created_by: Option<Uuid>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
