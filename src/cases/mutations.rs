//! The GraphQL mutations of the case lifecycle: `fileCase`, `updateCase`, `transitionCase`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use super::lifecycle::{self, FileCase, NewParty, TransitionArgs, UpdateCase};
use super::payments::{self, Deferral, NewPayment};
use super::schema::{CaseObject, PartyKind, PenaltyKind, Procedure};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime, Decimal};

/// 当事人 as given. An ID number (persons) or credit code (organisations) is checked
/// (GB 11643 / GB 32100) when given.
#[derive(InputObject)]
pub struct PartyInput {
    pub kind: PartyKind,
    pub name: String,
    pub id_number: Option<String>,
    pub credit_code: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
}

impl PartyInput {
    pub fn parse(&self, prefix: &str) -> Result<NewParty, AppError> {
        NewParty::parse(
            prefix,
            self.kind.into(),
            &self.name,
            self.id_number.as_deref(),
            self.credit_code.as_deref(),
            self.phone.as_deref(),
            self.address.as_deref(),
        )
    }
}

/// 立案. A SIMPLE case is decided on the spot: give its `fineAmount` (≤ ¥200 for a person,
/// ≤ ¥3,000 for an organisation; none for a warning). A GENERAL case starts `FILED`.
#[derive(InputObject)]
pub struct FileCaseInput {
    pub title: String,
    pub procedure: Procedure,
    pub matter_code: String,
    pub party: PartyInput,
    /// The town or street; a town team's cases are always in its own town.
    pub town: Option<String>,
    pub occurred_at: DateTime,
    /// When a continuing act ended (APL 36 counts from here).
    pub ended_at: Option<DateTime>,
    /// Life, health or financial safety harmed: 5 years to file instead of 2 (APL 36).
    pub serious_harm: Option<bool>,
    /// Complex or of major public interest: needs a legal review (APL 58).
    pub major: Option<bool>,
    pub location: Option<String>,
    pub facts: String,
    /// SIMPLE only: the on-the-spot fine.
    pub fine_amount: Option<Decimal>,
    /// Officers of the filing department; the filer when omitted.
    pub officer_ids: Option<Vec<ID>>,
    /// When the filing happened, if recorded later (R14: at most 30 days back); default now.
    pub effective_at: Option<DateTime>,
}

/// Changes to an open case (before the decision).
#[derive(InputObject, Default)]
pub struct UpdateCaseInput {
    pub title: Option<String>,
    pub facts: Option<String>,
    pub location: Option<String>,
    /// Set to true to make the case major; never cleared.
    pub major: Option<bool>,
    pub serious_harm: Option<bool>,
    /// Replaces the assigned officers.
    pub officer_ids: Option<Vec<ID>>,
    /// APL 60: extend T1 by this many days (with `note` giving the reason).
    pub extend_decision_days: Option<i32>,
    pub note: Option<String>,
    /// Corrects the party (before the decision; re-checks the fine range, R12).
    pub party: Option<PartyInput>,
    /// Corrects the matter (re-checks R7 on the filing date and R12).
    pub matter_code: Option<String>,
    /// Corrects the act's dates (re-checks the limitation, R6).
    pub occurred_at: Option<DateTime>,
    pub ended_at: Option<DateTime>,
}

#[derive(InputObject, Default)]
pub struct TransitionInput {
    /// SERVE_NOTICE: the proposed fine; DECIDE: the decided fine (at most the notice's, APL 45).
    pub fine_amount: Option<Decimal>,
    pub note: Option<String>,
    /// Flag the case major before the decision (never cleared).
    pub major: Option<bool>,
    /// EXEMPT: the rectification notice, verified as corrected, that the exemption rests on
    /// (default: the case's latest corrected notice).
    pub rectification_notice_id: Option<ID>,
    /// SERVE_NOTICE and DECIDE: the penalty kinds (APL 9); default FINE when a fineAmount
    /// is given, else WARNING (DECIDE: the notice's).
    pub penalties: Option<Vec<PenaltyKind>>,
    /// The confiscated gains or property (with CONFISCATE_GAINS or CONFISCATE_PROPERTY).
    pub confiscation_amount: Option<Decimal>,
    /// When the action happened, if recorded later (R14): not in the future, not before the
    /// case's previous step, at most 30 days back. Timers count from it. Default now.
    pub effective_at: Option<DateTime>,
    /// CANCEL: why the filing is cancelled (required).
    pub reason: Option<String>,
}

/// A payment of a case's fine or surcharge (R15).
#[derive(InputObject)]
pub struct PaymentInput {
    pub amount: Decimal,
    pub paid_on: Date,
    /// Unique per case: the same receipt again returns the first result.
    pub receipt_no: String,
}

/// A deferral of T4 (APL 66).
#[derive(InputObject)]
pub struct DeferralInput {
    /// The new payment due date.
    pub until: Date,
    pub instalments: Option<i32>,
    pub reason: String,
}

/// What happens to a case; see rules.md for the state machine.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::CaseAction")]
pub enum CaseAction {
    /// FILED → INVESTIGATING (two certified officers, APL 42).
    Investigate,
    /// → NOTICE_SERVED: notice of the proposed penalty and the party's rights (APL 44).
    ServeNotice,
    /// The party asks for a hearing (hearing-level penalties, within 5 working days).
    RequestHearing,
    HoldHearing,
    WaiveHearing,
    /// → LEGAL_REVIEW (法制审核).
    SubmitForReview,
    /// By a legal reviewer who is not an officer of the case.
    ApproveReview,
    /// By a legal reviewer: back to INVESTIGATING, with a note.
    RejectReview,
    /// → DECIDED (处罚决定).
    Decide,
    /// → DELIVERED (送达).
    Deliver,
    /// → CLOSED.
    Close,
    /// → NOT_PENALIZED: first or minor violation corrected (首违不罚, APL 33).
    Exempt,
    /// The party's statement and defence, or its waiver, in `note` (R3+); the status stays.
    RecordStatement,
    /// 撤销立案: FILED, INVESTIGATING or NOTICE_SERVED → CANCELLED, with a `reason`.
    Cancel,
    /// 申请法院强制执行: after T4 passed unpaid, 6 to 9 months after delivery (R15).
    RequestEnforcement,
}

pub fn officer_ids(ids: &Option<Vec<ID>>, field: &str) -> Result<Option<Vec<uuid::Uuid>>, AppError> {
    ids.as_ref()
        .map(|ids| ids.iter().map(|id| ids::decode(id, Kind::User, field)).collect::<Result<Vec<_>, _>>())
        .transpose()
}

#[derive(Default)]
pub struct CaseMutation;

#[Object]
impl CaseMutation {
    /// 立案: files a case for the caller's department.
    async fn file_case(&self, ctx: &Context<'_>, input: FileCaseInput) -> Result<CaseObject> {
        let p = principal(ctx)?;
        let parsed = FileCase {
            title: input.title.clone(),
            procedure: input.procedure.into(),
            matter_code: input.matter_code.clone(),
            party: input.party.parse("party")?,
            town: input.town.clone(),
            occurred_at: input.occurred_at.get("occurredAt")?,
            ended_at: input.ended_at.as_ref().map(|t| t.get("endedAt")).transpose()?,
            serious_harm: input.serious_harm.unwrap_or(false),
            major: input.major.unwrap_or(false),
            location: input.location.clone(),
            facts: input.facts.clone(),
            fine: input.fine_amount.as_ref().map(|f| f.get("fineAmount")).transpose()?,
            officer_ids: officer_ids(&input.officer_ids, "officerIds")?,
            effective_at: input.effective_at.as_ref().map(|t| t.get("effectiveAt")).transpose()?,
        };
        let s = state(ctx)?;
        let (case, events) = lifecycle::file_case(&s.db, &s.calendar, &s.settings.rules, p, parsed).await?;
        s.bus.publish(events);
        Ok(CaseObject(case))
    }

    /// Changes an open case. `expectedVersion` must be the case's current `version`
    /// (otherwise `CONFLICT`: reload and retry).
    async fn update_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        input: UpdateCaseInput,
    ) -> Result<CaseObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Case, "id")?;
        let parsed = UpdateCase {
            title: input.title,
            facts: input.facts,
            location: input.location,
            major: input.major,
            serious_harm: input.serious_harm,
            officer_ids: officer_ids(&input.officer_ids, "input.officerIds")?,
            extend_decision_days: input.extend_decision_days,
            note: input.note,
            party: input.party.as_ref().map(|p| p.parse("input.party")).transpose()?,
            matter_code: input.matter_code,
            occurred_at: input.occurred_at.as_ref().map(|t| t.get("input.occurredAt")).transpose()?,
            ended_at: input.ended_at.as_ref().map(|t| t.get("input.endedAt")).transpose()?,
        };
        let s = state(ctx)?;
        let (case, events) =
            lifecycle::update_case(&s.db, &s.calendar, &s.settings.rules, p, id, expected_version, parsed).await?;
        s.bus.publish(events);
        Ok(CaseObject(case))
    }

    /// Moves a case through its state machine. An action not allowed from the case's status,
    /// or a stale `expectedVersion`, is `CONFLICT`; an unmet precondition is `BAD_USER_INPUT`
    /// naming it (`officerIds`, `hearing`, `legalReview`, `fineAmount`).
    async fn transition_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        expected_version: i32,
        action: CaseAction,
        input: Option<TransitionInput>,
    ) -> Result<CaseObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Case, "id")?;
        let input = input.unwrap_or_default();
        let args = TransitionArgs {
            fine: input.fine_amount.as_ref().map(|f| f.get("fineAmount")).transpose()?,
            note: input.note,
            major: input.major,
            rectification_notice_id: input
                .rectification_notice_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::RectificationNotice, "input.rectificationNoticeId"))
                .transpose()?,
            penalties: input.penalties.map(|kinds| kinds.into_iter().map(Into::into).collect()),
            confiscation: input.confiscation_amount.as_ref().map(|f| f.get("confiscationAmount")).transpose()?,
            effective_at: input.effective_at.as_ref().map(|t| t.get("effectiveAt")).transpose()?,
            reason: input.reason,
        };
        let s = state(ctx)?;
        let (case, events) = lifecycle::transition_case(
            (&s.db, &s.calendar, &s.settings.rules),
            p,
            id,
            expected_version,
            action.into(),
            args,
        )
        .await?;
        s.bus.publish(events);
        Ok(CaseObject(case))
    }

    /// Records a payment of the case's fine (R15), by an officer of its department, after the
    /// decision: above zero and at most what is outstanding (fine + surcharge − paid). The same
    /// receipt again returns the case as it is; with another amount it is `CONFLICT`.
    async fn record_payment(&self, ctx: &Context<'_>, case_id: ID, input: PaymentInput) -> Result<CaseObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&case_id, Kind::Case, "caseId")?;
        let parsed = NewPayment {
            amount: input.amount.get("input.amount")?,
            paid_on: input.paid_on.get("input.paidOn")?,
            receipt_no: input.receipt_no,
        };
        let s = state(ctx)?;
        let (case, events) = payments::record_payment(&s.db, &s.calendar, p, id, parsed).await?;
        s.bus.publish(events);
        Ok(CaseObject(case))
    }

    /// Moves T4 to `until` (APL 66), optionally in instalments, with its reason.
    async fn grant_deferral(&self, ctx: &Context<'_>, case_id: ID, input: DeferralInput) -> Result<CaseObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&case_id, Kind::Case, "caseId")?;
        let parsed =
            Deferral { until: input.until.get("input.until")?, instalments: input.instalments, reason: input.reason };
        let s = state(ctx)?;
        let (case, events) = payments::grant_deferral(&s.db, &s.calendar, p, id, parsed).await?;
        s.bus.publish(events);
        Ok(CaseObject(case))
    }
}
