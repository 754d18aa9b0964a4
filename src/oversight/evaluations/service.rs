//! Case-file evaluations and their findings: the writes and the list.

use chrono::{NaiveDate, Utc};
use entity::{evaluation_finding, file_evaluation};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, text, visible_case};

/// An evaluation with its findings.
pub type Evaluation = (file_evaluation::Model, Vec<evaluation_finding::Model>);

pub async fn record(
    store: Store<'_>,
    p: &Principal,
    case_id: Uuid,
    evaluated_on: NaiveDate,
    scope: String,
    findings: Vec<String>,
) -> AppResult<Evaluation> {
    access::legal(p)?;
    let scope = text("input.scope", &scope)?;
    if evaluated_on > local_date(Utc::now()) {
        return Err(AppError::bad_input("input.evaluatedOn", "may not be in the future"));
    }
    if findings.len() > 50 {
        return Err(AppError::bad_input("input.findings", "at most 50 findings"));
    }
    let findings = findings
        .iter()
        .enumerate()
        .map(|(i, f)| text(&format!("input.findings.{i}"), f))
        .collect::<AppResult<Vec<_>>>()?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let c = visible_case(txn, p, case_id).await?;
    let ev = file_evaluation::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        department_id: c.department_id,
        evaluated_on,
        scope,
        evaluator_id: Some(p.user_id),
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    let mut rows = Vec::new();
    for description in findings {
        let f = evaluation_finding::Model {
            id: Uuid::now_v7(),
            evaluation_id: ev.id,
            description,
            rectified_at: None,
            rectified_by: None,
            rectification_note: None,
        };
        rows.push(f.into_active_model().insert(txn).await?);
    }
    w.audit(p, "recordFileEvaluation", &[ev.id, c.id], serde_json::json!({ "findings": rows.len() })).await?;
    w.commit().await?;
    Ok((ev, rows))
}

/// A finding rectified, once, by the department whose case file it is.
pub async fn rectify_finding(
    store: Store<'_>,
    p: &Principal,
    id: Uuid,
    note: String,
) -> AppResult<evaluation_finding::Model> {
    access::officer(p).or_else(|_| access::legal(p))?;
    let note = text("note", &note)?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let f = evaluation_finding::Entity::find_by_id(id).one(txn).await?.ok_or_else(|| AppError::not_found("finding"))?;
    let ev = file_evaluation::Entity::find_by_id(f.evaluation_id)
        .filter(access::visible_by_department(p, file_evaluation::Column::DepartmentId))
        .one(txn)
        .await?
        .ok_or_else(|| AppError::not_found("finding"))?;
    if ev.department_id != p.department_id {
        return Err(AppError::Forbidden("the department of the case file rectifies it".into()));
    }
    if f.rectified_at.is_some() {
        return Err(AppError::Conflict("the finding is already rectified".into()));
    }
    let mut active = f.into_active_model();
    active.rectified_at = sea_orm::Set(Some(Utc::now()));
    active.rectified_by = sea_orm::Set(Some(p.user_id));
    active.rectification_note = sea_orm::Set(Some(note));
    let f = active.update(txn).await?;
    w.audit(p, "rectifyFinding", &[f.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(f)
}

/// One page of the evaluations `p` may read, newest first, with their findings (one query
/// for the findings of the whole page).
pub async fn list(db: &impl ConnectionTrait, p: &Principal, paging: Paging<'_>) -> AppResult<Listed<Evaluation>> {
    let cond = access::visible_by_department(p, file_evaluation::Column::DepartmentId);
    let cols = (file_evaluation::Column::CreatedAt, file_evaluation::Column::Id);
    let (rows, info, cond) =
        newest_first::<file_evaluation::Entity>(db, cond, paging, "file_evaluations", cols, |m| (m.created_at, m.id))
            .await?;
    let ids: Vec<Uuid> = rows.iter().map(|(_, m)| m.id).collect();
    let findings =
        evaluation_finding::Entity::find().filter(evaluation_finding::Column::EvaluationId.is_in(ids)).all(db).await?;
    let rows = rows
        .into_iter()
        .map(|(c, m)| {
            let mine = findings.iter().filter(|f| f.evaluation_id == m.id).cloned().collect();
            (c, (m, mine))
        })
        .collect();
    Ok((rows, info, cond))
}
