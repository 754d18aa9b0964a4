//! Review committee meetings, recorded by the legal reviewers; the lists of legal reviews and
//! meetings the caller may read.

use chrono::{NaiveDate, Utc};
use entity::enums::Role;
use entity::{legal_review, review_meeting};
use sea_orm::sea_query::Condition;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::error::{AppError, AppResult};
use crate::oversight::access;
use crate::oversight::list::{Listed, Paging, newest_first};
use crate::oversight::write::{Store, Write, text};
use crate::sql::never;

/// 案审委员会: a meeting that discussed legal reviews.
pub async fn record_meeting(
    store: Store<'_>,
    p: &Principal,
    held_on: NaiveDate,
    topic: String,
    conclusion: String,
    review_ids: Vec<Uuid>,
) -> AppResult<review_meeting::Model> {
    if !p.has(Role::LegalReviewer) {
        return Err(AppError::Forbidden("the legal reviewers record the committee's meetings".into()));
    }
    let topic = text("input.topic", &topic)?;
    let conclusion = text("input.conclusion", &conclusion)?;
    let w = Write::begin(store).await?;
    let txn = w.txn();
    let row = review_meeting::Model {
        id: Uuid::now_v7(),
        department_id: p.department_id,
        held_on,
        topic,
        conclusion,
        created_by: p.user_id,
        created_at: Utc::now(),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    if !review_ids.is_empty() {
        let found = legal_review::Entity::find()
            .filter(legal_review::Column::Id.is_in(review_ids.clone()))
            .select_only()
            .column(legal_review::Column::Id)
            .into_tuple::<Uuid>()
            .all(txn)
            .await?;
        if found.len() != review_ids.len() {
            return Err(AppError::bad_input("input.legalReviewIds", "no such legal review"));
        }
        legal_review::Entity::update_many()
            .col_expr(legal_review::Column::MeetingId, sea_orm::sea_query::Expr::value(row.id))
            .filter(legal_review::Column::Id.is_in(review_ids))
            .exec(txn)
            .await?;
    }
    w.audit(p, "recordReviewMeeting", &[row.id], serde_json::json!({})).await?;
    w.commit().await?;
    Ok(row)
}

/// One page of the legal reviews of the cases `p` may read (on `today`), newest first. Court
/// trainees and dashboards read none: a review's opinion is not anonymised.
pub async fn legal_reviews(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    case_id: Option<Uuid>,
    paging: Paging<'_>,
) -> AppResult<Listed<legal_review::Model>> {
    let mut cond = if access::reads_any(p) {
        Condition::all().add(legal_review::Column::CaseId.in_subquery(visibility::visible_case_ids(p, today)))
    } else {
        never()
    };
    if let Some(id) = case_id {
        cond = cond.add(legal_review::Column::CaseId.eq(id));
    }
    let cols = (legal_review::Column::SubmittedAt, legal_review::Column::Id);
    newest_first::<legal_review::Entity>(db, cond, paging, "legal_reviews", cols, |m| (m.submitted_at, m.id)).await
}

/// One page of the committee meetings `p` may read, newest first.
pub async fn meetings(
    db: &impl ConnectionTrait,
    p: &Principal,
    paging: Paging<'_>,
) -> AppResult<Listed<review_meeting::Model>> {
    let cond = access::visible_by_department(p, review_meeting::Column::DepartmentId);
    let cols = (review_meeting::Column::CreatedAt, review_meeting::Column::Id);
    newest_first::<review_meeting::Entity>(db, cond, paging, "review_meetings", cols, |m| (m.created_at, m.id)).await
}
