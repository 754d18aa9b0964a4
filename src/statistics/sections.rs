//! The figures of the annual report, one section at a time. Each section is a function that
//! builds its counts as sea-query sub-queries over the entities (enum values from
//! `entity::enums`, never SQL text), runs them as one `SELECT` of scalar sub-queries (each a
//! range scan on an index of its table) and returns a small typed struct;
//! `service::compute` runs the sections concurrently and assembles `Figures` from them.
//!
//! Scope (api.md): with no department and no town, the bureau's own cases count in `cases`,
//! `finesTotal`, `byMonth` and the penalty publications, the town teams' cases in `townCases`;
//! every other figure counts the whole district. With a department or a town every figure is
//! narrowed to it: rows of that department, or rows of that town (the town column where a
//! table has one, else the departments serving the town).

pub mod activities;
pub mod cases;
pub mod empowerment;
pub mod overdue;
pub mod oversight;
pub mod people;
pub mod services;

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::DepartmentKind;
use entity::{case, department};
use sea_orm::sea_query::{Asterisk, Condition, Expr, ExprTrait, Func, IntoTableRef, Query, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryResult};
use uuid::Uuid;

use crate::calendar::{start_of_day, year_bounds};
use crate::error::{AppError, AppResult};

/// Which rows the figures count.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Scope {
    pub department_id: Option<Uuid>,
    pub town: Option<String>,
}

impl Scope {
    pub fn is_district(&self) -> bool {
        self.department_id.is_none() && self.town.is_none()
    }
}

/// A rate with its exact parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ratio {
    pub numerator: i64,
    pub denominator: i64,
}

impl Ratio {
    pub fn value(self) -> f64 {
        if self.denominator == 0 { 0.0 } else { self.numerator as f64 / self.denominator as f64 }
    }

    /// Cut (not rounded) to two decimals, as the report prints it: 65/70 is "92.85%".
    pub fn percent(self) -> String {
        if self.denominator <= 0 || self.numerator < 0 {
            return "0.00%".into();
        }
        let basis_points = i128::from(self.numerator) * 10_000 / i128::from(self.denominator);
        format!("{}.{:02}%", basis_points / 100, basis_points % 100)
    }
}

/// A Shanghai calendar year: instants `[from, to)` for timestamp columns, days
/// `[first, last]` for date columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Year {
    pub year: i32,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Year {
    pub fn new(year: i32) -> AppResult<Self> {
        match (year_bounds(year), NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
            (Some((from, to)), Some(first), Some(last)) => Ok(Year { year, from, to, first, last }),
            _ => Err(AppError::bad_input("year", "not a calendar year")),
        }
    }

    /// The instants of month `m` (1–12).
    pub fn month(&self, m: u32) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |m: u32| NaiveDate::from_ymd_opt(self.year, m, 1).map(start_of_day);
        let from = start(m).unwrap_or(self.from);
        let to = if m >= 12 { self.to } else { start(m + 1).unwrap_or(self.to) };
        (from, to)
    }

    /// A timestamp column inside the year.
    pub fn instants(&self, col: impl ColumnTrait) -> Condition {
        Condition::all().add(col.gte(self.from)).add(col.lt(self.to))
    }

    /// A date column inside the year (both ends inclusive).
    pub fn days(&self, col: impl ColumnTrait) -> Condition {
        Condition::all().add(col.gte(self.first)).add(col.lte(self.last))
    }
}

/// What every section is asked: the scope, the year and the day it is asked on (Asia/Shanghai),
/// which fixes the overdue counts and the as-of day of the certificate rate.
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub scope: &'a Scope,
    pub year: Year,
    pub today: NaiveDate,
}

/// `SELECT id FROM departments WHERE kind = …`.
pub fn departments_of_kind(kind: DepartmentKind) -> SelectStatement {
    Query::select()
        .column(department::Column::Id)
        .from(department::Entity)
        .and_where(department::Column::Kind.eq(kind))
        .to_owned()
}

/// `SELECT id FROM departments WHERE town = …`: the departments serving a town.
pub fn departments_in_town(town: &str) -> SelectStatement {
    Query::select()
        .column(department::Column::Id)
        .from(department::Entity)
        .and_where(department::Column::Town.eq(town))
        .to_owned()
}

/// The scope of a table with a department column and no town column: with a town, the rows
/// of the departments serving it.
pub fn by_department(scope: &Scope, dept: impl ColumnTrait) -> Condition {
    let mut c = Condition::all();
    if let Some(d) = scope.department_id {
        c = c.add(dept.eq(d));
    }
    if let Some(t) = &scope.town {
        c = c.add(dept.in_subquery(departments_in_town(t)));
    }
    c
}

/// The scope of a table with a department and a town column.
pub fn by_department_and_town(scope: &Scope, dept: impl ColumnTrait, town: impl ColumnTrait) -> Condition {
    let mut c = Condition::all();
    if let Some(d) = scope.department_id {
        c = c.add(dept.eq(d));
    }
    if let Some(t) = &scope.town {
        c = c.add(town.eq(t.as_str()));
    }
    c
}

/// For tables tied to a case: with a town, only rows whose case is in that town.
pub fn case_in_town(scope: &Scope, case_col: impl ColumnTrait) -> Condition {
    let mut c = Condition::all();
    if let Some(t) = &scope.town {
        let in_town = Query::select()
            .column(case::Column::Id)
            .from(case::Entity)
            .and_where(case::Column::Town.eq(t.as_str()))
            .to_owned();
        c = c.add(case_col.in_subquery(in_town));
    }
    c
}

/// `SELECT COUNT(*) FROM table WHERE cond`.
pub fn count(table: impl IntoTableRef, cond: Condition) -> SelectStatement {
    Query::select().expr(Func::count(Expr::col(Asterisk))).from(table).cond_where(cond).to_owned()
}

/// `SELECT CAST(COALESCE(SUM(col), 0) AS BIGINT) FROM table WHERE cond` (PostgreSQL sums a
/// BIGINT to a NUMERIC).
pub fn sum(table: impl IntoTableRef, col: impl ColumnTrait, cond: Condition) -> SelectStatement {
    let total = Func::coalesce([Expr::col(col.as_column_ref()).sum(), Expr::Constant(0i64.into())]);
    Query::select().expr(Func::cast_as(total, "BIGINT")).from(table).cond_where(cond).to_owned()
}

/// Runs scalar sub-queries as one `SELECT (q1), (q2) …` and returns their values in order.
pub async fn scalars<const N: usize>(db: &impl ConnectionTrait, queries: [SelectStatement; N]) -> AppResult<[i64; N]> {
    let values = scalar_list(db, queries).await?;
    values.try_into().map_err(|_| AppError::internal("a statistics query returned too few columns"))
}

/// [`scalars`] for a list built at run time.
pub async fn scalar_list(
    db: &impl ConnectionTrait,
    queries: impl IntoIterator<Item = SelectStatement>,
) -> AppResult<Vec<i64>> {
    let mut select = Query::select();
    let mut n = 0;
    for q in queries {
        select.expr(Expr::SubQuery(None, Box::new(q.into())));
        n += 1;
    }
    let statement = db.get_database_backend().build(&select);
    let row =
        db.query_one_raw(statement).await?.ok_or_else(|| AppError::internal("a statistics query returned no row"))?;
    (0..n).map(|i| row_i64(&row, i)).collect()
}

fn row_i64(row: &QueryResult, i: usize) -> AppResult<i64> {
    row.try_get_by_index::<i64>(i)
        .or_else(|_| row.try_get_by_index::<i32>(i).map(i64::from))
        .map_err(|e| AppError::internal(format_args!("statistics column {i}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_cut_like_the_report() {
        assert_eq!(Ratio { numerator: 65, denominator: 70 }.percent(), "92.85%");
        assert_eq!(Ratio { numerator: 248, denominator: 456 }.percent(), "54.38%");
        assert_eq!(Ratio { numerator: 115, denominator: 456 }.percent(), "25.21%");
        assert_eq!(Ratio { numerator: 43, denominator: 43 }.percent(), "100.00%");
        assert_eq!(Ratio { numerator: 0, denominator: 0 }.percent(), "0.00%");
        assert_eq!(Ratio { numerator: 1, denominator: 3 }.percent(), "33.33%");
        assert_eq!(Ratio { numerator: 2, denominator: 3 }.percent(), "66.66%");
    }

    #[test]
    fn values_are_bound_not_spliced_into_the_sql() {
        use entity::enums::Procedure;
        let scope = Scope { department_id: Some(Uuid::nil()), town: Some("北岙街道".into()) };
        let cond = by_department_and_town(&scope, case::Column::DepartmentId, case::Column::Town)
            .add(case::Column::Procedure.eq(Procedure::Simple));
        let st = sea_orm::DbBackend::Postgres.build(&count(case::Entity, cond));
        assert!(st.sql.contains("$3") && !st.sql.contains('\''), "{}", st.sql);
        assert_eq!(st.values.map(|v| v.0.len()), Some(3));
    }

    #[test]
    fn months_tile_the_year() {
        let y = Year::new(2023).expect("a year");
        assert_eq!(y.month(1).0, y.from);
        assert_eq!(y.month(12).1, y.to);
        for m in 1..12 {
            assert_eq!(y.month(m).1, y.month(m + 1).0);
        }
    }
}
