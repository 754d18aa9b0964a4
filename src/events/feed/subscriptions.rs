//! `cockpitFeed`: the live feed of the cockpit (数据驾驶舱, `/dashboard?mode=screen`).
//!
//! Every committed case event, told as much as the subscriber may know: to everyone who may
//! read the district's statistics, what the statistics are made of (the kind, the time, the
//! owning department, the town and the procedure); to a subscriber who may also read the case
//! ([`visibility::can_read_case`], the rule of `caseEvents`), its number and title too, the
//! title anonymised for a court trainee as `Case.title` is. A `dashboard` principal reads no
//! case, so it never receives a number, a title, a party or an officer.
//!
//! Like `caseEvents`, the facts about the event's case are loaded once per event and shared by
//! every subscriber; each subscriber is re-read with every other one
//! ([`Sessions`](crate::auth::sessions::Sessions)), and the subscription ends with
//! `UNAUTHENTICATED` when the token expires or the user is deactivated (a revoked wall screen
//! goes dark at once), and with `RATE_LIMITED` when it falls too far behind.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, Object, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::enums::Procedure as StoredProcedure;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use uuid::Uuid;

use crate::auth::sessions::{Access, Standing};
use crate::auth::{Principal, visibility};
use crate::calendar::today;
use crate::cases::schema::Procedure;
use crate::error::AppError;
use crate::events::Committed;
use crate::events::schema::CaseEventKind;
use crate::events::subscriptions::Session;
use crate::graphql::context::{loaders, principal, state, trainee_only};
use crate::graphql::scalars::DateTime as DateTimeScalar;
use crate::statistics::service::{self, Scope};

/// The case's number and title, for a subscriber who may read the case.
struct Named {
    case_no: String,
    title: String,
    party_id: Uuid,
}

/// One entry of the cockpit's feed.
pub struct FeedItem {
    kind: entity::enums::CaseEventKind,
    at: DateTime<Utc>,
    department_id: Uuid,
    town: Option<String>,
    procedure: StoredProcedure,
    named: Option<Named>,
}

#[Object(name = "CockpitFeedItem")]
impl FeedItem {
    async fn kind(&self) -> CaseEventKind {
        self.kind.into()
    }

    async fn at(&self) -> DateTimeScalar {
        self.at.into()
    }

    /// The name of the department that owns the case.
    async fn department_name(&self, ctx: &Context<'_>) -> Result<String> {
        let department = loaders(ctx)?.departments.load_one(self.department_id).await.map_err(AppError::from)?;
        Ok(department.map(|d| d.name).unwrap_or_default())
    }

    /// The town of the case (镇街), when it has one.
    async fn town(&self) -> Option<&str> {
        self.town.as_deref()
    }

    async fn procedure(&self) -> Procedure {
        self.procedure.into()
    }

    /// The case number: only for a subscriber who may read the case.
    async fn case_no(&self) -> Option<&str> {
        self.named.as_ref().map(|n| n.case_no.as_str())
    }

    /// The case title: only for a subscriber who may read the case, anonymised for a court
    /// trainee.
    async fn title(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let Some(named) = &self.named else { return Ok(None) };
        if !trainee_only(ctx)? {
            return Ok(Some(named.title.clone()));
        }
        let party = loaders(ctx)?.parties.load_one(named.party_id).await.map_err(AppError::from)?;
        Ok(Some(crate::privacy::mask_text(&named.title, party.as_ref())))
    }
}

struct Sub {
    rx: broadcast::Receiver<Arc<Committed>>,
    db: DatabaseConnection,
    /// Keeps the login watched while this subscription lives.
    _standing: Arc<Standing>,
    access: watch::Receiver<Access>,
    expiry: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

impl Sub {
    /// The feed item of `committed` for this subscriber (`None`: it may not see it, or the case
    /// is gone).
    async fn item(&self, committed: &Committed) -> Result<Option<FeedItem>, AppError> {
        let principal: Arc<Principal> = match &*self.access.borrow() {
            Access::Granted(p) => Arc::clone(p),
            Access::Revoked(_) => return Ok(None),
        };
        if service::authorize(&principal, &Scope::default()).is_err() {
            return Ok(None);
        }
        // Boxed: the loads' state is large and needed once per event.
        let Some(case) = Box::pin(committed.case_access(&self.db)).await? else { return Ok(None) };
        let readable = visibility::can_read_case(&principal, case, today());
        let (department_id, town) = (case.department_id, case.town.clone());
        let Some(row) = Box::pin(committed.case_row(&self.db)).await? else { return Ok(None) };
        let named =
            readable.then(|| Named { case_no: row.case_no.clone(), title: row.title.clone(), party_id: row.party_id });
        Ok(Some(FeedItem {
            kind: committed.event.kind,
            at: committed.event.at,
            department_id,
            town,
            procedure: row.procedure,
            named,
        }))
    }

    fn end(&mut self, e: AppError) -> Option<Result<FeedItem>> {
        self.done = true;
        Some(Err(e.into()))
    }

    async fn next(&mut self) -> Option<Result<FeedItem>> {
        if self.done {
            return None;
        }
        loop {
            let received = tokio::select! {
                biased;
                _ = &mut self.expiry => {
                    return self.end(AppError::Unauthenticated("the token has expired; subscribe again with a new one".into()));
                }
                changed = self.access.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    let revoked = match &*self.access.borrow_and_update() {
                        Access::Revoked(why) => Some(AppError::Unauthenticated((*why).into())),
                        Access::Granted(p) => service::authorize(p, &Scope::default()).err(),
                    };
                    if let Some(e) = revoked {
                        return self.end(e);
                    }
                    continue;
                }
                r = self.rx.recv() => r,
            };
            match received {
                Ok(committed) => match self.item(&committed).await {
                    Ok(Some(item)) => return Some(Ok(item)),
                    Ok(None) => continue,
                    Err(e) => return self.end(e),
                },
                Err(RecvError::Lagged(missed)) => {
                    return self.end(AppError::RateLimited(format!(
                        "the subscriber fell {missed} events behind and was closed; subscribe again"
                    )));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

#[derive(Default)]
pub struct FeedSubscription;

#[Subscription]
impl FeedSubscription {
    /// The cockpit's live feed: every committed case event of the district, for whoever may
    /// read the district's statistics (dashboards, the bureau, supervisors, admins). An item
    /// carries the kind, time, department, town and procedure; `caseNo` and `title` only when
    /// the subscriber may read the case (never for a dashboard), masked as `Case.title` is.
    async fn cockpit_feed(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Result<FeedItem>> + use<>> {
        let p = principal(ctx)?;
        service::authorize(p, &Scope::default())?;
        let state = state(ctx)?;
        let standing = state.sessions.watch(p, &state.db, state.settings.subscription_recheck, state.bus.watch_users());
        let expires_at = ctx.data_opt::<Session>().map_or(DateTime::<Utc>::MAX_UTC, |s| s.expires_at);
        let left = (expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        let sub = Sub {
            rx: state.bus.subscribe_committed(),
            db: state.db.clone(),
            access: standing.access(),
            _standing: standing,
            expiry: Box::pin(tokio::time::sleep(left)),
            done: false,
        };
        Ok(futures_util::stream::unfold(sub, |mut sub| async move { sub.next().await.map(|item| (item, sub)) }))
    }
}
