//! What every oversight write shares: a transaction that, once committed, tells the live
//! statistics the figures changed (here and, on PostgreSQL, on every other instance); its
//! audit row; and the checks of text and of the case a record is about.

use chrono::Utc;
use entity::enums::CaseStatus;
use entity::{case, case_event};
use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};
use crate::events::Bus;

/// Where oversight writes go: the database, and the bus told of every commit.
#[derive(Clone, Copy)]
pub struct Store<'a> {
    pub db: &'a DatabaseConnection,
    pub bus: &'a Bus,
}

impl<'a> Store<'a> {
    pub fn new(db: &'a DatabaseConnection, bus: &'a Bus) -> Self {
        Self { db, bus }
    }
}

/// One oversight write in flight. It commits only through [`Write::commit`] (or
/// [`Write::commit_with`]), which signals "the figures changed" after the commit: a write
/// cannot commit and forget the dashboards. Dropped uncommitted, it rolls back.
pub struct Write<'a> {
    txn: DatabaseTransaction,
    store: Store<'a>,
}

impl<'a> Write<'a> {
    pub async fn begin(store: Store<'a>) -> AppResult<Self> {
        Ok(Self { txn: crate::db::begin_write(store.db).await?, store })
    }

    /// The write's transaction, for its reads and inserts.
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The write's audit row (`mutation:<action>`), in its transaction.
    pub async fn audit(
        &self,
        p: &Principal,
        action: &str,
        targets: &[Uuid],
        detail: serde_json::Value,
    ) -> AppResult<()> {
        crate::audit::write(&self.txn, Some(p), &format!("mutation:{action}"), targets, detail).await
    }

    /// Commits, then signals that the figures changed.
    pub async fn commit(self) -> AppResult<()> {
        self.commit_with(Vec::new()).await
    }

    /// Commits, hands the case events the write appended to the bus, and signals that the
    /// figures changed.
    pub async fn commit_with(self, events: Vec<case_event::Model>) -> AppResult<()> {
        self.txn.commit().await?;
        self.store.bus.publish(events);
        self.store.bus.figures_changed(self.store.db);
        Ok(())
    }
}

const MAX_TEXT: usize = 4000;

/// A required text: trimmed, not empty, at most 4,000 characters.
pub fn text(field: &str, value: &str) -> AppResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AppError::bad_input(field, "may not be empty"));
    }
    if v.chars().count() > MAX_TEXT {
        return Err(AppError::bad_input(field, format!("at most {MAX_TEXT} characters")));
    }
    Ok(v.to_owned())
}

pub fn opt_text(field: &str, value: Option<&str>) -> AppResult<Option<String>> {
    value.map(|v| text(field, v)).transpose()
}

/// A case `p` may see, for a record about it; `NOT_FOUND` otherwise.
pub async fn visible_case(db: &impl ConnectionTrait, p: &Principal, id: Uuid) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(visibility::cases(p, local_date(Utc::now())))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("case"))
}

/// A case of `p`'s own department (records about a case are the owner's).
pub async fn own_case(db: &impl ConnectionTrait, p: &Principal, id: Uuid, field: &str) -> AppResult<case::Model> {
    let c = visible_case(db, p, id).await?;
    if c.department_id != p.department_id && !p.is_admin() {
        return Err(AppError::Forbidden(format!("{field}: only the owning department records this")));
    }
    Ok(c)
}

/// Whether the case's decision is made (and may be published, challenged, delivered).
pub fn decided(c: &case::Model) -> bool {
    c.decided_at.is_some() && matches!(c.status, CaseStatus::Decided | CaseStatus::Delivered | CaseStatus::Closed)
}
