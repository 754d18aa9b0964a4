//! The GraphQL face of patrol actions and matter claims.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::{matter_claim, patrol_action};

use super::service::{self, NewPatrol};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, opt_decode, opt_id, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PatrolKind")]
pub enum PatrolKind {
    /// 劝导流动摊贩.
    VendorPersuaded,
    /// 帮送流动摊贩入市经营.
    VendorHelpedIntoMarket,
    /// 制止露天焚烧.
    OpenBurningStopped,
    /// A town team's inspection of an empowered matter (counts for the implementation rate).
    Inspection,
}

/// A patrol action or a town team's inspection.
#[derive(SimpleObject)]
pub struct PatrolAction {
    pub id: ID,
    pub kind: PatrolKind,
    pub department_id: ID,
    pub town: Option<String>,
    pub matter_id: Option<ID>,
    pub occurred_at: DateTime,
    pub place: String,
    pub note: Option<String>,
}

impl From<patrol_action::Model> for PatrolAction {
    fn from(m: patrol_action::Model) -> Self {
        PatrolAction {
            id: id_of(Kind::PatrolAction, m.id),
            kind: m.kind.into(),
            department_id: id_of(Kind::Department, m.department_id),
            town: m.town,
            matter_id: opt_id(Kind::Matter, m.matter_id),
            occurred_at: m.occurred_at.into(),
            place: m.place,
            note: m.note,
        }
    }
}

/// 认领: a town's claim of an empowered matter.
#[derive(SimpleObject)]
pub struct MatterClaim {
    pub id: ID,
    pub matter_id: ID,
    pub town: String,
    pub claimed_on: Date,
}

impl From<matter_claim::Model> for MatterClaim {
    fn from(m: matter_claim::Model) -> Self {
        MatterClaim {
            id: id_of(Kind::MatterClaim, m.id),
            matter_id: id_of(Kind::Matter, m.matter_id),
            town: m.town,
            claimed_on: m.claimed_on.into(),
        }
    }
}

crate::connection!(
    PatrolActionConnection,
    PatrolActionEdge,
    PatrolAction,
    patrol_action::Entity,
    "Patrol actions, newest first."
);
crate::connection!(
    MatterClaimConnection,
    MatterClaimEdge,
    MatterClaim,
    matter_claim::Entity,
    "Matter claims, newest first."
);

#[derive(Default)]
pub struct PatrolQuery;

#[Object]
impl PatrolQuery {
    /// Patrol actions and inspections, newest first.
    async fn patrol_actions(
        &self,
        ctx: &Context<'_>,
        kind: Option<PatrolKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PatrolActionConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::patrols(&state(ctx)?.db, p, kind.map(Into::into), paging).await?;
        Ok(PatrolActionConnection::new(nodes(rows, PatrolAction::from), info, cond))
    }

    /// The towns' claims of their empowered matters, newest first: every claim for the bureau,
    /// supervisors and admins, a town team its own town's, nobody else any.
    async fn matter_claims(
        &self,
        ctx: &Context<'_>,
        town: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MatterClaimConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::claims(&state(ctx)?.db, p, town, paging).await?;
        Ok(MatterClaimConnection::new(nodes(rows, MatterClaim::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct RecordPatrolActionInput {
    pub kind: PatrolKind,
    /// The bureau names the town; a town team's own town is used.
    pub town: Option<String>,
    /// INSPECTION: the empowered matter inspected.
    pub matter_id: Option<ID>,
    pub place: String,
    pub note: Option<String>,
    /// R14: when it happened, if earlier than now (a patrol entered the next day): at most 30
    /// days back (the configured `backdate_days`), never in the future. It sets `occurredAt`;
    /// the audit keeps both this and the time of recording. Default: now.
    pub effective_at: Option<DateTime>,
}

#[derive(Default)]
pub struct PatrolMutation;

#[Object]
impl PatrolMutation {
    /// A patrol action, or a town team's inspection of an empowered matter.
    async fn record_patrol_action(&self, ctx: &Context<'_>, input: RecordPatrolActionInput) -> Result<PatrolAction> {
        let p = principal(ctx)?;
        let n = NewPatrol {
            kind: input.kind.into(),
            town: input.town,
            matter_id: opt_decode(input.matter_id.as_ref(), Kind::Matter, "input.matterId")?,
            place: input.place,
            note: input.note,
            effective_at: input.effective_at.as_ref().map(|t| t.get("input.effectiveAt")).transpose()?,
        };
        let rules = &state(ctx)?.settings.rules;
        let row = service::record_patrol(store(ctx)?, rules, p, n).await?;
        Ok(row.into())
    }

    /// 认领: a town team claims a matter empowered to its town.
    async fn claim_matter(&self, ctx: &Context<'_>, matter_id: ID) -> Result<MatterClaim> {
        let p = principal(ctx)?;
        let id = ids::decode(&matter_id, Kind::Matter, "matterId")?;
        let row = service::claim_matter(store(ctx)?, p, id).await?;
        Ok(row.into())
    }
}
