//! The standing of every login that holds a live subscription on this instance: re-read for
//! all of them at once every `subscription_recheck`, in a few batched queries, so that a
//! deactivated user's subscriptions end, and a changed role applies, within that time however
//! many subscribers there are. Shared by `caseEvents` and `statisticsUpdated`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use entity::{department, user, user_role};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::Principal;

/// Logins per batched query when subscribers are re-read (well under SQLite's and
/// PostgreSQL's limits on bound parameters).
const LOGINS_PER_QUERY: usize = 500;

/// Whether a subscribed login may still read, as last read from the database.
#[derive(Clone)]
pub enum Access {
    Granted(Arc<Principal>),
    /// Unknown or deactivated: why, for the closing error.
    Revoked(&'static str),
}

/// One subscribed login, shared by all its subscriptions on this instance.
pub struct Standing {
    login: String,
    access: watch::Sender<Access>,
}

/// The roles, department and town the read rules look at.
fn same_access(a: &Principal, b: &Principal) -> bool {
    a.user_id == b.user_id
        && a.department_id == b.department_id
        && a.department_kind == b.department_kind
        && a.town == b.town
        && a.roles == b.roles
}

impl Standing {
    /// The login's standing, changing only when something the read rules check changed.
    pub fn access(&self) -> watch::Receiver<Access> {
        self.access.subscribe()
    }

    /// Subscribers wake only when something they check changed.
    pub fn update(&self, next: Access) {
        self.access.send_if_modified(|current| {
            let changed = match (&*current, &next) {
                (Access::Granted(a), Access::Granted(b)) => !same_access(a, b),
                (Access::Revoked(a), Access::Revoked(b)) => a != b,
                _ => true,
            };
            if changed {
                *current = next;
            }
            changed
        });
    }
}

/// The standing of every subscribed login on this instance, re-read together every
/// `subscription_recheck` (at least a second apart) by one task, so that a deactivated user's
/// subscriptions end, and a changed role applies, within that time, for a few queries per
/// round however many subscribers there are.
#[derive(Default)]
pub struct Sessions {
    by_login: Mutex<HashMap<String, Weak<Standing>>>,
    refresher: Mutex<Option<JoinHandle<()>>>,
}

impl Sessions {
    /// Registers a subscription of `principal` (just loaded, so the freshest standing of its
    /// login) and makes sure the re-reading task runs: every `every`, and at once whenever
    /// `wake` changes (an admin changed a user's access, here or on another instance).
    pub fn watch(
        self: &Arc<Self>,
        principal: &Principal,
        db: &DatabaseConnection,
        every: Duration,
        wake: watch::Receiver<u64>,
    ) -> Arc<Standing> {
        let mut task = self.refresher.lock().unwrap_or_else(PoisonError::into_inner);
        if task.as_ref().is_none_or(JoinHandle::is_finished) {
            // Started from the first subscription (and again if its worker went away).
            *task = Some(tokio::spawn(reread(Arc::downgrade(self), db.clone(), every, wake)));
        }
        drop(task);
        let granted = Access::Granted(Arc::new(Principal { client_addr: None, ..principal.clone() }));
        let mut by_login = self.by_login.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(standing) = by_login.get(&principal.login).and_then(Weak::upgrade) {
            standing.update(granted);
            return standing;
        }
        let standing = Arc::new(Standing { login: principal.login.clone(), access: watch::channel(granted).0 });
        by_login.insert(principal.login.clone(), Arc::downgrade(&standing));
        standing
    }

    /// Logins with a live subscription; forgets the others.
    pub fn live(&self) -> Vec<Arc<Standing>> {
        let mut by_login = self.by_login.lock().unwrap_or_else(PoisonError::into_inner);
        by_login.retain(|_, weak| weak.strong_count() > 0);
        by_login.values().filter_map(Weak::upgrade).collect()
    }
}

/// Re-reads every subscribed login each round, and when woken, until the sessions are gone.
async fn reread(sessions: Weak<Sessions>, db: DatabaseConnection, every: Duration, mut wake: watch::Receiver<u64>) {
    let mut round = tokio::time::interval(every.max(Duration::from_secs(1)));
    round.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    round.tick().await;
    let mut wakes = true;
    loop {
        tokio::select! {
            _ = round.tick() => {}
            changed = wake.changed(), if wakes => {
                // The bus went away (tests that build sessions alone): rounds only.
                wakes = changed.is_ok();
                if !wakes {
                    continue;
                }
            }
        }
        let Some(live) = sessions.upgrade().map(|s| s.live()) else { return };
        if live.is_empty() {
            continue;
        }
        let logins: Vec<&str> = live.iter().map(|s| s.login.as_str()).collect();
        match load_access(&db, &logins).await {
            Ok(mut found) => {
                for standing in &live {
                    standing.update(found.remove(&standing.login).unwrap_or(Access::Revoked("unknown user")));
                }
            }
            // Subscribers keep their last standing until the database answers again.
            Err(e) => tracing::warn!(error = %e, "caseEvents: re-reading subscribers failed; retrying next round"),
        }
    }
}

/// `Principal::load` for many logins in a few queries: users, their departments, their roles.
async fn load_access(db: &DatabaseConnection, logins: &[&str]) -> Result<HashMap<String, Access>, DbErr> {
    let mut out = HashMap::new();
    for chunk in logins.chunks(LOGINS_PER_QUERY) {
        let users = user::Entity::find().filter(user::Column::Login.is_in(chunk.iter().copied())).all(db).await?;
        let department_ids: Vec<Uuid> = users.iter().map(|u| u.department_id).collect();
        let departments: HashMap<Uuid, department::Model> = department::Entity::find()
            .filter(department::Column::Id.is_in(department_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect();
        let mut roles: HashMap<Uuid, Vec<entity::enums::Role>> = HashMap::new();
        let user_ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
        for r in user_role::Entity::find().filter(user_role::Column::UserId.is_in(user_ids)).all(db).await? {
            roles.entry(r.user_id).or_default().push(r.role);
        }
        for u in users {
            let access = match departments.get(&u.department_id) {
                _ if !u.active => Access::Revoked("the user is deactivated"),
                Some(d) => {
                    let roles = roles.remove(&u.id).unwrap_or_default();
                    Access::Granted(Arc::new(Principal::from_rows(u.clone(), d.clone(), roles)))
                }
                None => Access::Revoked("the user has no department"),
            };
            out.insert(u.login, access);
        }
    }
    Ok(out)
}
