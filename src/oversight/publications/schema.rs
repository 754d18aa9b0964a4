//! The GraphQL face of publications: the public list and the officers' mutations.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::publication;

use super::service::{self, NewLicence};
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, store};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PublicationKind")]
pub enum PublicationKind {
    /// 行政许可.
    Licence,
    /// 行政处罚决定.
    PenaltyDecision,
}

/// 公示 of a licence or a penalty decision, as the public sees it: personal data masked when
/// it was published. `withdrawalDue` is T6 after a revocation.
#[derive(SimpleObject)]
pub struct Publication {
    pub id: ID,
    pub kind: PublicationKind,
    pub title: String,
    pub content: String,
    pub published_at: DateTime,
    pub revoked_at: Option<DateTime>,
    /// T6: withdrawn within 3 working days of the revocation.
    pub withdrawal_due: Option<Date>,
    pub withdrawn_at: Option<DateTime>,
    /// Revoked and not withdrawn by `withdrawalDue` (T6).
    pub overdue: bool,
}

impl From<publication::Model> for Publication {
    fn from(m: publication::Model) -> Self {
        Publication {
            id: id_of(Kind::Publication, m.id),
            kind: m.kind.into(),
            title: m.title,
            content: m.content,
            published_at: m.published_at.into(),
            revoked_at: m.revoked_at.map(Into::into),
            overdue: m.withdrawn_at.is_none() && m.withdrawal_due.is_some_and(|d| d < crate::calendar::today()),
            withdrawal_due: m.withdrawal_due.map(Into::into),
            withdrawn_at: m.withdrawn_at.map(Into::into),
        }
    }
}

crate::connection!(
    PublicationConnection,
    PublicationEdge,
    Publication,
    publication::Entity,
    "Publications, newest first."
);

#[derive(Default)]
pub struct PublicationQuery;

#[Object]
impl PublicationQuery {
    /// Published licences and penalty decisions (公示), newest first: public, no token needed;
    /// personal data masked; withdrawn publications are not shown.
    async fn publications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PublicationConnection> {
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::public(&state(ctx)?.db, paging).await?;
        Ok(PublicationConnection::new(nodes(rows, Publication::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct PublishLicenceInput {
    pub title: String,
    pub holder: String,
    pub content: String,
}

#[derive(Default)]
pub struct PublicationMutation;

#[Object]
impl PublicationMutation {
    /// 公示: publishes a decided case's decision, masked, within T5.
    async fn publish_decision(
        &self,
        ctx: &Context<'_>,
        case_id: ID,
        #[graphql(desc = "R14: when the decision was published, if earlier than now: at most 30 \
            days back (the configured `backdate_days`), never in the future, never before the \
            decision. It sets `publishedAt`, and the case's T5 standing counts from it; the audit \
            keeps both this and the time of recording. Default: now.")]
        effective_at: Option<DateTime>,
    ) -> Result<Publication> {
        let p = principal(ctx)?;
        let s = state(ctx)?;
        let id = ids::decode(&case_id, Kind::Case, "caseId")?;
        let effective_at = effective_at.as_ref().map(|t| t.get("effectiveAt")).transpose()?;
        let row = service::publish_decision(store(ctx)?, (&s.calendar, &s.settings.rules), p, id, effective_at).await?;
        Ok(row.into())
    }

    /// 公示 of an administrative licence.
    async fn publish_licence(&self, ctx: &Context<'_>, input: PublishLicenceInput) -> Result<Publication> {
        let p = principal(ctx)?;
        let n = NewLicence { title: input.title, holder: input.holder, content: input.content };
        let row = service::publish_licence(store(ctx)?, p, n).await?;
        Ok(row.into())
    }

    /// Withdraws a publication (after a revocation: within T6).
    async fn withdraw_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
        #[graphql(desc = "R14: when the publication was withdrawn, if earlier than now: at most \
            30 days back (the configured `backdate_days`), never in the future, never before the \
            publication. It sets `withdrawnAt` (T6 is met by it); the audit keeps both this and \
            the time of recording. Default: now.")]
        effective_at: Option<DateTime>,
    ) -> Result<Publication> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Publication, "id")?;
        let effective_at = effective_at.as_ref().map(|t| t.get("effectiveAt")).transpose()?;
        let row = service::withdraw(store(ctx)?, &state(ctx)?.settings.rules, p, id, effective_at).await?;
        Ok(row.into())
    }
}
