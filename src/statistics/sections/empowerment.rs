//! Empowered matters (赋权事项): the town–matter pairs empowered at any time of the year, and
//! how many of them the towns acted on (实施率) and penalised (处罚覆盖率).

use entity::enums::{DepartmentKind, PatrolKind};
use entity::{case, department, matter_empowerment as empowerment, patrol_action};
use sea_orm::sea_query::{Asterisk, Condition, Expr, ExprTrait, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::{Ask, Ratio, departments_of_kind, scalars};
use crate::error::AppResult;

/// `implementationRate` and `penaltyCoverage`, over the same pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empowerment {
    pub implementation: Ratio,
    pub coverage: Ratio,
}

/// `a = b` between a column of a sub-query and one of the pair it belongs to.
fn same(inner: impl ColumnTrait, outer: impl ColumnTrait) -> Expr {
    Expr::col(inner.as_column_ref()).equals(outer.as_column_ref())
}

/// A town team's case in the pair's matter and town, within `time`, not cancelled.
fn town_case(time: Condition) -> Expr {
    Expr::exists(
        Query::select()
            .column(case::Column::Id)
            .from(case::Entity)
            .and_where(same(case::Column::Town, empowerment::Column::Town))
            .and_where(same(case::Column::MatterId, empowerment::Column::MatterId))
            .and_where(case::Column::DepartmentId.in_subquery(departments_of_kind(DepartmentKind::TownTeam)))
            // A cancelled filing (撤销立案) counts in no figure.
            .and_where(case::Column::CancelledAt.is_null())
            .cond_where(time)
            .to_owned(),
    )
}

/// `SELECT COUNT(*) FROM (SELECT DISTINCT town, matter_id FROM matter_empowerments WHERE …)`.
fn pairs(ask: Ask<'_>, extra: Option<Expr>) -> SelectStatement {
    let y = ask.year;
    let mut cond = Condition::all().add(empowerment::Column::ValidFrom.lte(y.last)).add(
        Condition::any()
            .add(empowerment::Column::ValidUntil.is_null())
            .add(empowerment::Column::ValidUntil.gte(y.first)),
    );
    if let Some(t) = &ask.scope.town {
        cond = cond.add(empowerment::Column::Town.eq(t.as_str()));
    }
    if let Some(d) = ask.scope.department_id {
        let town_of = Query::select()
            .column(department::Column::Town)
            .from(department::Entity)
            .and_where(department::Column::Id.eq(d))
            .and_where(department::Column::Town.is_not_null())
            .to_owned();
        cond = cond.add(empowerment::Column::Town.in_subquery(town_of));
    }
    if let Some(x) = extra {
        cond = cond.add(x);
    }
    let distinct = Query::select()
        .distinct()
        .column(empowerment::Column::Town)
        .column(empowerment::Column::MatterId)
        .from(empowerment::Entity)
        .cond_where(cond)
        .to_owned();
    Query::select().expr(Func::count(Expr::col(Asterisk))).from_subquery(distinct, "pairs").to_owned()
}

/// An enforcement action on a pair: a town team's case in the matter filed or decided in the
/// year, or an inspection of the matter by the town in the year; penalised: a case decided.
pub async fn empowerment(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Empowerment> {
    let y = ask.year;
    let decided = || town_case(y.instants(case::Column::DecidedAt));
    let inspected = Expr::exists(
        Query::select()
            .column(patrol_action::Column::Id)
            .from(patrol_action::Entity)
            .and_where(same(patrol_action::Column::Town, empowerment::Column::Town))
            .and_where(same(patrol_action::Column::MatterId, empowerment::Column::MatterId))
            .and_where(patrol_action::Column::Kind.eq(PatrolKind::Inspection))
            .cond_where(y.instants(patrol_action::Column::OccurredAt))
            .to_owned(),
    );
    let acted = town_case(y.instants(case::Column::FiledAt)).or(decided()).or(inspected);
    let [all, acted, penalised] =
        scalars(db, [pairs(ask, None), pairs(ask, Some(acted)), pairs(ask, Some(decided()))]).await?;
    Ok(Empowerment {
        implementation: Ratio { numerator: acted, denominator: all },
        coverage: Ratio { numerator: penalised, denominator: all },
    })
}
