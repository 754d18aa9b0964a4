//! Overdue now (not of the year): open cases past a timer, transfers unanswered past T7,
//! rectification notices past T8 unverified, publications past T6 not withdrawn.

use entity::enums::{RectificationStatus, TransferStatus};
use entity::{case, publication, rectification_notice as notice, transfer};
use sea_orm::sea_query::{Expr, IntoCondition, Query};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::oversight::transfers_in_scope;
use super::{Ask, by_department_and_town, count, scalars};
use crate::calendar::Calendar;
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overdue {
    pub cases: i64,
    pub transfers: i64,
    pub rectification_notices: i64,
    pub publication_withdrawals: i64,
}

pub async fn overdue(
    db: &impl ConnectionTrait,
    ask: Ask<'_>,
    calendar: &Calendar,
    transfer_answer_days: u32,
) -> AppResult<Overdue> {
    let (scope, today) = (ask.scope, ask.today);
    let cases = case::Column::NextDue.lt(today).into_condition().add(by_department_and_town(
        scope,
        case::Column::DepartmentId,
        case::Column::Town,
    ));
    let transfers = match crate::transfers::service::overdue_before(calendar, today, transfer_answer_days) {
        Some(before) => count(
            transfer::Entity,
            transfer::Column::Status
                .eq(TransferStatus::Pending)
                .into_condition()
                .add(transfer::Column::RequestedAt.lt(before))
                .add(transfers_in_scope(scope)),
        ),
        // Nothing can be overdue yet.
        None => Query::select().expr(Expr::Constant(0i64.into())).to_owned(),
    };
    let notices = notice::Column::Status
        .eq(RectificationStatus::Issued)
        .into_condition()
        .add(notice::Column::Deadline.lt(today))
        .add(by_department_and_town(scope, notice::Column::DepartmentId, notice::Column::Town));
    let withdrawals = publication::Column::WithdrawnAt
        .is_null()
        .into_condition()
        .add(publication::Column::WithdrawalDue.lt(today))
        .add(by_department_and_town(scope, publication::Column::DepartmentId, publication::Column::Town));
    let [cases, transfers, rectification_notices, publication_withdrawals] = scalars(
        db,
        [
            count(case::Entity, cases),
            transfers,
            count(notice::Entity, notices),
            count(publication::Entity, withdrawals),
        ],
    )
    .await?;
    Ok(Overdue { cases, transfers, rectification_notices, publication_withdrawals })
}
