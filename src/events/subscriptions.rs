//! `caseEvents`: committed case events, only those the subscriber may read, anonymised for
//! court trainees like their queries. The subscription ends with a clear error when the token
//! expires, the user is deactivated, or the subscriber falls too far behind.
//!
//! It is built to hold many thousands of subscribers on one instance:
//!
//! - who may read an event's case is loaded once per event ([`Committed::case_access`]) and
//!   checked for each subscriber in memory with [`visibility::can_read_case`], the rule of
//!   [`visibility::cases`] written beside it and tested against it: no query per subscriber;
//! - subscribers are re-read ([`Sessions`](crate::auth::sessions::Sessions)) for all of them at once every
//!   `subscription_recheck`, in a few batched queries, and share one principal per login;
//! - a subscriber holds no timer but its token's expiry, and wakes only for an event, a
//!   change of its standing, or that expiry.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, ID, InputObject, Result, Subscription};
use chrono::{DateTime, Utc};
use entity::enums::CaseEventKind as StoredKind;
use futures_util::Stream;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::watch;
use uuid::Uuid;

use super::schema::{CaseEventKind, CaseEventObject};
use super::{Bus, Committed};
use crate::auth::sessions::{Access, Sessions, Standing};
use crate::auth::{Principal, visibility};
use crate::calendar::today;
use crate::error::AppError;
use crate::graphql::context::{principal, state};
use crate::graphql::ids::{self, Kind};

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
    rx: broadcast::Receiver<Arc<Committed>>,
    /// Events of transfers without a case (`events::transfer`).
    trx: broadcast::Receiver<Arc<entity::transfer_event::Model>>,
    db: DatabaseConnection,
    /// Keeps the login watched while this subscription lives.
    _standing: Arc<Standing>,
    access: watch::Receiver<Access>,
    filter: Parsed,
    expiry: Pin<Box<tokio::time::Sleep>>,
    done: bool,
}

fn ended(err: AppError) -> async_graphql::Error {
    err.into()
}

impl Sub {
    fn new(
        bus: &Bus,
        sessions: &Arc<Sessions>,
        db: DatabaseConnection,
        principal: &Principal,
        recheck: Duration,
        filter: Parsed,
        expires_at: DateTime<Utc>,
    ) -> Self {
        let standing = sessions.watch(principal, &db, recheck, bus.watch_users());
        let left = (expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        Self {
            rx: bus.subscribe_committed(),
            trx: bus.subscribe_transfers(),
            db,
            access: standing.access(),
            _standing: standing,
            filter,
            expiry: Box::pin(tokio::time::sleep(left)),
            done: false,
        }
    }

    /// The event, if this subscriber asked for it and may read its case.
    async fn admit(&self, committed: &Committed) -> Result<bool, AppError> {
        let event = &committed.event;
        if !self.filter.kinds.is_empty() && !self.filter.kinds.contains(&event.kind) {
            return Ok(false);
        }
        if self.filter.case_id.is_some_and(|c| c != event.case_id) {
            return Ok(false);
        }
        let principal = match &*self.access.borrow() {
            Access::Granted(p) => Arc::clone(p),
            Access::Revoked(_) => return Ok(false),
        };
        // Boxed: the load's state is large and needed once per event, not held by every idle
        // subscription's future.
        let Some(case) = Box::pin(committed.case_access(&self.db)).await? else { return Ok(false) };
        Ok(self.filter.department_id.is_none_or(|d| d == case.department_id)
            && visibility::can_read_case(&principal, case, today()))
    }

    /// A transfer event, if this subscriber asked for it and may read the transfer: decided in
    /// memory from the row (`events::transfer::can_read`).
    fn admit_transfer(&self, event: &entity::transfer_event::Model) -> bool {
        // api.md: a transfer's answers reach its sender "also when no case exists"; the rest of
        // a caseless transfer's log (its request, its materials) stays on `Transfer`, so every
        // other event of `caseEvents` keeps its case.
        if event.kind != StoredKind::TransferAnswered {
            return false;
        }
        if !self.filter.kinds.is_empty() && !self.filter.kinds.contains(&event.kind) {
            return false;
        }
        // A transfer event belongs to no case.
        if self.filter.case_id.is_some() {
            return false;
        }
        if self.filter.department_id.is_some_and(|d| d != event.from_department_id && d != event.to_department_id) {
            return false;
        }
        match &*self.access.borrow() {
            Access::Granted(p) => super::transfer::can_read(p, event),
            Access::Revoked(_) => false,
        }
    }

    async fn next(&mut self) -> Option<Result<CaseEventObject>> {
        if self.done {
            return None;
        }
        loop {
            let received = tokio::select! {
                biased;
                _ = &mut self.expiry => {
                    self.done = true;
                    return Some(Err(ended(AppError::Unauthenticated("the token has expired; subscribe again with a new one".into()))));
                }
                changed = self.access.changed() => {
                    if changed.is_ok() && let Access::Revoked(why) = &*self.access.borrow_and_update() {
                        self.done = true;
                        return Some(Err(ended(AppError::Unauthenticated((*why).into()))));
                    }
                    continue;
                }
                r = self.rx.recv() => r,
                t = self.trx.recv() => match t {
                    Ok(event) => {
                        if self.admit_transfer(&event) {
                            return Some(Ok(CaseEventObject::Transfer(event)));
                        }
                        continue;
                    }
                    Err(RecvError::Lagged(missed)) => Err(RecvError::Lagged(missed)),
                    Err(RecvError::Closed) => Err(RecvError::Closed),
                },
            };
            match received {
                Ok(committed) => match self.admit(&committed).await {
                    Ok(true) => {
                        return Some(Ok(CaseEventObject::Case(committed.event.clone(), Some(Arc::clone(&committed)))));
                    }
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
        let p = principal(ctx)?;
        let state = state(ctx)?;
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
        let sub = Sub::new(
            &state.bus,
            &state.sessions,
            state.db.clone(),
            p,
            state.settings.subscription_recheck,
            parsed,
            expires_at,
        );
        Ok(futures_util::stream::unfold(sub, |mut sub| async move { sub.next().await.map(|item| (item, sub)) }))
    }
}

#[cfg(test)]
mod tests {
    use entity::case_event;
    use entity::enums::{DepartmentKind, Role};

    use super::*;

    fn principal(login: &str) -> Principal {
        Principal {
            user_id: Uuid::now_v7(),
            login: login.into(),
            name: login.into(),
            department_id: Uuid::now_v7(),
            department_kind: DepartmentKind::Bureau,
            town: None,
            roles: vec![Role::Admin],
            client_addr: None,
        }
    }

    fn event(kind: StoredKind) -> case_event::Model {
        case_event::Model {
            id: Uuid::now_v7(),
            case_id: Uuid::now_v7(),
            kind,
            at: Utc::now(),
            actor_id: None,
            transfer_id: None,
            record_id: None,
            case_version: 1,
            detail: "{}".into(),
        }
    }

    fn all_kinds() -> Parsed {
        Parsed { case_id: None, department_id: None, kinds: Vec::new() }
    }

    /// No database behind it: a subscriber that tried to load anything would fail.
    fn sub(bus: &Bus, sessions: &Arc<Sessions>, login: &str, filter: Parsed, expires_at: DateTime<Utc>) -> Sub {
        Sub::new(
            bus,
            sessions,
            DatabaseConnection::default(),
            &principal(login),
            Duration::from_secs(30),
            filter,
            expires_at,
        )
    }

    fn code(item: Option<Result<CaseEventObject>>) -> String {
        let Some(Err(err)) = item else { panic!("expected a closing error") };
        match err.extensions.as_ref().and_then(|e| e.get("code")) {
            Some(async_graphql::Value::String(code)) => code.clone(),
            other => panic!("no code: {other:?}"),
        }
    }

    fn far() -> DateTime<Utc> {
        Utc::now() + chrono::Duration::hours(1)
    }

    #[tokio::test]
    async fn a_subscriber_that_falls_behind_the_queue_is_closed_with_rate_limited() {
        let bus = Bus::new(2, true);
        let sessions = Arc::new(Sessions::default());
        let mut slow = sub(&bus, &sessions, "slow", all_kinds(), far());
        bus.publish((0..5).map(|_| event(StoredKind::Updated)));
        assert_eq!(code(slow.next().await), "RATE_LIMITED");
        assert!(slow.next().await.is_none(), "and the stream ends");
    }

    #[tokio::test]
    async fn events_outside_the_filter_are_dropped_without_loading_anything() {
        let bus = Bus::new(16, true);
        let sessions = Arc::new(Sessions::default());
        let only_filed = Parsed { kinds: vec![StoredKind::Filed], ..all_kinds() };
        let mut s = sub(&bus, &sessions, "filtered", only_filed, far());
        let one_case = Parsed { case_id: Some(Uuid::now_v7()), ..all_kinds() };
        let mut t = sub(&bus, &sessions, "one-case", one_case, far());
        bus.publish([event(StoredKind::Updated), event(StoredKind::RecordSubmitted)]);
        drop(bus);
        // Only the end of the bus comes through: no event, and no failed load.
        assert!(s.next().await.is_none());
        assert!(t.next().await.is_none());
    }

    #[tokio::test]
    async fn an_expired_token_ends_the_subscription() {
        let bus = Bus::new(16, true);
        let sessions = Arc::new(Sessions::default());
        let mut s = sub(&bus, &sessions, "expired", all_kinds(), Utc::now() - chrono::Duration::seconds(1));
        assert_eq!(code(s.next().await), "UNAUTHENTICATED");
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn subscriptions_of_one_login_share_its_standing_and_end_together_when_it_is_revoked() {
        let bus = Bus::new(16, true);
        let sessions = Arc::new(Sessions::default());
        let mut a = sub(&bus, &sessions, "shared", all_kinds(), far());
        let mut b = sub(&bus, &sessions, "shared", all_kinds(), far());
        let other = sub(&bus, &sessions, "other", all_kinds(), far());
        assert!(Arc::ptr_eq(&a._standing, &b._standing));
        assert_eq!(sessions.live().len(), 2);
        a._standing.update(Access::Revoked("the user is deactivated"));
        assert_eq!(code(a.next().await), "UNAUTHENTICATED");
        assert_eq!(code(b.next().await), "UNAUTHENTICATED");
        drop((a, b));
        assert_eq!(sessions.live().len(), 1, "a login without subscriptions is no longer re-read");
        drop(other);
        assert!(sessions.live().is_empty());
    }

    #[tokio::test]
    async fn an_unchanged_standing_wakes_nobody() {
        let bus = Bus::new(16, true);
        let sessions = Arc::new(Sessions::default());
        let s = sub(&bus, &sessions, "steady", all_kinds(), far());
        let now = match &*s.access.borrow() {
            Access::Granted(p) => (**p).clone(),
            Access::Revoked(_) => panic!("granted at first"),
        };
        s._standing.update(Access::Granted(Arc::new(Principal { name: "renamed".into(), ..now.clone() })));
        assert!(!s.access.has_changed().expect("sender alive"), "a new name changes nobody's access");
        s._standing.update(Access::Granted(Arc::new(Principal { roles: vec![Role::Dashboard], ..now })));
        assert!(s.access.has_changed().expect("sender alive"));
    }
}
