//! The principals of this instance, by login, so that a request costs no round trip to learn
//! who is calling (`Principal::load` is three statements: the user, the department, the roles).
//!
//! Invalidation is the "a user's access changed" signal (`events::Bus::users_changed`): a
//! counter that every write to users, user roles or departments bumps after it commits, on its
//! own instance at once and on every other through `NOTIFY casebridge_users`, which each
//! instance's listener turns into the same bump. The cache remembers the counter it was filled
//! under; the first lookup that sees another value empties it (simple, and correct whatever
//! changed). A load that started before a bump is not stored (it may have read the old rows).
//!
//! Where the signal may have been missed, the cache is not trusted:
//! - while the PostgreSQL listener is down (`live` false) every request loads the principal;
//!   the listener bumps the counter when it listens again, which empties the cache;
//! - an entry is at most [`MAX_AGE`] old, the bound on a write made outside casebridge (by
//!   hand in `psql`) that sends no signal.
//!
//! The cached principal has no `client_addr`: that is the request's, set per request.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use lru::LruCache;
use sea_orm::ConnectionTrait;
use tokio::sync::watch;

use super::Principal;
use crate::error::AppResult;
use crate::metrics::Metrics;

/// Logins kept per instance (the least recently used go first).
pub const CAPACITY: usize = 10_000;

/// The longest an entry is used: the bound on a change written outside casebridge.
pub const MAX_AGE: Duration = Duration::from_secs(60);

struct Inner {
    /// The signal's value the entries were loaded under.
    generation: u64,
    entries: LruCache<String, (Arc<Principal>, Instant)>,
}

impl Inner {
    /// Empties the entries when the signal moved past the value they were loaded under.
    fn follow(&mut self, generation: u64) {
        if self.generation != generation {
            self.entries.clear();
            self.generation = generation;
        }
    }
}

pub struct PrincipalCache {
    inner: Mutex<Inner>,
    /// The "a user's access changed" counter (`Bus::watch_users`).
    users: watch::Receiver<u64>,
    /// Whether that signal reaches this instance now (always on SQLite; on PostgreSQL while
    /// the listener listens).
    live: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
}

impl PrincipalCache {
    pub fn new(users: watch::Receiver<u64>, live: Arc<AtomicBool>, metrics: Arc<Metrics>) -> Self {
        Self::with_capacity(CAPACITY, users, live, metrics)
    }

    pub fn with_capacity(
        capacity: usize,
        users: watch::Receiver<u64>,
        live: Arc<AtomicBool>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let capacity = NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN);
        let generation = *users.borrow();
        Self { inner: Mutex::new(Inner { generation, entries: LruCache::new(capacity) }), users, live, metrics }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached principal of `login`, if the cache may be trusted now.
    fn cached(&self, login: &str, generation: u64) -> Option<Arc<Principal>> {
        if !self.live.load(Ordering::Acquire) {
            return None;
        }
        let mut inner = self.lock();
        inner.follow(generation);
        match inner.entries.get(login) {
            Some((principal, at)) if at.elapsed() < MAX_AGE => Some(Arc::clone(principal)),
            Some(_) => {
                inner.entries.pop(login);
                None
            }
            None => None,
        }
    }

    /// Stores a principal loaded under `generation`, unless the signal moved meanwhile.
    fn store(&self, principal: Arc<Principal>, generation: u64) {
        let mut inner = self.lock();
        if *self.users.borrow() != generation {
            return;
        }
        inner.follow(generation);
        inner.entries.put(principal.login.clone(), (principal, Instant::now()));
    }

    /// The active user `login` as a principal without `client_addr`: from the cache, or loaded
    /// (unknown or deactivated is `UNAUTHENTICATED`, never cached).
    pub async fn get(&self, db: &impl ConnectionTrait, login: &str) -> AppResult<Arc<Principal>> {
        let generation = *self.users.borrow();
        if let Some(principal) = self.cached(login, generation) {
            self.metrics.principal_cache(true);
            return Ok(principal);
        }
        self.metrics.principal_cache(false);
        let mut principal = Principal::load(db, login).await?;
        principal.client_addr = None;
        let principal = Arc::new(principal);
        self.store(Arc::clone(&principal), generation);
        Ok(principal)
    }

    /// Logins held now.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entity::enums::{DepartmentKind, Role};
    use uuid::Uuid;

    fn principal(login: &str) -> Arc<Principal> {
        Arc::new(Principal {
            user_id: Uuid::nil(),
            login: login.into(),
            name: login.into(),
            department_id: Uuid::nil(),
            department_kind: DepartmentKind::Bureau,
            town: None,
            roles: vec![Role::BureauOfficer],
            client_addr: None,
        })
    }

    fn cache(capacity: usize) -> (PrincipalCache, watch::Sender<u64>, Arc<AtomicBool>) {
        let (tx, rx) = watch::channel(0);
        let live = Arc::new(AtomicBool::new(true));
        (PrincipalCache::with_capacity(capacity, rx, Arc::clone(&live), Arc::default()), tx, live)
    }

    #[test]
    fn a_signal_empties_the_cache() {
        let (c, tx, _) = cache(10);
        c.store(principal("a"), 0);
        assert!(c.cached("a", 0).is_some());
        tx.send_modify(|n| *n += 1);
        assert!(c.cached("a", *tx.borrow()).is_none());
        assert!(c.is_empty());
    }

    #[test]
    fn a_load_that_started_before_a_signal_is_not_stored() {
        let (c, tx, _) = cache(10);
        tx.send_modify(|n| *n += 1);
        c.store(principal("a"), 0);
        assert!(c.is_empty());
    }

    #[test]
    fn nothing_is_served_while_the_signal_may_be_missed() {
        let (c, _, live) = cache(10);
        c.store(principal("a"), 0);
        live.store(false, Ordering::Release);
        assert!(c.cached("a", 0).is_none());
        live.store(true, Ordering::Release);
        assert!(c.cached("a", 0).is_some());
    }

    #[test]
    fn the_size_is_bounded() {
        let (c, _, _) = cache(2);
        for login in ["a", "b", "c"] {
            c.store(principal(login), 0);
        }
        assert_eq!(c.len(), 2);
        assert!(c.cached("a", 0).is_none(), "the least recently used went first");
    }
}
