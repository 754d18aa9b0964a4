//! The oversight rows a case transition writes inside its own transaction: the legal review
//! that follows SUBMIT_FOR_REVIEW and the review outcome, and the exemption (首违不罚) that
//! rests on a verified rectification notice. They live with the cases because the transition
//! owns them; the oversight room reads and lists them.

use chrono::Utc;
use entity::enums::{RectificationStatus, ReviewOutcome};
use entity::{case, legal_review, rectification_notice};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::auth::Principal;
use crate::error::{AppError, AppResult};

/// For `EXEMPT` (APL 33): the corrected notice the exemption rests on, inside the
/// transition's transaction: the given one, else the case's latest corrected notice.
pub async fn corrected_notice_of(
    txn: &impl ConnectionTrait,
    case_id: Uuid,
    notice_id: Option<Uuid>,
) -> AppResult<rectification_notice::Model> {
    let mut q = rectification_notice::Entity::find()
        .filter(rectification_notice::Column::CaseId.eq(case_id))
        .filter(rectification_notice::Column::Status.eq(RectificationStatus::Corrected));
    if let Some(id) = notice_id {
        q = q.filter(rectification_notice::Column::Id.eq(id));
    }
    q.order_by_desc(rectification_notice::Column::VerifiedAt).one(txn).await?.ok_or_else(|| {
        AppError::bad_input(
            "rectification",
            "an exemption needs a rectification notice on this case verified as corrected (APL 33)",
        )
    })
}

/// Legal review rows follow the case's review transitions (inside their transaction).
pub async fn on_review_transition(
    txn: &impl ConnectionTrait,
    p: &Principal,
    c: &case::Model,
    outcome: Option<ReviewOutcome>,
    opinion: Option<String>,
) -> AppResult<()> {
    let now = Utc::now();
    match outcome {
        None => {
            legal_review::Model {
                id: Uuid::now_v7(),
                case_id: c.id,
                department_id: c.department_id,
                submitted_by: Some(p.user_id),
                submitted_at: now,
                outcome: ReviewOutcome::Pending,
                reviewer_id: None,
                decided_at: None,
                opinion: None,
                meeting_id: None,
            }
            .into_active_model()
            .insert(txn)
            .await?;
        }
        Some(outcome) => {
            legal_review::Entity::update_many()
                .col_expr(legal_review::Column::Outcome, sea_orm::sea_query::Expr::value(outcome.as_str()))
                .col_expr(legal_review::Column::ReviewerId, sea_orm::sea_query::Expr::value(p.user_id))
                .col_expr(legal_review::Column::DecidedAt, sea_orm::sea_query::Expr::value(now))
                .col_expr(legal_review::Column::Opinion, sea_orm::sea_query::Expr::value(opinion))
                .filter(legal_review::Column::CaseId.eq(c.id))
                .filter(legal_review::Column::Outcome.eq(ReviewOutcome::Pending.as_str()))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// The exemption row of an `EXEMPT` transition (inside its transaction).
pub async fn record_exemption(
    txn: &impl ConnectionTrait,
    p: &Principal,
    c: &case::Model,
    notice: &entity::rectification_notice::Model,
    reason: &str,
) -> AppResult<()> {
    entity::exemption::Model {
        id: Uuid::now_v7(),
        case_id: c.id,
        rectification_notice_id: notice.id,
        department_id: c.department_id,
        town: c.town.clone(),
        reason: reason.to_owned(),
        granted_at: Utc::now(),
        granted_by: Some(p.user_id),
    }
    .into_active_model()
    .insert(txn)
    .await?;
    Ok(())
}
