//! `statisticsUpdated`: live figures for dashboards, coalesced and shared.
//!
//! Subscribers of the same year and scope share one *feed*: a task that computes the figures
//! once, then waits for a change (a committed case event from the bus, which on PostgreSQL
//! carries every instance's events; an oversight write on this instance; or, for oversight
//! writes on other instances, a periodic refresh), lets a burst settle for [`COALESCE`], and
//! computes again once. A burst of 1,000 filings therefore costs a handful of computations
//! and a handful of messages per subscriber, however many dashboards watch. Each subscriber
//! holds only a `watch` receiver of the latest figures, so a slow one never queues; it skips
//! to the newest. The feed ends when its last subscriber leaves.
//!
//! On PostgreSQL an oversight write also sends `NOTIFY casebridge_stats` after its commit, and
//! every instance's event listener (`events::pg::listen`, on the same connection as the case
//! events) turns it into a local change signal, so dashboards on every instance see it at
//! once; after a lost connection the listener signals a change too.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use async_graphql::{Context, ID, Result, Subscription};
use chrono::{DateTime, Utc};
use futures_util::Stream;
use tokio::sync::{broadcast, watch};

use super::schema::{StatisticsObject, parse_scope};
use super::service::{self, Figures, Scope};
use crate::auth::sessions::{Access, Standing};
use crate::error::AppError;
use crate::events::subscriptions::Session;
use crate::graphql::context::{AppState, principal, state};

/// How long a burst of changes settles before the figures are computed again.
pub const COALESCE: Duration = Duration::from_millis(250);
/// Figures are recomputed at least this often while watched (oversight writes made on
/// another instance reach dashboards this way).
pub const REFRESH: Duration = Duration::from_secs(30);

type Key = (i32, Scope);

struct Feed {
    rx: watch::Receiver<Option<Result<Arc<Figures>, String>>>,
}

/// The live feeds of this instance.
#[derive(Clone, Default)]
pub struct LiveStats {
    feeds: Arc<Mutex<HashMap<Key, Weak<Feed>>>>,
}

impl LiveStats {
    fn feed(&self, state: &AppState, key: Key) -> Arc<Feed> {
        let mut feeds = self.feeds.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(feed) = feeds.get(&key).and_then(Weak::upgrade) {
            return feed;
        }
        feeds.retain(|_, f| f.strong_count() > 0);
        let (tx, rx) = watch::channel(None);
        let feed = Arc::new(Feed { rx });
        feeds.insert(key.clone(), Arc::downgrade(&feed));
        tokio::spawn(run(state.clone(), key, tx, state.bus.watch_figures(), state.bus.subscribe()));
        feed
    }
}

async fn compute(state: &AppState, (year, scope): &Key) -> Result<Arc<Figures>, String> {
    let today = crate::calendar::today();
    state.metrics.statistics_recomputed();
    service::compute(&state.db, &state.calendar, state.settings.rules.transfer_answer_days, scope, *year, today)
        .await
        .map(Arc::new)
        .map_err(|e| e.message())
}

/// The feed's task: compute, wait for a change, let the burst settle, compute again.
async fn run(
    state: AppState,
    key: Key,
    tx: watch::Sender<Option<Result<Arc<Figures>, String>>>,
    mut changed: watch::Receiver<u64>,
    mut events: broadcast::Receiver<Arc<entity::case_event::Model>>,
) {
    loop {
        let figures = compute(&state, &key).await;
        let same = matches!((&*tx.borrow(), &figures), (Some(Ok(a)), Ok(b)) if same_figures(a, b));
        if !same {
            tx.send_replace(Some(figures));
        }
        // Wait for a change, or the periodic refresh; stop when nobody listens.
        tokio::select! {
            r = events.recv() => {
                if matches!(r, Err(broadcast::error::RecvError::Closed)) {
                    return;
                }
            }
            r = changed.changed() => {
                if r.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep(REFRESH) => {}
            _ = tx.closed() => return,
        }
        // Coalesce: let the burst settle, then drop what queued meanwhile.
        tokio::time::sleep(COALESCE).await;
        while let Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) = events.try_recv() {}
        changed.borrow_and_update();
        if tx.receiver_count() == 0 {
            return;
        }
    }
}

/// Equal figures apart from when they were computed: no message for a change that moved
/// nothing in this scope.
fn same_figures(a: &Figures, b: &Figures) -> bool {
    Figures { computed_at: b.computed_at, ..a.clone() } == *b
}

struct Sub {
    scope: Scope,
    rx: watch::Receiver<Option<Result<Arc<Figures>, String>>>,
    _feed: Arc<Feed>,
    /// Keeps the login watched (re-read with every other subscribed login, in batches).
    _standing: Arc<Standing>,
    access: watch::Receiver<Access>,
    expiry: Pin<Box<tokio::time::Sleep>>,
    first: bool,
    done: bool,
}

impl Sub {
    async fn next(&mut self) -> Option<Result<StatisticsObject>> {
        if self.done {
            return None;
        }
        loop {
            if !self.first {
                tokio::select! {
                    biased;
                    _ = &mut self.expiry => {
                        return self.end(AppError::Unauthenticated("the token has expired; subscribe again with a new one".into()));
                    }
                    changed = self.access.changed() => {
                        if changed.is_err() {
                            return None;
                        }
                        if let Err(e) = self.allowed() {
                            return self.end(e);
                        }
                        continue;
                    }
                    r = self.rx.changed() => {
                        if r.is_err() {
                            return None;
                        }
                    }
                }
            } else if self.rx.borrow().is_none() && self.rx.changed().await.is_err() {
                return None;
            }
            self.first = false;
            let current = self.rx.borrow_and_update().clone();
            match current {
                Some(Ok(f)) => return Some(Ok(StatisticsObject(f))),
                Some(Err(message)) => return self.end(AppError::internal(message)),
                None => continue,
            }
        }
    }

    /// A deactivated user, or one whose roles no longer cover the scope, is cut off.
    fn allowed(&self) -> Result<(), AppError> {
        match &*self.access.borrow() {
            Access::Granted(p) => service::authorize(p, &self.scope),
            Access::Revoked(why) => Err(AppError::Unauthenticated((*why).into())),
        }
    }

    fn end(&mut self, e: AppError) -> Option<Result<StatisticsObject>> {
        self.done = true;
        Some(Err(e.into()))
    }
}

#[derive(Default)]
pub struct StatisticsSubscription;

#[Subscription]
impl StatisticsSubscription {
    /// The figures of `statistics(year, departmentId, town)`: sent at once, then again after
    /// each change that moves them, a burst of changes coalesced into one message (within
    /// about a quarter of a second). Same roles as the query.
    async fn statistics_updated(
        &self,
        ctx: &Context<'_>,
        year: i32,
        department_id: Option<ID>,
        town: Option<String>,
    ) -> Result<impl Stream<Item = Result<StatisticsObject>> + use<>> {
        let p = principal(ctx)?;
        let scope = parse_scope(department_id.as_ref(), town)?;
        service::authorize(p, &scope)?;
        if !service::YEARS.contains(&year) {
            return Err(AppError::bad_input("year", "not a year the statistics cover").into());
        }
        let state = state(ctx)?;
        let live = ctx
            .data_opt::<LiveStats>()
            .ok_or_else(|| AppError::Internal("the schema carries no live statistics".into()))?;
        let feed = live.feed(state, (year, scope.clone()));
        let standing = state.sessions.watch(p, &state.db, state.settings.subscription_recheck, state.bus.watch_users());
        let expires_at = ctx.data_opt::<Session>().map_or(DateTime::<Utc>::MAX_UTC, |s| s.expires_at);
        let sub = Sub {
            rx: feed.rx.clone(),
            _feed: feed,
            access: standing.access(),
            _standing: standing,
            scope,
            expiry: Box::pin(tokio::time::sleep((expires_at - Utc::now()).to_std().unwrap_or(Duration::ZERO))),
            first: true,
            done: false,
        };
        Ok(futures_util::stream::unfold(sub, |mut sub| async move { sub.next().await.map(|item| (item, sub)) }))
    }
}
