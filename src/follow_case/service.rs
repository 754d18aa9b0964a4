//! Enrolments: the rules of `enrollFollowCase`, and reads over the caller's visibility.

use chrono::{NaiveDate, Utc};
use entity::enums::Role;
use entity::{case, follow_enrollment, user, user_role};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, SqlErr,
};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::calendar::local_date;
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageInfo, page_by_time};

/// `enrollFollowCase`, parsed.
#[derive(Debug, Clone)]
pub struct Enroll {
    pub case_id: Uuid,
    pub trainee_id: Uuid,
    /// Last day, inclusive (Asia/Shanghai); `None` is open-ended.
    pub until: Option<NaiveDate>,
}

/// Whether an enrolment lets its trainee read the case on `today` (the last day included);
/// the same rule as `visibility::cases` for trainees.
pub fn is_active(e: &follow_enrollment::Model, today: NaiveDate) -> bool {
    e.valid_until.is_none_or(|until| until >= today)
}

/// Enrols a court trainee on a case. Admins enrol on any case; bureau officers on the cases
/// they may read (the bureau decides which of its cases the court may study).
pub async fn enroll(db: &DatabaseConnection, p: &Principal, input: Enroll) -> AppResult<follow_enrollment::Model> {
    if !(p.is_admin() || p.has(Role::BureauOfficer)) {
        return Err(AppError::Forbidden("only admins and bureau officers enrol court trainees".into()));
    }
    let now = Utc::now();
    let today = local_date(now);
    if input.until.is_some_and(|until| until < today) {
        return Err(AppError::bad_input("until", "the last day of the enrolment may not lie in the past"));
    }

    let txn = crate::db::begin_write(db).await?;
    case::Entity::find_by_id(input.case_id)
        .filter(visibility::cases(p, today))
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::not_found("case"))?;

    // One message for "no such user" and "not a trainee": the answer says no more than that
    // the ID is not an active trainee's.
    let not_a_trainee = || AppError::bad_input("traineeId", "must be an active user with the role COURT_TRAINEE");
    let trainee = user::Entity::find_by_id(input.trainee_id).one(&txn).await?.ok_or_else(not_a_trainee)?;
    let holds_role = user_role::Entity::find()
        .filter(user_role::Column::UserId.eq(trainee.id))
        .filter(user_role::Column::Role.eq(Role::CourtTrainee))
        .count(&txn)
        .await?
        > 0;
    if !trainee.active || !holds_role {
        return Err(not_a_trainee());
    }

    let duplicate = || AppError::Conflict("the trainee is already enrolled on this case".into());
    let existing = follow_enrollment::Entity::find()
        .filter(follow_enrollment::Column::CaseId.eq(input.case_id))
        .filter(follow_enrollment::Column::TraineeId.eq(input.trainee_id))
        .count(&txn)
        .await?;
    if existing > 0 {
        return Err(duplicate());
    }
    let model = follow_enrollment::Model {
        id: Uuid::now_v7(),
        case_id: input.case_id,
        trainee_id: input.trainee_id,
        enrolled_by: p.user_id,
        enrolled_at: now,
        valid_until: input.until,
    };
    // The unique index on (case, trainee) settles a race between two enrolling requests.
    if let Err(err) =
        follow_enrollment::Entity::insert(model.clone().into_active_model()).exec_without_returning(&txn).await
    {
        return Err(match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => duplicate(),
            _ => err.into(),
        });
    }
    // Audited on the case: the enrolment opens the case to a reader outside the bureau, and an
    // auditor asks "who was let into this case" by the case's id.
    crate::audit::write(
        &txn,
        Some(p),
        "mutation:enrollFollowCase",
        &[model.case_id],
        serde_json::json!({
            "enrollmentId": model.id.to_string(),
            "traineeId": model.trainee_id.to_string(),
            "until": model.valid_until.map(|d| d.to_string()),
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

const TAG: &str = "followCaseEnrollments:enrolled_desc";

/// One page of the enrolments `p` may see, newest first, optionally of one case.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    case_id: Option<Uuid>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Vec<(String, follow_enrollment::Model)>, PageInfo, Condition)> {
    let page = Page::forward(first, after, TAG)?;
    let mut cond = Condition::all().add(visibility::follow_enrollments(p, today));
    if let Some(case_id) = case_id {
        cond = cond.add(follow_enrollment::Column::CaseId.eq(case_id));
    }
    let query = follow_enrollment::Entity::find().filter(cond.clone());
    let columns = (follow_enrollment::Column::EnrolledAt, follow_enrollment::Column::Id);
    let (edges, info) = page_by_time(db, query, &page, (TAG, true), columns, |e| (e.enrolled_at, e.id)).await?;
    Ok((edges, info, cond))
}

/// An enrolment `p` may see; anything else is `NOT_FOUND`.
pub async fn get(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    id: Uuid,
) -> AppResult<follow_enrollment::Model> {
    follow_enrollment::Entity::find_by_id(id)
        .filter(visibility::follow_enrollments(p, today))
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found("enrolment"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_enrolment_is_active_through_its_last_day() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or(NaiveDate::MIN);
        let mut e = follow_enrollment::Model {
            id: Uuid::nil(),
            case_id: Uuid::nil(),
            trainee_id: Uuid::nil(),
            enrolled_by: Uuid::nil(),
            enrolled_at: Utc::now(),
            valid_until: Some(day(10)),
        };
        assert!(is_active(&e, day(9)));
        assert!(is_active(&e, day(10)), "the last day is included");
        assert!(!is_active(&e, day(11)));
        e.valid_until = None;
        assert!(is_active(&e, day(31)), "open-ended");
    }
}
