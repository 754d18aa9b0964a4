//! Penalty cases and fines. A case counts in the year (and month) of its decision, its fine
//! with it. Only a penalty decision sets `decided_at` (an exempted, NOT_PENALIZED case and an
//! open one have none).
//!
//! `cases`, `finesTotal`, `townCases` and `byMonth` all count the cases decided in the year, so
//! they come from one statement ([`decided_cases`]): for each month, one range scan of the
//! covering index `(decided_at, department_id, procedure, town, fine_fen)` grouped by department
//! and procedure (at most departments × 2 rows a month). Which department counts where (the
//! bureau's, the town teams') is settled on those few rows, and the fines of revoked decisions
//! (a handful of rows) are taken off afterwards: no per-row sub-query, no heap read, one pass
//! over the year whatever the number of cases.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::enums::{DepartmentKind, Procedure, ReconsiderationOutcome};
use entity::{case, department, reconsideration};
use sea_orm::sea_query::{Asterisk, Condition, Expr, ExprTrait, Func, Query, SelectStatement, UnionType};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{Ask, Scope, by_department_and_town};
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ByProcedure {
    pub simple: i64,
    pub general: i64,
}

impl ByProcedure {
    pub fn total(self) -> i64 {
        self.simple + self.general
    }

    fn add(&mut self, simple: bool, n: i64) {
        if simple {
            self.simple += n;
        } else {
            self.general += n;
        }
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

/// The year's decided cases as the figures count them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decided {
    /// `cases` and `finesTotal`: the cases of `own`.
    pub own: CasesAndFines,
    /// `townCases`: the town teams' cases (赋权镇街办理案件).
    pub town: ByProcedure,
    /// `own`, month by month.
    pub by_month: Vec<Month>,
}

/// Whose decided cases count where: `cases`, `finesTotal` and `byMonth` count the bureau's own
/// in the district scope, else every case of the scope; `townCases` the town teams' within the
/// scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    own: bool,
    town: bool,
}

fn counts(scope: &Scope, kind: Option<DepartmentKind>) -> Counts {
    Counts {
        own: !scope.is_district() || kind == Some(DepartmentKind::Bureau),
        town: kind == Some(DepartmentKind::TownTeam),
    }
}

/// The scope's cases decided in `[from, to)`.
fn decided_in(scope: &Scope, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> Condition {
    Condition::all()
        .add(case::Column::DecidedAt.gte(from))
        .add(case::Column::DecidedAt.lt(to))
        .add(by_department_and_town(scope, case::Column::DepartmentId, case::Column::Town))
}

/// `SELECT month, department_id, procedure, COUNT(*), SUM(fine_fen) … GROUP BY department_id,
/// procedure`, one such part per month, joined by `UNION ALL`.
fn decided_statement(ask: Ask<'_>) -> SelectStatement {
    let fines = Func::coalesce([Expr::col(case::Column::FineFen.as_column_ref()).sum(), Expr::Constant(0i64.into())]);
    let month = |m: u32| {
        Query::select()
            .expr(Expr::val(m as i32))
            .column(case::Column::DepartmentId)
            .expr(Expr::col(case::Column::Procedure.as_column_ref()).eq(Procedure::Simple))
            .expr(Func::count(Expr::col(Asterisk)))
            .expr(Func::cast_as(fines.clone(), "BIGINT"))
            .from(case::Entity)
            .cond_where(decided_in(ask.scope, ask.year.month(m)))
            .group_by_col(case::Column::DepartmentId)
            .group_by_col(case::Column::Procedure)
            .to_owned()
    };
    let mut statement = month(1);
    for m in 2..=12 {
        statement.union(UnionType::All, month(m));
    }
    statement
}

/// Penalty cases decided in the year, their fines, the town teams' cases and the months.
pub async fn decided_cases(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Decided> {
    let kinds: HashMap<Uuid, DepartmentKind> = department::Entity::find()
        .select_only()
        .columns([department::Column::Id, department::Column::Kind])
        .into_tuple::<(Uuid, DepartmentKind)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let counts_of = |d: Uuid| counts(ask.scope, kinds.get(&d).copied());
    let mut decided =
        Decided { by_month: (1..=12).map(|month| Month { month, ..Month::default() }).collect(), ..Decided::default() };
    let month_index = |m: i64| usize::try_from(m - 1).ok().filter(|&i| i < 12);
    let statement = db.get_database_backend().build(&decided_statement(ask));
    for row in db.query_all_raw(statement).await? {
        let month: i64 = row.try_get_by_index::<i32>(0).map(i64::from)?;
        let department: Uuid = row.try_get_by_index(1)?;
        let simple: bool = row.try_get_by_index(2)?;
        let n: i64 = row.try_get_by_index(3)?;
        let fines: i64 = row.try_get_by_index(4)?;
        let Some(i) = month_index(month) else {
            return Err(AppError::internal(format_args!("statistics: month {month} out of the year")));
        };
        let whose = counts_of(department);
        if whose.own {
            decided.own.cases.add(simple, n);
            decided.own.fines_fen += fines;
            decided.by_month[i].cases.add(simple, n);
            decided.by_month[i].fines_fen += fines;
        }
        if whose.town {
            decided.town.add(simple, n);
        }
    }
    // A decision revoked by a reconsideration or a court leaves `finesTotal` (an altered one
    // counts at its new amount, which the case then carries). A cancelled case (撤销立案) is
    // never decided, so it counts nowhere here.
    let revoked = Query::select()
        .column(reconsideration::Column::CaseId)
        .from(reconsideration::Entity)
        .and_where(reconsideration::Column::Outcome.eq(ReconsiderationOutcome::Revoked))
        .to_owned();
    let revoked: Vec<(Option<DateTime<Utc>>, Uuid, Option<i64>)> = case::Entity::find()
        .select_only()
        .columns([case::Column::DecidedAt, case::Column::DepartmentId, case::Column::FineFen])
        .filter(case::Column::Id.in_subquery(revoked))
        .filter(decided_in(ask.scope, (ask.year.from, ask.year.to)))
        .into_tuple()
        .all(db)
        .await?;
    for (at, department, fine) in revoked {
        let (Some(at), Some(fine)) = (at, fine) else { continue };
        if !counts_of(department).own {
            continue;
        }
        decided.own.fines_fen -= fine;
        if let Some(m) = (1..=12).find(|&m| at < ask.year.month(m).1) {
            decided.by_month[m as usize - 1].fines_fen -= fine;
        }
    }
    Ok(decided)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::sections::Year;

    #[test]
    fn the_year_is_read_month_by_month_without_per_row_subqueries() {
        let scope = Scope::default();
        let today = chrono::NaiveDate::from_ymd_opt(2023, 12, 31).expect("a day");
        let ask = Ask { scope: &scope, year: Year::new(2023).expect("a year"), today };
        let sql = sea_orm::DbBackend::Postgres.build(&decided_statement(ask)).sql;
        // One range of `decided_at` a month, and no sub-query evaluated per row.
        assert_eq!(sql.matches("FROM \"cases\"").count(), 12, "{sql}");
        assert_eq!(sql.matches("UNION ALL").count(), 11, "{sql}");
        assert!(!sql.contains(" IN (SELECT"), "{sql}");
    }
}
