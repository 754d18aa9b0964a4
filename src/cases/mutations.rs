//! The GraphQL mutations of the case lifecycle: `fileCase`, `updateCase`, `transitionCase`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};

use super::lifecycle::{self, FileCase, NewParty, TransitionArgs, UpdateCase};
use super::schema::{CaseObject, PartyKind, Procedure};
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{DateTime, Decimal};

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
        };
        let s = state(ctx)?;
        let (case, events) = lifecycle::update_case(&s.db, &s.calendar, p, id, expected_version, parsed).await?;
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
}
