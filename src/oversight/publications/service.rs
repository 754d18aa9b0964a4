//! Publications: a decided case's decision (recorded on the case), a licence, a withdrawal;
//! and the public list.

use chrono::{DateTime, Utc};
use entity::enums::PublicationKind;
use entity::{department, matter, party, publication};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::{Calendar, effective_at, local_date};
use crate::config::Rules;
use crate::error::{AppError, AppResult};
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, decided, own_case, text};
use crate::oversight::{access, publish_text};

/// Publishes a decided case's decision (公示, T5), masked, and records it on the case (its
/// event goes to the subscribers once committed). It was published at `given` (R14, default
/// now; never before the decision): the case's T5 standing counts from it.
pub async fn publish_decision(
    store: Store<'_>,
    (cal, rules): (&Calendar, &Rules),
    p: &Principal,
    case_id: Uuid,
    given: Option<DateTime<Utc>>,
) -> AppResult<publication::Model> {
    access::officer(p)?;
    let now = Utc::now();
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let c = own_case(txn, p, case_id, "caseId").await?;
    if !decided(&c) {
        return Err(AppError::Conflict("only a decided case is published".into()));
    }
    if c.published_at.is_some()
        || publication::Entity::find().filter(publication::Column::CaseId.eq(c.id)).count(txn).await? > 0
    {
        return Err(AppError::Conflict("the decision is already published".into()));
    }
    let at = effective_at(rules.backdate_days, given, now, c.decided_at.map(|d| (d, "the decision")))?;
    let party = party::Entity::find_by_id(c.party_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("case without party"))?;
    let m = matter::Entity::find_by_id(c.matter_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("case without matter"))?;
    let dept = department::Entity::find_by_id(c.department_id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::internal("case without department"))?;
    let decided_on = c.decided_at.map(local_date).unwrap_or_else(|| local_date(Utc::now()));
    let (title, content) = publish_text::decision(&c, &party, &m.name, &m.legal_basis, &dept.name, decided_on);
    let row = publication::Model {
        id: Uuid::now_v7(),
        kind: PublicationKind::PenaltyDecision,
        department_id: c.department_id,
        town: c.town.clone().or(dept.town.clone()),
        case_id: Some(c.id),
        title,
        content,
        published_at: at,
        revoked_at: None,
        withdrawal_due: None,
        withdrawn_at: None,
        created_by: Some(p.user_id),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    let event = crate::cases::lifecycle::mark_published(txn, cal, p, c, at, row.id).await?;
    let when = serde_json::json!({ "effectiveAt": at.to_rfc3339(), "recordedAt": now.to_rfc3339() });
    w.audit(p, "publishDecision", &[row.id, case_id], when).await?;
    w.commit_with(vec![event]).await?;
    Ok(row)
}

pub struct NewLicence {
    pub title: String,
    pub holder: String,
    pub content: String,
}

/// Publishes an administrative licence the department granted.
pub async fn publish_licence(store: Store<'_>, p: &Principal, n: NewLicence) -> AppResult<publication::Model> {
    access::officer(p)?;
    let title = text("input.title", &n.title)?;
    let holder = text("input.holder", &n.holder)?;
    let content = text("input.content", &n.content)?;
    let w = Write::begin(store).await?;
    let row = publication::Model {
        id: Uuid::now_v7(),
        kind: PublicationKind::Licence,
        department_id: p.department_id,
        town: p.town.clone(),
        case_id: None,
        title,
        content: crate::privacy::mask_text(&format!("被许可人:{holder}。{content}"), None),
        published_at: Utc::now(),
        revoked_at: None,
        withdrawal_due: None,
        withdrawn_at: None,
        created_by: Some(p.user_id),
    }
    .into_active_model()
    .insert(w.txn())
    .await?;
    w.audit(p, "publishLicence", &[row.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

/// Withdraws a publication (after a revocation, within T6), withdrawn at `given` (R14, default
/// now; never before the publication).
pub async fn withdraw(
    store: Store<'_>,
    rules: &Rules,
    p: &Principal,
    id: Uuid,
    given: Option<DateTime<Utc>>,
) -> AppResult<publication::Model> {
    access::officer(p)?;
    let now = Utc::now();
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let row = publication::Entity::find_by_id(id)
        .filter(publication::Column::DepartmentId.eq(p.department_id))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("publication"))?;
    if row.withdrawn_at.is_some() {
        return Err(AppError::Conflict("the publication is already withdrawn".into()));
    }
    let at = effective_at(rules.backdate_days, given, now, Some((row.published_at, "the publication")))?;
    let mut active = row.into_active_model();
    active.withdrawn_at = sea_orm::Set(Some(at));
    let row = active.update(txn).await?;
    let when = serde_json::json!({ "effectiveAt": at.to_rfc3339(), "recordedAt": now.to_rfc3339() });
    w.audit(p, "withdrawPublication", &[row.id], when).await?;
    w.commit().await?;
    Ok(row)
}

/// One page of what the public sees, newest first: everything not withdrawn, no caller needed.
pub async fn public(db: &impl ConnectionTrait, paging: Paging<'_>) -> AppResult<Listed<publication::Model>> {
    let cond = Condition::all().add(publication::Column::WithdrawnAt.is_null());
    let cols = (publication::Column::PublishedAt, publication::Column::Id);
    newest_first::<publication::Entity>(db, cond, paging, "publications", cols, |m| (m.published_at, m.id)).await
}
