//! The GraphQL face of reconsiderations and lawsuits.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::reconsideration;

use super::service::{self, NewReconsideration};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::Date;
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReconsiderationKind")]
pub enum ReconsiderationKind {
    /// 行政复议.
    Reconsideration,
    /// 行政诉讼.
    Litigation,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReconsiderationOutcome")]
pub enum ReconsiderationOutcome {
    Pending,
    /// 维持.
    Upheld,
    /// 变更.
    Altered,
    /// 撤销: the decision's publication is withdrawn within T6.
    Revoked,
    /// 确认违法.
    ConfirmedIllegal,
    /// 化解: settled by mediation or settlement.
    Settled,
    /// 撤回.
    Withdrawn,
    /// 驳回.
    Dismissed,
}

/// 行政复议 / 行政诉讼 against a decision.
#[derive(SimpleObject)]
pub struct Reconsideration {
    pub id: ID,
    pub case_id: ID,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    /// The reconsideration body or court.
    pub body: String,
    pub received_on: Date,
    pub outcome: ReconsiderationOutcome,
    pub concluded_on: Option<Date>,
    pub note: Option<String>,
}

impl From<reconsideration::Model> for Reconsideration {
    fn from(m: reconsideration::Model) -> Self {
        Reconsideration {
            id: id_of(Kind::Reconsideration, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            kind: m.kind.into(),
            applicant: m.applicant,
            body: m.body,
            received_on: m.received_on.into(),
            outcome: m.outcome.into(),
            concluded_on: m.concluded_on.map(Into::into),
            note: m.note,
        }
    }
}

crate::connection!(
    ReconsiderationConnection,
    ReconsiderationEdge,
    Reconsideration,
    reconsideration::Entity,
    "Reconsiderations and lawsuits, newest first."
);

#[derive(Default)]
pub struct ReconsiderationQuery;

#[Object]
impl ReconsiderationQuery {
    /// Reconsiderations and lawsuits, newest first.
    async fn reconsiderations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReconsiderationConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::list(&state(ctx)?.db, p, paging).await?;
        Ok(ReconsiderationConnection::new(nodes(rows, Reconsideration::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct RegisterReconsiderationInput {
    pub case_id: ID,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    pub body: String,
    pub received_on: Date,
}

#[derive(Default)]
pub struct ReconsiderationMutation;

#[Object]
impl ReconsiderationMutation {
    /// 行政复议 / 行政诉讼 received against a decision.
    async fn register_reconsideration(
        &self,
        ctx: &Context<'_>,
        input: RegisterReconsiderationInput,
    ) -> Result<Reconsideration> {
        let p = principal(ctx)?;
        let n = NewReconsideration {
            case_id: ids::decode(&input.case_id, Kind::Case, "input.caseId")?,
            kind: input.kind.into(),
            applicant: input.applicant,
            body: input.body,
            received_on: input.received_on.get("input.receivedOn")?,
        };
        let row = service::register(store(ctx)?, p, n).await?;
        Ok(row.into())
    }

    /// Concludes a reconsideration or lawsuit; REVOKED, ALTERED and CONFIRMED_ILLEGAL start T6 on
    /// the decision's publication. ALTERED may carry the decision's new `fineAmount`.
    async fn conclude_reconsideration(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: ReconsiderationOutcome,
        concluded_on: Date,
        note: Option<String>,
        fine_amount: Option<crate::graphql::scalars::Decimal>,
    ) -> Result<Reconsideration> {
        let p = principal(ctx)?;
        let calendar = &state(ctx)?.calendar;
        let id = ids::decode(&id, Kind::Reconsideration, "id")?;
        let on = concluded_on.get("concludedOn")?;
        let fine = fine_amount.as_ref().map(|f| f.get("fineAmount")).transpose()?;
        let row = service::conclude(store(ctx)?, calendar, p, id, (outcome.into(), fine), on, note).await?;
        Ok(row.into())
    }
}
