//! The GraphQL face of the timeline: `CaseEvent`, `Case.timeline`.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result};
use entity::enums::Role;
use entity::{case_event, transfer_event};

use super::{Committed, EventDetail};
use crate::cases::schema::CaseObject;
use crate::error::AppError;
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::scalars::DateTime;
use crate::org::schema::UserObject;
use crate::records::schema::RecordObject;
use crate::transfers::schema::TransferObject;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::CaseEventKind")]
pub enum CaseEventKind {
    /// 立案.
    Filed,
    Updated,
    /// A state-machine action (see `detail.action`).
    Transitioned,
    TransferRequested,
    /// A transfer was accepted, rejected, returned or withdrawn.
    TransferAnswered,
    RecordSubmitted,
}

/// One entry of a case's timeline. A subscription's event also carries the committed event it
/// came from, so that `case` is read once per event, not once per subscriber. A transfer
/// without a case has its own timeline (`events::transfer`): its events have no `case`.
pub enum CaseEventObject {
    Case(case_event::Model, Option<Arc<Committed>>),
    Transfer(Arc<transfer_event::Model>),
}

/// What both kinds of event hold.
struct Common<'a> {
    kind: entity::enums::CaseEventKind,
    at: chrono::DateTime<chrono::Utc>,
    actor_id: Option<uuid::Uuid>,
    transfer_id: Option<uuid::Uuid>,
    record_id: Option<uuid::Uuid>,
    detail: &'a str,
    id: uuid::Uuid,
}

impl CaseEventObject {
    pub fn stored(event: case_event::Model) -> Self {
        Self::Case(event, None)
    }

    fn common(&self) -> Common<'_> {
        match self {
            Self::Case(e, _) => Common {
                kind: e.kind,
                at: e.at,
                actor_id: e.actor_id,
                transfer_id: e.transfer_id,
                record_id: e.record_id,
                detail: &e.detail,
                id: e.id,
            },
            Self::Transfer(e) => Common {
                kind: e.kind,
                at: e.at,
                actor_id: e.actor_id,
                transfer_id: Some(e.transfer_id),
                record_id: e.record_id,
                detail: &e.detail,
                id: e.id,
            },
        }
    }

    /// The case row shared by every subscriber of this event, unless the caller is a court
    /// trainee (whose reads are audited and anonymised through its own loader).
    async fn shared_case(&self, ctx: &Context<'_>) -> Result<Option<Option<entity::case::Model>>> {
        let committed = match self {
            Self::Case(_, Some(committed)) => committed,
            Self::Case(_, None) => return Ok(None),
            Self::Transfer(_) => return Ok(Some(None)),
        };
        if principal(ctx)?.has(Role::CourtTrainee) {
            return Ok(None);
        }
        Ok(Some(committed.case_row(&state(ctx)?.db).await.map_err(AppError::from)?))
    }
}

#[Object(name = "CaseEvent")]
impl CaseEventObject {
    async fn kind(&self) -> CaseEventKind {
        self.common().kind.into()
    }

    async fn at(&self) -> DateTime {
        self.common().at.into()
    }

    /// The case, if the caller may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        if let Some(row) = self.shared_case(ctx).await? {
            return Ok(row.map(CaseObject));
        }
        let Self::Case(event, _) = self else { return Ok(None) };
        Ok(loaders(ctx)?.cases.load_one(event.case_id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// The transfer concerned, for transfer events.
    async fn transfer(&self, ctx: &Context<'_>) -> Result<Option<TransferObject>> {
        let Some(id) = self.common().transfer_id else { return Ok(None) };
        Ok(loaders(ctx)?.transfers.load_one(id).await.map_err(AppError::from)?.map(TransferObject))
    }

    /// The record submitted, for RECORD_SUBMITTED; a transfer's material (see
    /// `Transfer.materials`) for a transfer event.
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<RecordObject>> {
        let Some(id) = self.common().record_id else { return Ok(None) };
        let event = match self {
            Self::Case(event, _) => event,
            Self::Transfer(e) => {
                // Readable through the transfer: `materials` of a transfer the caller may see.
                let Some(t) = loaders(ctx)?.transfers.load_one(e.transfer_id).await.map_err(AppError::from)? else {
                    return Ok(None);
                };
                let materials = crate::transfers::schema::materials_of(ctx, &t).await?;
                return Ok(materials.into_iter().find(|m| m.0.id == id));
            }
        };
        let visible = match self.shared_case(ctx).await? {
            Some(row) => row.is_some(),
            None => loaders(ctx)?.cases.load_one(event.case_id).await.map_err(AppError::from)?.is_some(),
        };
        if !visible {
            return Ok(None);
        }
        Ok(loaders(ctx)?.records.load_one(id).await.map_err(AppError::from)?.map(RecordObject))
    }

    /// The case's version after this change (0 for an event of a transfer without a case).
    async fn case_version(&self) -> i32 {
        match self {
            Self::Case(e, _) => e.case_version,
            Self::Transfer(_) => 0,
        }
    }

    /// Who did it (name and department).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        let Some(id) = self.common().actor_id else { return Ok(None) };
        Ok(loaders(ctx)?.users.load_one(id).await.map_err(AppError::from)?.map(UserObject))
    }

    /// What changed, as JSON (`action`, `from`, `to`, `fineAmount`, `note` …); anonymised for
    /// court trainees.
    async fn detail(&self, ctx: &Context<'_>) -> Result<String> {
        let trainee = request(ctx)?.principal.as_ref().is_some_and(|p| p.is_trainee_only());
        let common = self.common();
        let detail = match EventDetail::read(common.kind, common.detail) {
            Ok(detail) => detail,
            Err(e) => {
                // A row no shape reads: the stored text for those who may read it all, nothing
                // for a reader who may not see the party.
                tracing::warn!(event = %common.id, error = %e, "unreadable case event detail");
                return Ok(if trainee { "{}".into() } else { common.detail.to_string() });
            }
        };
        if !trainee {
            return Ok(detail.to_json());
        }
        let Self::Case(event, _) = self else { return Ok("{}".into()) };
        let case = loaders(ctx)?.cases.load_one(event.case_id).await.map_err(AppError::from)?;
        let party = match case {
            Some(c) => loaders(ctx)?.parties.load_one(c.party_id).await.map_err(AppError::from)?,
            None => None,
        };
        Ok(detail.masked(party.as_ref()).to_json())
    }
}
