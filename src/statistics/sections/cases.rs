//! Penalty cases and fines. A case counts in the year (and month) of its decision, its fine
//! with it. Only a penalty decision sets `decided_at` (an exempted, NOT_PENALIZED case and an
//! open one have none), so each count reads a covering index alone: `(department_id,
//! procedure, decided_at)` for the counts, `(department_id, decided_at, fine_fen)` for fines.

use chrono::{DateTime, Utc};
use entity::enums::{DepartmentKind, Procedure, ReconsiderationOutcome};
use entity::{case, reconsideration};
use sea_orm::sea_query::{Condition, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait};

use super::{Ask, Scope, by_department_and_town, count, departments_of_kind, scalar_list, scalars, sum};
use crate::error::AppResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByProcedure {
    pub simple: i64,
    pub general: i64,
}

impl ByProcedure {
    pub fn total(self) -> i64 {
        self.simple + self.general
    }
}

/// `cases` and `finesTotal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CasesAndFines {
    pub cases: ByProcedure,
    pub fines_fen: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Month {
    pub month: u32,
    pub cases: ByProcedure,
    pub fines_fen: i64,
}

/// The cases that `cases`, `finesTotal` and `byMonth` count: the bureau's own in the district
/// scope, else those of the scope.
fn own(scope: &Scope) -> Condition {
    if scope.is_district() {
        Condition::all().add(case::Column::DepartmentId.in_subquery(departments_of_kind(DepartmentKind::Bureau)))
    } else {
        by_department_and_town(scope, case::Column::DepartmentId, case::Column::Town)
    }
}

fn decided_between((from, to): (DateTime<Utc>, DateTime<Utc>)) -> Condition {
    Condition::all().add(case::Column::DecidedAt.gte(from)).add(case::Column::DecidedAt.lt(to))
}

/// Decisions not revoked by a reconsideration or a court: a revoked decision's fine leaves
/// `finesTotal` (an altered one counts at its new amount, which the case then carries). A
/// cancelled case (撤销立案) is never decided, so it counts nowhere here.
fn not_revoked() -> Condition {
    let revoked = Query::select()
        .column(reconsideration::Column::CaseId)
        .from(reconsideration::Entity)
        .and_where(reconsideration::Column::Outcome.eq(ReconsiderationOutcome::Revoked))
        .to_owned();
    Condition::all().add(case::Column::Id.not_in_subquery(revoked))
}

/// Counts of simple and general cases, and their fines, decided in `window` among `whose`.
fn counts_and_fines(window: (DateTime<Utc>, DateTime<Utc>), whose: Condition) -> [SelectStatement; 3] {
    let decided = || decided_between(window).add(whose.clone());
    let of = |p: Procedure| count(case::Entity, decided().add(case::Column::Procedure.eq(p)));
    [
        of(Procedure::Simple),
        of(Procedure::General),
        sum(case::Entity, case::Column::FineFen, decided().add(not_revoked())),
    ]
}

/// Penalty cases decided in the year and their fines.
pub async fn cases_and_fines(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<CasesAndFines> {
    let [simple, general, fines_fen] =
        scalars(db, counts_and_fines((ask.year.from, ask.year.to), own(ask.scope))).await?;
    Ok(CasesAndFines { cases: ByProcedure { simple, general }, fines_fen })
}

/// The town teams' cases decided in the year (赋权镇街办理案件).
pub async fn town_cases(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<ByProcedure> {
    let towns = Condition::all()
        .add(case::Column::DepartmentId.in_subquery(departments_of_kind(DepartmentKind::TownTeam)))
        .add(by_department_and_town(ask.scope, case::Column::DepartmentId, case::Column::Town));
    let of = |p: Procedure| {
        count(
            case::Entity,
            decided_between((ask.year.from, ask.year.to)).add(towns.clone()).add(case::Column::Procedure.eq(p)),
        )
    };
    let [simple, general] = scalars(db, [of(Procedure::Simple), of(Procedure::General)]).await?;
    Ok(ByProcedure { simple, general })
}

/// The same cases as `cases_and_fines`, month by month.
pub async fn by_month(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Vec<Month>> {
    let whose = own(ask.scope);
    let queries = (1..=12).flat_map(|m| counts_and_fines(ask.year.month(m), whose.clone()));
    let values = scalar_list(db, queries).await?;
    Ok(values
        .chunks_exact(3)
        .zip(1..)
        .map(|(v, month)| Month { month, cases: ByProcedure { simple: v[0], general: v[1] }, fines_fen: v[2] })
        .collect())
}
