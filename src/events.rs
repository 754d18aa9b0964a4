//! The case timeline and its delivery. Every write that changes a case appends its event in
//! the same transaction ([`append`]); subscribers see it only once that transaction commits:
//!
//! - on SQLite (one process), the caller hands the returned events to [`Bus::publish`] after
//!   the commit;
//! - on PostgreSQL (any number of instances), [`append`] also queues `pg_notify` with the
//!   event's id inside the transaction, which PostgreSQL delivers only on commit; every
//!   instance's listener (`pg.rs`) loads the events and feeds its own bus, replaying from the
//!   log after a lost connection. `Bus::publish` is then a no-op, so nothing is sent twice.
//!
//! Each committed event goes out once as a [`Committed`], shared by every subscriber of the
//! instance: the first one that needs to know who may read the event's case loads that once
//! ([`Committed::case_access`]), and every subscriber decides in memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use entity::case_event;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use tokio::sync::{OnceCell, broadcast, watch};
use uuid::Uuid;

use crate::auth::visibility::CaseAccess;

pub mod detail;
/// `cockpitFeed`, the cockpit's live feed (an API-layer file, like `subscriptions`).
pub mod feed {
    pub mod subscriptions;
}
pub mod pg;
pub mod schema;
pub mod subscriptions;
pub mod transfer;

/// The PostgreSQL channel that carries committed event ids between instances.
pub const CHANNEL: &str = "casebridge_events";
/// The PostgreSQL channel that carries "the figures changed" between instances.
pub const FIGURES_CHANNEL: &str = "casebridge_stats";
/// The PostgreSQL channel that carries "a user's access changed" (deactivated, roles, department)
/// between instances: their subscribers are re-read at once.
pub const USERS_CHANNEL: &str = "casebridge_users";
/// The PostgreSQL channel that carries committed transfer event ids (`transfer::append`).
pub const TRANSFER_CHANNEL: &str = "casebridge_transfer_events";

pub use detail::EventDetail;

/// What happened to a case, before it is stored. The kind is the detail's: one typed detail
/// per kind ([`EventDetail`]).
pub struct NewEvent {
    pub case_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub transfer_id: Option<Uuid>,
    pub record_id: Option<Uuid>,
    pub case_version: i32,
    pub detail: EventDetail,
}

impl NewEvent {
    /// The row this event becomes under `id` (the demo writes its rows in bulk through this
    /// too, so its timeline has the server's shapes).
    pub fn into_model(self, id: Uuid) -> case_event::Model {
        case_event::Model {
            id,
            case_id: self.case_id,
            kind: self.detail.kind(),
            at: self.at,
            actor_id: self.actor_id,
            transfer_id: self.transfer_id,
            record_id: self.record_id,
            case_version: self.case_version,
            detail: self.detail.to_json(),
        }
    }
}

/// Appends one event to a case's timeline inside the caller's transaction.
pub async fn append(txn: &impl ConnectionTrait, event: NewEvent) -> Result<case_event::Model, DbErr> {
    let model = event.into_model(Uuid::now_v7());
    let active: case_event::ActiveModel = case_event::ActiveModel {
        id: Set(model.id),
        case_id: Set(model.case_id),
        kind: Set(model.kind),
        at: Set(model.at),
        actor_id: Set(model.actor_id),
        transfer_id: Set(model.transfer_id),
        record_id: Set(model.record_id),
        case_version: Set(model.case_version),
        detail: Set(model.detail.clone()),
    };
    case_event::Entity::insert(active).exec_without_returning(txn).await?;
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Delivered by PostgreSQL on commit, never on rollback (NOTIFY is transactional).
        let stmt = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_notify($1, $2)",
            [CHANNEL.into(), notification(std::slice::from_ref(&model)).into()],
        );
        txn.execute_raw(stmt).await?;
    }
    Ok(model)
}

/// PostgreSQL refuses a NOTIFY payload of 8000 bytes or more.
const MAX_PAYLOAD: usize = 7999;

/// A committed event as its NOTIFY carries it, so that the listeners need not read it back.
#[derive(serde::Serialize, serde::Deserialize)]
struct Carried {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    transfer_id: Option<Uuid>,
    record_id: Option<Uuid>,
    case_version: i32,
    detail: String,
}

/// The payload of the NOTIFY on [`CHANNEL`] for `events` (appended in one transaction): the
/// events themselves as a JSON array when it fits in a payload and each is exactly what the
/// database stores (times at whole microseconds, which PostgreSQL keeps), else their ids,
/// comma-separated, which every listener reads back from the log ([`pg::decode`]).
pub fn notification(events: &[case_event::Model]) -> String {
    use chrono::Timelike;
    let ids = || events.iter().map(|e| e.id.to_string()).collect::<Vec<_>>().join(",");
    if events.iter().any(|e| e.at.nanosecond() % 1000 != 0) {
        return ids();
    }
    let carried: Vec<Carried> = events
        .iter()
        .map(|e| Carried {
            id: e.id,
            case_id: e.case_id,
            kind: e.kind.as_str().to_string(),
            at: e.at,
            actor_id: e.actor_id,
            transfer_id: e.transfer_id,
            record_id: e.record_id,
            case_version: e.case_version,
            detail: e.detail.clone(),
        })
        .collect();
    match serde_json::to_string(&carried) {
        Ok(json) if json.len() <= MAX_PAYLOAD => json,
        _ => ids(),
    }
}

/// The events a [`notification`] carries (`None`: it carries ids, or cannot be read).
fn carried_events(payload: &str) -> Option<Vec<case_event::Model>> {
    if !payload.starts_with('[') {
        return None;
    }
    let carried: Vec<Carried> = serde_json::from_str(payload).ok()?;
    carried
        .into_iter()
        .map(|c| {
            Some(case_event::Model {
                id: c.id,
                case_id: c.case_id,
                kind: entity::enums::CaseEventKind::parse(&c.kind)?,
                at: c.at,
                actor_id: c.actor_id,
                transfer_id: c.transfer_id,
                record_id: c.record_id,
                case_version: c.case_version,
                detail: c.detail,
            })
        })
        .collect()
}

/// A committed event as subscribers receive it, with what the read rules need about its case,
/// loaded by whichever subscriber asks first and shared by all the others.
pub struct Committed {
    pub event: case_event::Model,
    case: OnceCell<Result<Option<CaseAccess>, DbErr>>,
    /// The case row, for subscribers who ask for `case { … }`: loaded once per event too.
    row: OnceCell<Result<Option<entity::case::Model>, DbErr>>,
}

impl Committed {
    pub fn new(event: case_event::Model) -> Self {
        Self { event, case: OnceCell::new(), row: OnceCell::new() }
    }

    /// The event's case row, loaded by the first subscriber that asks and shared by all the
    /// others (their read rights were settled when the event was admitted).
    pub async fn case_row(&self, db: &impl ConnectionTrait) -> Result<Option<entity::case::Model>, DbErr> {
        self.row.get_or_init(|| entity::case::Entity::find_by_id(self.event.case_id).one(db)).await.clone()
    }

    /// Who may read the event's case (`None`: the case does not exist). One load per event
    /// and instance however many subscribers ask; a failed load is shared too, so an outage
    /// costs one query per event, not one per subscriber.
    pub async fn case_access(&self, db: &impl ConnectionTrait) -> Result<Option<&CaseAccess>, DbErr> {
        let loaded = self.case.get_or_init(|| CaseAccess::load(db, self.event.case_id)).await;
        match loaded {
            Ok(access) => Ok(access.as_ref()),
            Err(e) => Err(e.clone()),
        }
    }
}

/// In-process fan-out of committed events. Subscribers that fall behind the buffer are told
/// they lagged (tokio's broadcast), never silently skipped.
#[derive(Clone)]
pub struct Bus {
    sender: broadcast::Sender<Arc<case_event::Model>>,
    committed: broadcast::Sender<Arc<Committed>>,
    /// Committed events of transfers without a case ([`transfer`]), for `caseEvents`.
    transfers: broadcast::Sender<Arc<entity::transfer_event::Model>>,
    /// False when a PostgreSQL listener feeds the bus (it also sees this instance's events).
    local: bool,
    /// Bumped when a figure of the statistics moved without a case event (a notice, a
    /// training …): the live statistics recompute.
    figures: watch::Sender<u64>,
    /// Bumped when an admin changed a user's access: subscribers are re-read at once.
    users: watch::Sender<u64>,
    /// Whether every `users` signal reaches this instance now: always in one process; on
    /// PostgreSQL while the listener listens (what is cached on the signal's word is not used
    /// meanwhile).
    users_live: Arc<AtomicBool>,
    /// Where the fan-out lag is reported ([`Bus::report_to`]); set once at start-up.
    metrics: Arc<std::sync::OnceLock<Arc<crate::metrics::Metrics>>>,
}

impl Default for Bus {
    fn default() -> Self {
        Self::new(4096, true)
    }
}

impl Bus {
    /// `capacity`: events a subscriber may fall behind before it is told it lagged.
    pub fn new(capacity: usize, local: bool) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        let (committed, _) = broadcast::channel(capacity);
        let (transfers, _) = broadcast::channel(capacity);
        Self {
            sender,
            committed,
            transfers,
            local,
            figures: watch::channel(0).0,
            users: watch::channel(0).0,
            users_live: Arc::new(AtomicBool::new(local)),
            metrics: Arc::default(),
        }
    }

    /// Reports each delivered event's fan-out lag (from its `at`, stamped in the writing
    /// transaction, to its hand-over here) to `metrics`.
    pub fn report_to(&self, metrics: Arc<crate::metrics::Metrics>) {
        let _ = self.metrics.set(metrics);
    }

    /// Publishes committed events (call after `commit`). With a PostgreSQL listener this does
    /// nothing: the events come back through LISTEN, on this instance and every other.
    pub fn publish(&self, events: impl IntoIterator<Item = case_event::Model>) {
        if self.local {
            self.deliver(events);
        }
    }

    /// Hands events to this instance's subscribers.
    pub fn deliver(&self, events: impl IntoIterator<Item = case_event::Model>) {
        let metrics = self.metrics.get();
        for event in events {
            if let Some(metrics) = metrics {
                metrics.fanout_lag((Utc::now() - event.at).to_std().unwrap_or_default());
            }
            // No subscriber is not an error; a channel nobody listens to stores nothing.
            if self.sender.receiver_count() > 0 {
                let _ = self.sender.send(Arc::new(event.clone()));
            }
            let _ = self.committed.send(Arc::new(Committed::new(event)));
        }
    }

    /// Publishes committed transfer events (call after `commit`); like [`publish`](Self::publish),
    /// a no-op when a PostgreSQL listener feeds the bus.
    pub fn publish_transfer(&self, events: impl IntoIterator<Item = entity::transfer_event::Model>) {
        if self.local {
            self.deliver_transfer(events);
        }
    }

    /// Hands transfer events to this instance's subscribers.
    pub fn deliver_transfer(&self, events: impl IntoIterator<Item = entity::transfer_event::Model>) {
        for event in events {
            let _ = self.transfers.send(Arc::new(event));
        }
    }

    /// Transfer events (of transfers without a case), for `caseEvents`.
    pub fn subscribe_transfers(&self) -> broadcast::Receiver<Arc<entity::transfer_event::Model>> {
        self.transfers.subscribe()
    }

    /// The bare events, for in-process consumers that need no visibility check.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<case_event::Model>> {
        self.sender.subscribe()
    }

    /// Events with their shared visibility facts, for `caseEvents`.
    pub fn subscribe_committed(&self) -> broadcast::Receiver<Arc<Committed>> {
        self.committed.subscribe()
    }

    /// A committed write moved a figure without a case event: this instance's live
    /// statistics recompute.
    pub fn figures_changed_here(&self) {
        self.figures.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// [`figures_changed_here`](Self::figures_changed_here), and on PostgreSQL the same on
    /// every other instance (`NOTIFY casebridge_stats`, which each listener turns into a local
    /// signal). Call after the write committed.
    pub fn figures_changed(&self, db: &sea_orm::DatabaseConnection) {
        self.figures_changed_here();
        notify_others(db, FIGURES_CHANNEL);
    }

    /// A user's access changed on this instance's database: its subscribers are re-read now.
    pub fn users_changed_here(&self) {
        self.users.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// [`users_changed_here`](Self::users_changed_here), and on PostgreSQL on every other
    /// instance (`NOTIFY casebridge_users`). Call after the write committed: revoking a user
    /// takes effect at once, on open subscriptions too.
    pub fn users_changed(&self, db: &sea_orm::DatabaseConnection) {
        self.users_changed_here();
        notify_others(db, USERS_CHANNEL);
    }

    /// Wakes on every "a user's access changed" signal.
    pub fn watch_users(&self) -> watch::Receiver<u64> {
        self.users.subscribe()
    }

    /// Whether the "a user's access changed" signal reaches this instance now (false while the
    /// PostgreSQL listener is not listening), shared with whoever caches on its word.
    pub fn users_live(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.users_live)
    }

    /// The PostgreSQL listener listens (`true`, after it signalled that users may have changed
    /// in its gap) or lost its connection (`false`).
    pub(crate) fn set_users_live(&self, live: bool) {
        self.users_live.store(live, Ordering::Release);
    }

    /// Wakes on every "the figures changed" signal.
    pub fn watch_figures(&self) -> watch::Receiver<u64> {
        self.figures.subscribe()
    }
}

/// `NOTIFY channel` on PostgreSQL, in the background (each instance's listener turns it into a
/// local signal); nothing on SQLite, which has one instance.
fn notify_others(db: &sea_orm::DatabaseConnection, channel: &'static str) {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        let notify = sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT pg_notify($1, '')",
            [channel.into()],
        );
        if let Err(e) = db.execute_raw(notify).await {
            tracing::warn!(error = %e, channel, "could not notify the other instances");
        }
    });
}
