//! `caseEvents`: committed case events, each checked against the subscriber's own visibility
//! (the same SQL condition as its queries) before it is sent, and anonymised for court
//! trainees like their queries. The subscription ends with a clear error when the token
//! expires, the user is deactivated, or the subscriber falls too far behind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_graphql::{Context, ID, InputObject, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::case;
use entity::case_event;
use entity::enums::CaseEventKind as StoredKind;
use futures_util::Stream;
use sea_orm::{EntityTrait, QueryFilter};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::schema::{CaseEventKind, CaseEventObject};
use crate::app::AppState;
use crate::auth::{Principal, visibility};
use crate::calendar::today;
use crate::error::AppError;
use crate::graphql::{principal, state};
use crate::ids::{self, Kind};

/// Narrows `caseEvents`; conditions combine with AND.
#[derive(InputObject, Default)]
pub struct CaseEventFilter {
    pub case_id: Option<ID>,
    /// Events of cases owned by this department.
    pub department_id: Option<ID>,
    /// Any of these kinds.
    pub kinds: Option<Vec<CaseEventKind>>,
}

/// When the connection's token expires (from `connection_init`).
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub expires_at: DateTime<Utc>,
}

struct Parsed {
    case_id: Option<Uuid>,
    department_id: Option<Uuid>,
    kinds: Vec<StoredKind>,
}

struct Sub {
    rx: tokio::sync::broadcast::Receiver<Arc<case_event::Model>>,
    state: AppState,
    principal: Principal,
    filter: Parsed,
    expires_at: DateTime<Utc>,
    checked_at: Instant,
    done: bool,
}

fn ended(err: AppError) -> async_graphql::Error {
    err.into()
}

impl Sub {
    /// Re-reads the user now and then: a deactivated user's subscription ends.
    async fn still_allowed(&mut self) -> Result<(), AppError> {
        let every = self.state.settings.subscription_recheck;
        if self.checked_at.elapsed() >= every {
            let fresh = Principal::load(&self.state.db, &self.principal.login).await?;
            self.principal = Principal { client_addr: self.principal.client_addr.clone(), ..fresh };
            self.checked_at = Instant::now();
        }
        Ok(())
    }

    /// The event, if this subscriber may read it and asked for it.
    async fn admit(&mut self, event: &case_event::Model) -> Result<bool, AppError> {
        if !self.filter.kinds.is_empty() && !self.filter.kinds.contains(&event.kind) {
            return Ok(false);
        }
        if self.filter.case_id.is_some_and(|c| c != event.case_id) {
            return Ok(false);
        }
        self.still_allowed().await?;
        let visible = case::Entity::find_by_id(event.case_id)
            .filter(visibility::cases(&self.principal, today()))
            .one(&self.state.db)
            .await?;
        Ok(match visible {
            Some(c) => self.filter.department_id.is_none_or(|d| d == c.department_id),
            None => false,
        })
    }

    async fn next(&mut self) -> Option<Result<CaseEventObject>> {
        if self.done {
            return None;
        }
        loop {
            let left = (self.expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            let tick = self.state.settings.subscription_recheck.max(Duration::from_secs(1));
            let received = tokio::select! {
                _ = tokio::time::sleep(left) => {
                    self.done = true;
                    return Some(Err(ended(AppError::Unauthenticated("the token has expired; subscribe again with a new one".into()))));
                }
                _ = tokio::time::sleep(tick) => {
                    if let Err(e) = self.still_allowed().await {
                        self.done = true;
                        return Some(Err(ended(e)));
                    }
                    continue;
                }
                r = self.rx.recv() => r,
            };
            match received {
                Ok(event) => match self.admit(&event).await {
                    Ok(true) => return Some(Ok(CaseEventObject((*event).clone()))),
                    Ok(false) => continue,
                    Err(e) => {
                        self.done = true;
                        return Some(Err(ended(e)));
                    }
                },
                Err(RecvError::Lagged(missed)) => {
                    // Bounded memory: a subscriber that cannot keep up is cut off, not buffered.
                    self.done = true;
                    return Some(Err(ended(AppError::RateLimited(format!(
                        "the subscriber fell {missed} events behind and was closed; reload and subscribe again"
                    )))));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Case events as they are committed (filed, updated, transitioned, transferred, record
    /// submitted), only for cases the subscriber may read, anonymised for court trainees.
    async fn case_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseEventFilter>,
    ) -> Result<impl Stream<Item = Result<CaseEventObject>> + use<>> {
        let p = principal(ctx)?.clone();
        let state = state(ctx).clone();
        let f = filter.unwrap_or_default();
        let parsed = Parsed {
            case_id: f.case_id.as_ref().map(|id| ids::decode(id, Kind::Case, "filter.caseId")).transpose()?,
            department_id: f
                .department_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Department, "filter.departmentId"))
                .transpose()?,
            kinds: f.kinds.iter().flatten().map(|k| (*k).into()).collect(),
        };
        let expires_at = ctx.data_opt::<Session>().map_or(DateTime::<Utc>::MAX_UTC, |s| s.expires_at);
        let sub = Sub {
            rx: state.bus.subscribe(),
            state,
            principal: p,
            filter: parsed,
            expires_at,
            checked_at: Instant::now(),
            done: false,
        };
        Ok(futures_util::stream::unfold(sub, |mut sub| async move { sub.next().await.map(|item| (item, sub)) }))
    }
}
