//! The audit trail: who did or read what, when, from where.

use async_graphql::Context;
use chrono::Utc;
use entity::audit_log;
use entity::enums::Role;
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::AppResult;
use crate::graphql::state;

/// Appends one audit row per target, in the caller's transaction (so a rolled-back write
/// leaves no audit row, and a committed one always has its row).
pub async fn write(
    db: &impl ConnectionTrait,
    p: Option<&Principal>,
    action: &str,
    targets: &[Uuid],
    detail: serde_json::Value,
) -> AppResult<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let rows = targets.iter().map(|t| audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(now),
        user_id: Set(p.map(|p| p.user_id)),
        action: Set(action.to_string()),
        target_id: Set(Some(*t)),
        client_addr: Set(p.and_then(|p| p.client_addr.clone())),
        detail: Set(detail.to_string()),
    });
    audit_log::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

/// Every read of a case by a court trainee is itself audited (rules.md).
pub async fn trainee_read(ctx: &Context<'_>, p: &Principal, case_ids: &[Uuid]) -> AppResult<()> {
    if !p.has(Role::CourtTrainee) {
        return Ok(());
    }
    write(&state(ctx).db, Some(p), "read:case", case_ids, serde_json::json!({})).await
}
