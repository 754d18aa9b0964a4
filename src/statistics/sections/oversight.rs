//! The oversight records of the year, each counted in the year of its own date: transfers,
//! publications, legal reviews and reconsiderations, file evaluations.

use entity::enums::{
    DepartmentKind, PublicationKind, ReconsiderationKind, ReconsiderationOutcome, ReviewOutcome, TransferCategory,
    TransferStatus,
};
use entity::{
    evaluation_finding as finding, file_evaluation as evaluation, legal_review, publication, reconsideration,
    review_meeting, transfer,
};
use sea_orm::sea_query::{Asterisk, Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, Iterable};

use super::{
    Ask, Scope, by_department, by_department_and_town, case_in_town, count, departments_in_town, departments_of_kind,
    scalar_list, scalars,
};
use crate::error::AppResult;

/// Transfers in scope: of a department, sent or received; of a town, received by its team.
pub fn transfers_in_scope(scope: &Scope) -> Condition {
    let mut c = Condition::all();
    if let Some(d) = scope.department_id {
        c = c.add(
            Condition::any().add(transfer::Column::FromDepartmentId.eq(d)).add(transfer::Column::ToDepartmentId.eq(d)),
        );
    }
    if let Some(t) = &scope.town {
        c = c.add(transfer::Column::ToDepartmentId.in_subquery(departments_in_town(t)));
    }
    c
}

/// Transfers requested in the year: accepted ones by category (承接移交案件), all by status.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Transfers {
    pub received: Vec<(TransferCategory, i64)>,
    pub by_status: Vec<(TransferStatus, i64)>,
}

pub async fn transfers(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Transfers> {
    let requested = || ask.year.instants(transfer::Column::RequestedAt);
    let categories: Vec<TransferCategory> = TransferCategory::iter().collect();
    let statuses: Vec<TransferStatus> = TransferStatus::iter().collect();
    let received = categories.iter().map(|&c| {
        requested()
            .add(transfer::Column::Status.eq(TransferStatus::Accepted))
            .add(transfer::Column::Category.eq(c))
            .add(transfers_in_scope(ask.scope))
    });
    let by_status =
        statuses.iter().map(|&s| requested().add(transfer::Column::Status.eq(s)).add(transfers_in_scope(ask.scope)));
    let counts = scalar_list(db, received.chain(by_status).map(|cond| count(transfer::Entity, cond))).await?;
    let (received, by_status) = counts.split_at(categories.len().min(counts.len()));
    Ok(Transfers {
        received: categories.into_iter().zip(received.iter().copied()).collect(),
        by_status: statuses.into_iter().zip(by_status.iter().copied()).collect(),
    })
}

/// Publications (公示) of the year: licences, and penalty decisions (the bureau's own in the
/// district scope, like `cases`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Publications {
    pub licence: i64,
    pub penalty: i64,
}

pub async fn publications(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Publications> {
    let of = |kind: PublicationKind| {
        let owner = if ask.scope.is_district() && kind == PublicationKind::PenaltyDecision {
            Condition::all()
                .add(publication::Column::DepartmentId.in_subquery(departments_of_kind(DepartmentKind::Bureau)))
        } else {
            by_department_and_town(ask.scope, publication::Column::DepartmentId, publication::Column::Town)
        };
        let cond =
            ask.year.instants(publication::Column::PublishedAt).add(publication::Column::Kind.eq(kind)).add(owner);
        count(publication::Entity, cond)
    };
    let [licence, penalty] = scalars(db, [of(PublicationKind::Licence), of(PublicationKind::PenaltyDecision)]).await?;
    Ok(Publications { licence, penalty })
}

/// Legal reviews decided, review meetings held, reconsiderations and litigations received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reviews {
    pub legal_reviews: i64,
    pub review_meetings: i64,
    pub reconsiderations: i64,
    /// Reconsiderations settled (化解).
    pub reconsiderations_resolved: i64,
    pub litigations: i64,
}

pub async fn reviews(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Reviews> {
    let (scope, y) = (ask.scope, ask.year);
    let legal_reviews = y
        .instants(legal_review::Column::DecidedAt)
        .add(legal_review::Column::Outcome.ne(ReviewOutcome::Pending))
        .add(by_department(scope, legal_review::Column::DepartmentId))
        .add(case_in_town(scope, legal_review::Column::CaseId));
    let meetings =
        y.days(review_meeting::Column::HeldOn).add(by_department(scope, review_meeting::Column::DepartmentId));
    let received = |kind: ReconsiderationKind| {
        y.days(reconsideration::Column::ReceivedOn)
            .add(reconsideration::Column::Kind.eq(kind))
            .add(by_department(scope, reconsideration::Column::DepartmentId))
            .add(case_in_town(scope, reconsideration::Column::CaseId))
    };
    let [legal_reviews, review_meetings, reconsiderations, reconsiderations_resolved, litigations] = scalars(
        db,
        [
            count(legal_review::Entity, legal_reviews),
            count(review_meeting::Entity, meetings),
            count(reconsideration::Entity, received(ReconsiderationKind::Reconsideration)),
            count(
                reconsideration::Entity,
                received(ReconsiderationKind::Reconsideration)
                    .add(reconsideration::Column::Outcome.eq(ReconsiderationOutcome::Settled)),
            ),
            count(reconsideration::Entity, received(ReconsiderationKind::Litigation)),
        ],
    )
    .await?;
    Ok(Reviews { legal_reviews, review_meetings, reconsiderations, reconsiderations_resolved, litigations })
}

/// File evaluations (案卷评查) of the year, the problems they found and those rectified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluations {
    pub file_checks: i64,
    pub file_problems: i64,
    pub file_problems_rectified: i64,
}

pub async fn evaluations(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Evaluations> {
    let of_year = || {
        ask.year
            .days(evaluation::Column::EvaluatedOn)
            .add(by_department(ask.scope, evaluation::Column::DepartmentId))
            .add(case_in_town(ask.scope, evaluation::Column::CaseId))
    };
    let findings = |extra: Condition| {
        Query::select()
            .expr(Func::count(Expr::col(Asterisk)))
            .from(finding::Entity)
            .inner_join(
                evaluation::Entity,
                Expr::col(evaluation::Column::Id.as_column_ref()).equals(finding::Column::EvaluationId.as_column_ref()),
            )
            .cond_where(of_year().add(extra))
            .to_owned()
    };
    let [file_checks, file_problems, file_problems_rectified] = scalars(
        db,
        [
            count(evaluation::Entity, of_year()),
            findings(Condition::all()),
            findings(Condition::all().add(finding::Column::RectifiedAt.is_not_null())),
        ],
    )
    .await?;
    Ok(Evaluations { file_checks, file_problems, file_problems_rectified })
}
