//! Officers and training: certificates held (持证率), officers joined, trainings held and
//! attended, trainees sent to follow cases (跟案学习).

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
/// town officers), active.
fn officers(ask: Ask<'_>) -> Condition {
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
    Condition::all().add(user::Column::Active.eq(true)).add(whose)
}

/// The certificate rate is taken on the year's last day, or today in the current year, from the
/// certificate history: the certificate valid on that day counts, so a renewal today never
/// changes a past year.
pub async fn officers_and_certificates(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Officers> {
    let y = ask.year;
    let as_of = if ask.today < y.last { std::cmp::max(ask.today, y.first) } else { y.last };
    let on_roll = || {
        officers(ask).add(Condition::any().add(user::Column::JoinedOn.is_null()).add(user::Column::JoinedOn.lte(as_of)))
    };
    let [on_roll_n, certified, new_officers] = scalars(
        db,
        [
            count(user::Entity, on_roll()),
            count(user::Entity, on_roll().add(user::Column::Id.in_subquery(certificates::holders_on(as_of)))),
            count(user::Entity, officers(ask).add(y.days(user::Column::JoinedOn))),
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
