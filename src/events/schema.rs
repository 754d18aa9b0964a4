//! The GraphQL face of the timeline: `CaseEvent`, `Case.timeline`.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result};
use entity::case_event;
use entity::enums::Role;

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
/// came from, so that `case` is read once per event, not once per subscriber.
pub struct CaseEventObject(pub case_event::Model, pub Option<Arc<Committed>>);

impl CaseEventObject {
    pub fn stored(event: case_event::Model) -> Self {
        Self(event, None)
    }

    /// The case row shared by every subscriber of this event, unless the caller is a court
    /// trainee (whose reads are audited and anonymised through its own loader).
    async fn shared_case(&self, ctx: &Context<'_>) -> Result<Option<Option<entity::case::Model>>> {
        let Some(committed) = &self.1 else { return Ok(None) };
        if principal(ctx)?.has(Role::CourtTrainee) {
            return Ok(None);
        }
        Ok(Some(committed.case_row(&state(ctx)?.db).await.map_err(AppError::from)?))
    }
}

#[Object(name = "CaseEvent")]
impl CaseEventObject {
    async fn kind(&self) -> CaseEventKind {
        self.0.kind.into()
    }

    async fn at(&self) -> DateTime {
        self.0.at.into()
    }

    /// The case, if the caller may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<CaseObject>> {
        if let Some(row) = self.shared_case(ctx).await? {
            return Ok(row.map(CaseObject));
        }
        Ok(loaders(ctx)?.cases.load_one(self.0.case_id).await.map_err(AppError::from)?.map(CaseObject))
    }

    /// The transfer concerned, for transfer events.
    async fn transfer(&self, ctx: &Context<'_>) -> Result<Option<TransferObject>> {
        let Some(id) = self.0.transfer_id else { return Ok(None) };
        Ok(loaders(ctx)?.transfers.load_one(id).await.map_err(AppError::from)?.map(TransferObject))
    }

    /// The record submitted, for RECORD_SUBMITTED.
    async fn record(&self, ctx: &Context<'_>) -> Result<Option<RecordObject>> {
        let Some(id) = self.0.record_id else { return Ok(None) };
        let visible = match self.shared_case(ctx).await? {
            Some(row) => row.is_some(),
            None => loaders(ctx)?.cases.load_one(self.0.case_id).await.map_err(AppError::from)?.is_some(),
        };
        if !visible {
            return Ok(None);
        }
        Ok(loaders(ctx)?.records.load_one(id).await.map_err(AppError::from)?.map(RecordObject))
    }

    /// The case's version after this change.
    async fn case_version(&self) -> i32 {
        self.0.case_version
    }

    /// Who did it (name and department).
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<UserObject>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        Ok(loaders(ctx)?.users.load_one(id).await.map_err(AppError::from)?.map(UserObject))
    }

    /// What changed, as JSON (`action`, `from`, `to`, `fineAmount`, `note` …); anonymised for
    /// court trainees.
    async fn detail(&self, ctx: &Context<'_>) -> Result<String> {
        let trainee = request(ctx)?.principal.as_ref().is_some_and(|p| p.is_trainee_only());
        let detail = match EventDetail::read(self.0.kind, &self.0.detail) {
            Ok(detail) => detail,
            Err(e) => {
                // A row no shape reads: the stored text for those who may read it all, nothing
                // for a reader who may not see the party.
                tracing::warn!(event = %self.0.id, error = %e, "unreadable case event detail");
                return Ok(if trainee { "{}".into() } else { self.0.detail.clone() });
            }
        };
        if !trainee {
            return Ok(detail.to_json());
        }
        let case = loaders(ctx)?.cases.load_one(self.0.case_id).await.map_err(AppError::from)?;
        let party = match case {
            Some(c) => loaders(ctx)?.parties.load_one(c.party_id).await.map_err(AppError::from)?,
            None => None,
        };
        Ok(detail.masked(party.as_ref()).to_json())
    }
}
