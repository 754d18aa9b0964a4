//! The rules of calling and answering, list reads over the caller's visibility, and the loader
//! of a call's answers.

use chrono::{DateTime, SecondsFormat, Utc};
use entity::enums::{DepartmentKind, Role};
use entity::{department, joint_call, joint_call_department};
use sea_orm::sea_query::{Condition, Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityName, EntityTrait, IntoActiveModel, QueryFilter,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageInfo, page_by_time};

/// Most departments one call may name (the district has about a dozen).
const MAX_CALLED: usize = 50;

/// `callJointEnforcement`, parsed.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub department_ids: Vec<Uuid>,
    pub place: String,
    pub meet_at: DateTime<Utc>,
    pub reason: String,
    pub respond_by: Option<DateTime<Utc>>,
}

/// `reportToJointCall`, parsed.
#[derive(Debug, Clone)]
pub struct Report {
    pub call_id: Uuid,
    pub sends: String,
    pub note: Option<String>,
}

fn text(value: &str, field: &str, max_chars: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max_chars {
        return Err(AppError::bad_input(field, format!("1 to {max_chars} characters are required")));
    }
    Ok(value.to_string())
}

/// Whether an answer is overdue at `now`: not reported and past the call's `respond_by`.
pub fn answer_overdue(answer: &joint_call_department::Model, respond_by: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    answer.reported_at.is_none() && now > respond_by
}

/// 街道吹哨: a town team's officer calls departments of the district.
pub async fn call(db: &DatabaseConnection, p: &Principal, input: NewCall) -> AppResult<joint_call::Model> {
    if !(p.has(Role::TownOfficer) && p.department_kind == DepartmentKind::TownTeam) {
        return Err(AppError::Forbidden("only a town team's officers call a joint enforcement".into()));
    }
    let town =
        p.town.clone().ok_or_else(|| AppError::internal(format_args!("town team {} without town", p.department_id)))?;
    let now = Utc::now();

    let mut called: Vec<Uuid> = Vec::with_capacity(input.department_ids.len());
    for id in input.department_ids {
        if !called.contains(&id) {
            called.push(id);
        }
    }
    if called.is_empty() {
        return Err(AppError::bad_input("input.departmentIds", "call at least one department"));
    }
    if called.len() > MAX_CALLED {
        return Err(AppError::bad_input("input.departmentIds", format!("call at most {MAX_CALLED} departments")));
    }
    if called.contains(&p.department_id) {
        return Err(AppError::bad_input("input.departmentIds", "a town team does not call itself"));
    }
    let place = text(&input.place, "input.place", 200)?;
    let reason = text(&input.reason, "input.reason", 2000)?;
    if input.meet_at <= now {
        return Err(AppError::bad_input("input.meetAt", "the meeting must lie in the future"));
    }
    let respond_by = input.respond_by.unwrap_or(input.meet_at);
    if respond_by > input.meet_at {
        return Err(AppError::bad_input("input.respondBy", "departments answer before the meeting, not after it"));
    }
    if respond_by <= now {
        return Err(AppError::bad_input("input.respondBy", "the answer deadline must lie in the future"));
    }

    let txn = crate::db::begin_write(db).await?;
    let found = department::Entity::find()
        .select_only()
        .column(department::Column::Id)
        .filter(department::Column::Id.is_in(called.iter().copied()))
        .into_tuple::<Uuid>()
        .all(&txn)
        .await?;
    if found.len() != called.len() {
        return Err(AppError::bad_input("input.departmentIds", "no such department"));
    }
    let model = joint_call::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        town,
        place,
        meet_at: input.meet_at,
        reason,
        respond_by,
        created_by: p.user_id,
        created_at: now,
    };
    joint_call::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await?;
    let rows = called.iter().map(|d| joint_call_department::ActiveModel {
        call_id: Set(model.id),
        department_id: Set(*d),
        reported_at: Set(None),
        reported_by: Set(None),
        sends: Set(None),
        note: Set(None),
    });
    joint_call_department::Entity::insert_many(rows).exec_without_returning(&txn).await?;
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:callJointEnforcement",
        &[model.id],
        serde_json::json!({
            "departmentIds": called.iter().map(Uuid::to_string).collect::<Vec<_>>(),
            "meetAt": model.meet_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            "respondBy": model.respond_by.to_rfc3339_opts(SecondsFormat::Secs, true),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// 部门报到: an officer or liaison of a called department answers the call, once.
pub async fn report(db: &DatabaseConnection, p: &Principal, input: Report) -> AppResult<joint_call::Model> {
    let txn = crate::db::begin_write(db).await?;
    let call = joint_call::Entity::find_by_id(input.call_id)
        .filter(visibility::joint_calls(p))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("joint call"))?;
    let answer = joint_call_department::Entity::find()
        .filter(joint_call_department::Column::CallId.eq(call.id))
        .filter(joint_call_department::Column::DepartmentId.eq(p.department_id))
        .one(&txn)
        .await?;
    let may_answer = [Role::BureauOfficer, Role::TownOfficer, Role::DepartmentLiaison].iter().any(|r| p.has(*r));
    let Some(answer) = answer.filter(|_| may_answer) else {
        return Err(AppError::Forbidden("only an officer or liaison of a called department reports to a call".into()));
    };
    let sends = text(&input.sends, "sends", 500)?;
    let note = match input.note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => Some(text(n, "note", 2000)?),
        None => None,
    };
    let already = || AppError::Conflict("the department has already reported to this call".into());
    if answer.reported_at.is_some() {
        return Err(already());
    }
    let now = Utc::now();
    // Guarded by `reported_at IS NULL`: of two concurrent answers only one takes effect.
    let result = joint_call_department::Entity::update_many()
        .col_expr(joint_call_department::Column::ReportedAt, Expr::value(now))
        .col_expr(joint_call_department::Column::ReportedBy, Expr::value(p.user_id))
        .col_expr(joint_call_department::Column::Sends, Expr::value(sends.clone()))
        .col_expr(joint_call_department::Column::Note, Expr::value(note.clone()))
        .filter(joint_call_department::Column::CallId.eq(call.id))
        .filter(joint_call_department::Column::DepartmentId.eq(p.department_id))
        .filter(joint_call_department::Column::ReportedAt.is_null())
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(already());
    }
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:reportToJointCall",
        &[call.id],
        serde_json::json!({ "departmentId": p.department_id.to_string(), "sends": sends, "late": now > call.respond_by }),
    )
    .await?;
    txn.commit().await?;
    Ok(call)
}

/// Narrows `jointCalls`.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Some called department has not reported (`true`), or every one has (`false`).
    pub pending: Option<bool>,
    /// Some answer is overdue at `now` (`true`), or none is (`false`).
    pub overdue: Option<bool>,
}

/// `SELECT call_id FROM joint_call_departments WHERE reported_at IS NULL`.
fn unanswered() -> SelectStatement {
    Query::select()
        .column(joint_call_department::Column::CallId)
        .from(joint_call_department::Entity.table_ref())
        .and_where(joint_call_department::Column::ReportedAt.is_null())
        .to_owned()
}

impl CallFilter {
    fn condition(&self, now: DateTime<Utc>) -> Condition {
        let mut cond = Condition::all();
        match self.pending {
            Some(true) => cond = cond.add(joint_call::Column::Id.in_subquery(unanswered())),
            Some(false) => cond = cond.add(joint_call::Column::Id.not_in_subquery(unanswered())),
            None => {}
        }
        // Overdue: past `respond_by` with an answer missing (the call's one deadline applies to
        // every called department).
        let overdue = || {
            Condition::all()
                .add(joint_call::Column::RespondBy.lt(now))
                .add(joint_call::Column::Id.in_subquery(unanswered()))
        };
        match self.overdue {
            Some(true) => cond = cond.add(overdue()),
            Some(false) => cond = cond.add(overdue().not()),
            None => {}
        }
        cond
    }
}

const TAG: &str = "jointCalls:created_desc";

/// One page of the calls `p` may see, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    now: DateTime<Utc>,
    filter: &CallFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, joint_call::Model)>, PageInfo, Condition)> {
    let page = Page::forward(first, after, TAG)?;
    let cond = Condition::all().add(visibility::joint_calls(p)).add(filter.condition(now));
    let query = joint_call::Entity::find().filter(cond.clone());
    let columns = (joint_call::Column::CreatedAt, joint_call::Column::Id);
    let (edges, info) = page_by_time(db, query, &page, (TAG, true), columns, |c| (c.created_at, c.id)).await?;
    Ok((edges, info, cond))
}

/// A call `p` may see; anything else is `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, p: &Principal, id: Uuid) -> AppResult<joint_call::Model> {
    joint_call::Entity::find_by_id(id)
        .filter(visibility::joint_calls(p))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("joint call"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_is_overdue_only_when_missing_after_the_deadline() {
        let deadline = Utc::now();
        let mut a = joint_call_department::Model {
            call_id: Uuid::nil(),
            department_id: Uuid::nil(),
            reported_at: None,
            reported_by: None,
            sends: None,
            note: None,
        };
        assert!(!answer_overdue(&a, deadline, deadline), "not before or at the deadline");
        assert!(answer_overdue(&a, deadline, deadline + chrono::Duration::seconds(1)));
        a.reported_at = Some(deadline + chrono::Duration::hours(1));
        assert!(!answer_overdue(&a, deadline, deadline + chrono::Duration::hours(2)), "a late answer is an answer");
    }
}
