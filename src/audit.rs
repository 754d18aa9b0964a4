//! The audit trail: who did or read what, when, from where. Every mutation appends its row in
//! its own transaction ([`write`]); every read of a case by a court trainee appends one too
//! (`graphql::trainee_read`, and the case loader for reads through relations). Admins read the trail
//! through `auditLog` ([`list`]).

pub mod schema;

use chrono::{DateTime, Utc};
use entity::audit_log;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageInfo, page_by_time};

/// Appends one audit row per target, in the caller's transaction (so a rolled-back write
/// leaves no audit row, and a committed one always has its row).
pub async fn write(
    db: &impl ConnectionTrait,
    p: Option<&Principal>,
    action: &str,
    targets: &[Uuid],
    detail: serde_json::Value,
) -> AppResult<()> {
    Ok(insert(db, p, action, targets, detail).await?)
}

/// [`write`] with the database's own error, for loaders (whose errors are `DbErr`).
pub async fn insert(
    db: &impl ConnectionTrait,
    p: Option<&Principal>,
    action: &str,
    targets: &[Uuid],
    detail: serde_json::Value,
) -> Result<(), DbErr> {
    if targets.is_empty() {
        return Ok(());
    }
    audit_log::Entity::insert_many(rows(p, action, targets, &detail, Utc::now())).exec_without_returning(db).await?;
    Ok(())
}

/// The audit rows [`write`] appends, for a writer that inserts them together with its own rows
/// (`submitRecord` inserts a record's row in the statement that inserts the record).
pub fn rows(
    p: Option<&Principal>,
    action: &str,
    targets: &[Uuid],
    detail: &serde_json::Value,
    at: DateTime<Utc>,
) -> Vec<audit_log::ActiveModel> {
    let detail = detail.to_string();
    targets
        .iter()
        .map(|t| audit_log::ActiveModel {
            id: Set(Uuid::now_v7()),
            at: Set(at),
            user_id: Set(p.map(|p| p.user_id)),
            action: Set(action.to_string()),
            target_id: Set(Some(*t)),
            client_addr: Set(p.and_then(|p| p.client_addr.clone())),
            detail: Set(detail.clone()),
        })
        .collect()
}

/// The action of a court trainee's case read.
pub const READ_CASE: &str = "read:case";

/// A parsed `AuditFilter`; every condition combines with AND.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub user_id: Option<Uuid>,
    /// An exact action (`read:case`), or a prefix when it ends with `*` (`mutation:*`).
    pub action: Option<String>,
    pub target_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    fn condition(&self) -> Condition {
        let mut cond = Condition::all();
        if let Some(u) = self.user_id {
            cond = cond.add(audit_log::Column::UserId.eq(u));
        }
        match self.action.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            Some(a) if a.ends_with('*') => {
                cond = cond
                    .add(Expr::col(audit_log::Column::Action).like(crate::sql::starts_with(a.trim_end_matches('*'))))
            }
            Some(a) => cond = cond.add(audit_log::Column::Action.eq(a)),
            None => {}
        }
        if let Some(t) = self.target_id {
            cond = cond.add(audit_log::Column::TargetId.eq(t));
        }
        if let Some(from) = self.from {
            cond = cond.add(audit_log::Column::At.gte(from));
        }
        if let Some(to) = self.to {
            cond = cond.add(audit_log::Column::At.lte(to));
        }
        cond
    }
}

const TAG: &str = "auditLog:at_desc";

/// One page of the trail, newest first; admins only (the trail names who read what).
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    filter: &AuditFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, audit_log::Model)>, PageInfo, Condition)> {
    if !p.is_admin() {
        return Err(AppError::Forbidden("only admins read the audit log".into()));
    }
    let page = Page::forward(first, after, TAG)?;
    let cond = filter.condition();
    let query = audit_log::Entity::find().filter(cond.clone());
    let columns = (audit_log::Column::At, audit_log::Column::Id);
    let (edges, info) = page_by_time(db, query, &page, (TAG, true), columns, |a| (a.at, a.id)).await?;
    Ok((edges, info, cond))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_prefix_matches_its_wildcards_literally() {
        let f = AuditFilter { action: Some("mutation:*".into()), ..Default::default() };
        let sql = sea_orm::sea_query::Query::select()
            .column(audit_log::Column::Id)
            .from(audit_log::Entity)
            .cond_where(f.condition())
            .to_string(sea_orm::sea_query::PostgresQueryBuilder);
        assert!(sql.contains(r"LIKE 'mutation:%'"), "{sql}");
        let sql = sea_orm::sea_query::Query::select()
            .column(audit_log::Column::Id)
            .from(audit_log::Entity)
            .cond_where(AuditFilter { action: Some("a_b*".into()), ..Default::default() }.condition())
            .to_string(sea_orm::sea_query::PostgresQueryBuilder);
        assert!(sql.contains(r"a\\_b%"), "{sql}");
    }
}
