//! Patrol actions and matter claims: the officers' writes, the empowerment check they share,
//! and the lists.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{PatrolKind, Role};
use entity::{matter_claim, matter_empowerment, patrol_action};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::{effective_at, local_date};
use crate::config::Rules;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, opt_text, text};

pub struct NewPatrol {
    pub kind: PatrolKind,
    pub town: Option<String>,
    pub matter_id: Option<Uuid>,
    pub place: String,
    pub note: Option<String>,
    /// R14: when it happened (default now).
    pub effective_at: Option<DateTime<Utc>>,
}

/// A patrol action; an INSPECTION is a town team's check of a matter empowered to its town
/// on the day it happened. It occurred at `effectiveAt` (R14, default now).
pub async fn record_patrol(
    store: Store<'_>,
    rules: &Rules,
    p: &Principal,
    n: NewPatrol,
) -> AppResult<patrol_action::Model> {
    access::officer(p)?;
    let place = text("input.place", &n.place)?;
    let now = Utc::now();
    let at = effective_at(rules.backdate_days, n.effective_at, now, None)?;
    let today = local_date(at);
    let town = if p.has(Role::TownOfficer) { p.town.clone() } else { n.town.clone() };
    let w = Write::begin(store).await?;
    let txn = w.txn();
    if n.kind == PatrolKind::Inspection {
        let (Some(matter_id), Some(t)) = (n.matter_id, p.town.as_ref().filter(|_| p.has(Role::TownOfficer))) else {
            return Err(AppError::bad_input(
                "input.matterId",
                "an inspection is a town team's check of an empowered matter",
            ));
        };
        empowered(txn, matter_id, t, today).await?;
    }
    let row = patrol_action::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        town,
        kind: n.kind,
        matter_id: n.matter_id,
        occurred_at: at,
        place,
        note: opt_text("input.note", n.note.as_deref())?,
        officer_id: Some(p.user_id),
        created_at: now,
    }
    .into_active_model()
    .insert(txn)
    .await?;
    w.audit(
        p,
        "recordPatrolAction",
        &[row.id],
        serde_json::json!({
            "kind": n.kind.as_str(),
            "effectiveAt": at.to_rfc3339(),
            "recordedAt": now.to_rfc3339(),
        }),
    )
    .await?;
    w.commit().await?;
    Ok(row)
}

async fn empowered(db: &impl ConnectionTrait, matter_id: Uuid, town: &str, day: NaiveDate) -> AppResult<()> {
    let n = matter_empowerment::Entity::find()
        .filter(matter_empowerment::Column::MatterId.eq(matter_id))
        .filter(matter_empowerment::Column::Town.eq(town))
        .filter(matter_empowerment::Column::ValidFrom.lte(day))
        .filter(
            Condition::any()
                .add(matter_empowerment::Column::ValidUntil.is_null())
                .add(matter_empowerment::Column::ValidUntil.gte(day)),
        )
        .count(db)
        .await?;
    if n == 0 {
        return Err(AppError::bad_input("matterId", format!("the matter is not empowered to {town} today (R7)")));
    }
    Ok(())
}

/// 认领: a town team claims a matter empowered to its town, once.
pub async fn claim_matter(store: Store<'_>, p: &Principal, matter_id: Uuid) -> AppResult<matter_claim::Model> {
    let Some(town) = p.town.clone().filter(|_| p.has(Role::TownOfficer)) else {
        return Err(AppError::Forbidden("a town team claims the matters empowered to it".into()));
    };
    let now = Utc::now();
    let w = Write::begin(store).await?;
    let txn = w.txn();
    empowered(txn, matter_id, &town, local_date(now)).await?;
    let dup = matter_claim::Entity::find()
        .filter(matter_claim::Column::MatterId.eq(matter_id))
        .filter(matter_claim::Column::Town.eq(town.as_str()))
        .count(txn)
        .await?;
    if dup > 0 {
        return Err(AppError::Conflict("the town has already claimed this matter".into()));
    }
    let row = matter_claim::Model {
        id: Uuid::now_v7(),
        matter_id,
        town,
        claimed_on: local_date(now),
        claimed_by: Some(p.user_id),
        created_at: now,
    }
    .into_active_model()
    .insert(txn)
    .await?;
    w.audit(p, "claimMatter", &[row.id, matter_id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

/// One page of the patrol actions `p` may read, newest first, of one kind if given.
pub async fn patrols(
    db: &impl ConnectionTrait,
    p: &Principal,
    kind: Option<PatrolKind>,
    paging: Paging<'_>,
) -> AppResult<Listed<patrol_action::Model>> {
    let mut cond = Condition::all().add(access::visible(
        p,
        patrol_action::Column::DepartmentId,
        Some(patrol_action::Column::Town),
    ));
    if let Some(k) = kind {
        cond = cond.add(patrol_action::Column::Kind.eq(k));
    }
    let cols = (patrol_action::Column::OccurredAt, patrol_action::Column::Id);
    newest_first::<patrol_action::Entity>(db, cond, paging, "patrol_actions", cols, |m| (m.occurred_at, m.id)).await
}

/// One page of the towns' claims `p` may read (the bureau, supervisors and admins all; a town
/// team its own town's; nobody else any), newest first, of one town if given.
pub async fn claims(
    db: &impl ConnectionTrait,
    p: &Principal,
    town: Option<String>,
    paging: Paging<'_>,
) -> AppResult<Listed<matter_claim::Model>> {
    let mut cond = Condition::all().add(access::visible_by_town(p, matter_claim::Column::Town));
    if let Some(t) = town {
        cond = cond.add(matter_claim::Column::Town.eq(t));
    }
    let cols = (matter_claim::Column::CreatedAt, matter_claim::Column::Id);
    newest_first::<matter_claim::Entity>(db, cond, paging, "matter_claims", cols, |m| (m.created_at, m.id)).await
}
