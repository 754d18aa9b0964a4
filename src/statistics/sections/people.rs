//! Officers and training: certificates held (持证率), officers joined, trainings held and
//! attended, trainees sent to follow cases (跟案学习).

use chrono::NaiveDate;
use entity::enums::{DepartmentKind, Role, TrainingOrganiser};
use entity::{case, follow_enrollment as enrollment, training, user, user_role};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func, Query};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::{Ask, Ratio, by_department, by_department_and_town, count, departments_of_kind, scalars};
use crate::error::AppResult;
use crate::org::certificates;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Officers {
    /// Officers on the roll at the as-of day holding a certificate valid that day.
    pub certificates: Ratio,
    /// Officers who joined in the year.
    pub new_officers: i64,
}

/// Enforcement officers: in the district the bureau's, else those of the scope (bureau and
/// town officers), on the roll on `as_of`.
fn officers(ask: Ask<'_>, as_of: NaiveDate) -> Condition {
    let with_role = |roles: &[Role]| {
        Expr::exists(
            Query::select()
                .column(user_role::Column::UserId)
                .from(user_role::Entity)
                .and_where(
                    Expr::col(user_role::Column::UserId.as_column_ref()).equals(user::Column::Id.as_column_ref()),
                )
                .and_where(user_role::Column::Role.is_in(roles.iter().copied()))
                .to_owned(),
        )
    };
    let whose = if ask.scope.is_district() {
        Condition::all()
            .add(with_role(&[Role::BureauOfficer]))
            .add(user::Column::DepartmentId.in_subquery(departments_of_kind(DepartmentKind::Bureau)))
    } else {
        Condition::all()
            .add(with_role(&[Role::BureauOfficer, Role::TownOfficer]))
            .add(by_department(ask.scope, user::Column::DepartmentId))
    };
    Condition::all().add(on_roll(as_of)).add(whose)
}

/// On the roll on `day`: joined by then (or on a day nobody recorded) and not left by then,
/// whatever `active` says today, so a departure never moves a past year. A user deactivated
/// before `left_on` was recorded left on an unknown day and counts nowhere.
fn on_roll(day: NaiveDate) -> Condition {
    Condition::all()
        .add(Condition::any().add(user::Column::JoinedOn.is_null()).add(user::Column::JoinedOn.lte(day)))
        .add(
            Condition::any()
                .add(user::Column::LeftOn.gt(day))
                .add(Condition::all().add(user::Column::LeftOn.is_null()).add(user::Column::Active.eq(true))),
        )
}

/// The certificate rate is taken on the year's last day, or today in the current year, from the
/// certificate history: the certificate valid on that day counts, so a renewal today never
/// changes a past year. The officers are those on the roll that day (joined by then, not left
/// by then), and the year's new officers those of them who joined in the year, so a departure
/// never changes a past year either.
pub async fn officers_and_certificates(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Officers> {
    let y = ask.year;
    let as_of = if ask.today < y.last { std::cmp::max(ask.today, y.first) } else { y.last };
    let [on_roll_n, certified, new_officers] = scalars(
        db,
        [
            count(user::Entity, officers(ask, as_of)),
            count(
                user::Entity,
                officers(ask, as_of).add(user::Column::Id.in_subquery(certificates::holders_on(as_of))),
            ),
            count(user::Entity, officers(ask, as_of).add(y.days(user::Column::JoinedOn))),
        ],
    )
    .await?;
    Ok(Officers { certificates: Ratio { numerator: certified, denominator: on_roll_n }, new_officers })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trainings {
    /// Trainings the bureau organised.
    pub held: i64,
    /// Trainings of the province, city or district attended.
    pub attended: i64,
    /// Distinct trainees enrolled in the year to follow cases in scope.
    pub follow_case_trainees: i64,
}

pub async fn trainings(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Trainings> {
    let of_year =
        || ask.year.days(training::Column::HeldOn).add(by_department(ask.scope, training::Column::DepartmentId));
    let trainees = Query::select()
        .expr(Func::count_distinct(Expr::col(enrollment::Column::TraineeId.as_column_ref())))
        .from(enrollment::Entity)
        .inner_join(
            case::Entity,
            Expr::col(case::Column::Id.as_column_ref()).equals(enrollment::Column::CaseId.as_column_ref()),
        )
        .cond_where(ask.year.instants(enrollment::Column::EnrolledAt).add(by_department_and_town(
            ask.scope,
            case::Column::DepartmentId,
            case::Column::Town,
        )))
        .to_owned();
    let [held, attended, follow_case_trainees] = scalars(
        db,
        [
            count(training::Entity, of_year().add(training::Column::Organiser.eq(TrainingOrganiser::Bureau))),
            count(training::Entity, of_year().add(training::Column::Organiser.ne(TrainingOrganiser::Bureau))),
            trainees,
        ],
    )
    .await?;
    Ok(Trainings { held, attended, follow_case_trainees })
}
