//! Reconsiderations and lawsuits: the legal reviewers' writes and the list.

use chrono::{NaiveDate, Utc};
use entity::enums::{ReconsiderationKind, ReconsiderationOutcome};
use entity::{publication, reconsideration};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::{Calendar, local_date};
use crate::domain::Yuan;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, decided, opt_text, text, visible_case};

pub struct NewReconsideration {
    pub case_id: Uuid,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    pub body: String,
    pub received_on: NaiveDate,
}

pub async fn register(store: Store<'_>, p: &Principal, n: NewReconsideration) -> AppResult<reconsideration::Model> {
    access::legal(p)?;
    let applicant = text("input.applicant", &n.applicant)?;
    let body = text("input.body", &n.body)?;
    if n.received_on > local_date(Utc::now()) {
        return Err(AppError::bad_input("input.receivedOn", "may not be in the future"));
    }
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let c = visible_case(txn, p, n.case_id).await?;
    if !decided(&c) {
        return Err(AppError::bad_input("input.caseId", "only a decision can be challenged"));
    }
    let row = reconsideration::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        department_id: c.department_id,
        kind: n.kind,
        applicant,
        body,
        received_on: n.received_on,
        outcome: ReconsiderationOutcome::Pending,
        concluded_on: None,
        note: None,
        created_by: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    w.audit(p, "registerReconsideration", &[row.id, c.id], serde_json::json!({ "kind": n.kind.as_str() })).await?;
    w.commit().await?;
    Ok(row)
}

/// Concludes a reconsideration or lawsuit. A revocation starts T6 on the decision's
/// publication: withdrawn within 3 working days.
pub async fn conclude(
    store: Store<'_>,
    cal: &Calendar,
    p: &Principal,
    id: Uuid,
    (outcome, altered_fine): (ReconsiderationOutcome, Option<Yuan>),
    concluded_on: NaiveDate,
    note: Option<String>,
) -> AppResult<reconsideration::Model> {
    access::legal(p)?;
    if outcome == ReconsiderationOutcome::Pending {
        return Err(AppError::bad_input("outcome", "a conclusion is not PENDING"));
    }
    if altered_fine.is_some() && outcome != ReconsiderationOutcome::Altered {
        return Err(AppError::bad_input("fineAmount", "a new fine goes with ALTERED"));
    }
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let row = reconsideration::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("reconsideration"))?;
    if row.outcome != ReconsiderationOutcome::Pending {
        return Err(AppError::Conflict(format!("already concluded as {}", row.outcome.as_str())));
    }
    if concluded_on < row.received_on {
        return Err(AppError::bad_input("concludedOn", "before the day it was received"));
    }
    let case_id = row.case_id;
    let mut active = row.into_active_model();
    active.outcome = sea_orm::Set(outcome);
    active.concluded_on = sea_orm::Set(Some(concluded_on));
    active.note = sea_orm::Set(opt_text("note", note.as_deref())?);
    let row = active.update(txn).await?;
    let mut events = Vec::new();
    if let Some(fine) = altered_fine {
        // An altered decision's fine counts at its new amount (finesTotal, payments).
        let event = crate::cases::lifecycle::alter_fine(txn, cal, p, case_id, fine, outcome).await?;
        events.push(event);
    }
    // T6: a revoked, altered or illegal decision's publication is withdrawn.
    if matches!(
        outcome,
        ReconsiderationOutcome::Revoked | ReconsiderationOutcome::Altered | ReconsiderationOutcome::ConfirmedIllegal
    ) {
        let now = Utc::now();
        let due = cal.add_working_days(local_date(now), 3);
        publication::Entity::update_many()
            .col_expr(publication::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
            .col_expr(publication::Column::WithdrawalDue, sea_orm::sea_query::Expr::value(due))
            .filter(publication::Column::CaseId.eq(case_id))
            .filter(publication::Column::WithdrawnAt.is_null())
            .exec(txn)
            .await?;
    }
    w.audit(
        p,
        "concludeReconsideration",
        &[row.id],
        serde_json::json!({ "outcome": outcome.as_str(), "fineAmount": altered_fine.map(|f| f.to_string()) }),
    )
    .await?;
    w.commit_with(events).await?;
    Ok(row)
}

/// One page of the reconsiderations and lawsuits `p` may read, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<reconsideration::Model>> {
    let cond = access::visible_by_department(p, reconsideration::Column::DepartmentId);
    let cols = (reconsideration::Column::CreatedAt, reconsideration::Column::Id);
    newest_first::<reconsideration::Entity>(db, cond, paging, "reconsiderations", cols, |m| (m.created_at, m.id)).await
}
