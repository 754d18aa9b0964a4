//! Case reads: filters, order and keyset paging over the caller's visibility condition.

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{CaseStatus, Procedure};
use entity::prelude::Case;
use entity::{case, party};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, QueryStatementBuilder, SelectStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, Iterable, QueryFilter, QueryResult};
use uuid::Uuid;

use crate::auth::{Principal, visibility};
use crate::error::{AppError, AppResult};
use crate::pagination::{Cursor, Page, PageArgs, PageInfo, timestamp_key};

/// A parsed `CaseFilter`.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub statuses: Vec<CaseStatus>,
    pub procedure: Option<Procedure>,
    pub department_id: Option<Uuid>,
    pub town: Option<String>,
    pub matter_code: Option<String>,
    pub filed_from: Option<DateTime<Utc>>,
    pub filed_to: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub overdue: Option<bool>,
    /// Part of a party's name, or an exact ID number / credit code (`parties`).
    pub party: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CaseOrder {
    #[default]
    FiledAtDesc,
    FiledAtAsc,
}

impl CaseOrder {
    fn tag(self) -> &'static str {
        match self {
            CaseOrder::FiledAtDesc => "cases:filed_desc",
            CaseOrder::FiledAtAsc => "cases:filed_asc",
        }
    }

    fn desc(self) -> bool {
        self == CaseOrder::FiledAtDesc
    }
}

impl CaseFilter {
    fn condition(&self, p: &Principal, today: NaiveDate) -> Condition {
        let mut cond = Condition::all();
        if !self.statuses.is_empty() {
            cond = cond.add(case::Column::Status.is_in(self.statuses.iter().copied()));
        }
        if let Some(procedure) = self.procedure {
            cond = cond.add(case::Column::Procedure.eq(procedure));
        }
        if let Some(dept) = self.department_id {
            cond = cond.add(case::Column::DepartmentId.eq(dept));
        }
        if let Some(town) = &self.town {
            cond = cond.add(case::Column::Town.eq(town.as_str()));
        }
        if let Some(code) = &self.matter_code {
            cond = cond.add(case::Column::MatterCode.eq(code.as_str()));
        }
        if let Some(from) = self.filed_from {
            cond = cond.add(case::Column::FiledAt.gte(from));
        }
        if let Some(to) = self.filed_to {
            cond = cond.add(case::Column::FiledAt.lte(to));
        }
        if let Some(search) = self.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            // A trainee must not find a case by its party's real name (titles carry it), so
            // its search looks at case numbers only.
            let column = if p.is_trainee_only() { case::Column::CaseNo } else { case::Column::SearchText };
            cond = cond.add(Expr::col(column).like(crate::sql::contains(search)));
        }
        match self.overdue {
            Some(true) => cond = cond.add(case::Column::NextDue.lt(today)),
            Some(false) => {
                cond = cond
                    .add(Condition::any().add(case::Column::NextDue.is_null()).add(case::Column::NextDue.gte(today)))
            }
            None => {}
        }
        cond
    }
}

/// What a read of cases fetches besides the case's small columns: the caller's selection
/// decides, so a list showing five fields neither reads the long texts nor waits for a second
/// round trip for the party.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CaseFetch {
    /// The party, joined in the same statement.
    pub party: bool,
    /// `facts` (long free text). When false, the returned models carry an empty `facts`:
    /// only a caller that reads no `facts` may ask for that.
    pub facts: bool,
}

impl CaseFetch {
    /// Everything: the whole case and its party.
    pub const ALL: CaseFetch = CaseFetch { party: true, facts: true };
}

/// A case row as read with [`CaseFetch`]: the case, and its party when asked for.
pub type CaseRow = (case::Model, Option<party::Model>);

const CASE_PREFIX: &str = "A_";
const PARTY_PREFIX: &str = "B_";

/// `SELECT <case columns> [, <party columns>] FROM cases [LEFT JOIN parties]`, with the
/// column prefixes `from_query_result` reads back. `search_text` is never read back (it only
/// serves the search filter), nor `facts` unless `fetch.facts`: both are long.
fn select_cases(fetch: CaseFetch) -> SelectStatement {
    let mut q = Query::select();
    q.from(case::Entity);
    for c in case::Column::iter() {
        let alias = Alias::new(format!("{CASE_PREFIX}{}", sea_orm::IdenStatic::as_str(&c)));
        let skipped = matches!(c, case::Column::SearchText) || (matches!(c, case::Column::Facts) && !fetch.facts);
        if skipped {
            q.expr_as(Expr::cust("''"), alias);
        } else {
            q.expr_as(Expr::col((case::Entity, c)), alias);
        }
    }
    if fetch.party {
        for c in party::Column::iter() {
            let alias = Alias::new(format!("{PARTY_PREFIX}{}", sea_orm::IdenStatic::as_str(&c)));
            q.expr_as(Expr::col((party::Entity, c)), alias);
        }
        q.left_join(
            party::Entity,
            Expr::col((party::Entity, party::Column::Id)).equals((case::Entity, case::Column::PartyId)),
        );
    }
    q
}

fn case_row(row: &QueryResult, fetch: CaseFetch) -> AppResult<CaseRow> {
    let case = case::Model::from_query_result(row, CASE_PREFIX)?;
    let party = if fetch.party { party::Model::from_query_result_optional(row, PARTY_PREFIX)? } else { None };
    Ok((case, party))
}

/// Runs `q` with a literal `LIMIT`: the page size is chosen by the server (≤ 101), and a
/// literal lets PostgreSQL cost a generic plan of the prepared statement like a custom one
/// (a `LIMIT $n` is costed as 10% of the rows, so PostgreSQL would re-plan every execution).
async fn all_limited(db: &impl ConnectionTrait, q: &SelectStatement, limit: u64) -> AppResult<Vec<QueryResult>> {
    let mut stmt = db.get_database_backend().build(q);
    stmt.sql.push_str(&format!(" LIMIT {limit}"));
    Ok(db.query_all_raw(stmt).await?)
}

/// [`visibility::cases`] for a page in filing order. SQLite answers `department_id = ? OR …`
/// with a MULTI-INDEX OR and then sorts every visible case in a temporary B-tree (13 ms a page
/// at 10k cases, BENCHMARKS.md); with the department's arm kept off its index
/// (`+department_id`, SQLite's own spelling) it walks `(filed_at, id)` backwards and stops after
/// the page. PostgreSQL plans the plain condition well.
fn visible_for_a_page(backend: sea_orm::DbBackend, p: &Principal, today: NaiveDate) -> Condition {
    match (backend, visibility::cases_split(p, today)) {
        (sea_orm::DbBackend::Sqlite, Some((Some(department), other))) => {
            Condition::any().add(Expr::cust_with_values(r#"+"cases"."department_id" = ?"#, [department])).add(other)
        }
        _ => visibility::cases(p, today),
    }
}

/// One page of the cases `p` may see, with what `fetch` asks for, in one statement.
pub async fn list(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    filter: &CaseFilter,
    order: CaseOrder,
    args: PageArgs<'_>,
    fetch: CaseFetch,
) -> AppResult<(Vec<(String, CaseRow)>, PageInfo, Condition)> {
    let tag = order.tag();
    let page = Page::new(args.first, args.after, args.last, args.before, tag)?;
    let matching =
        Condition::all().add(filter.condition(p, today)).add(super::parties::filter(p, filter.party.as_deref())?);
    let condition = Condition::all().add(visible_for_a_page(db.get_database_backend(), p, today)).add(matching.clone());

    let (at_col, id_col) = ((case::Entity, case::Column::FiledAt), (case::Entity, case::Column::Id));
    let mut q = select_cases(fetch);
    q.cond_where(condition.clone());
    if let Some(c) = page.after_time_cursor(at_col, id_col, order.desc())? {
        q.cond_where(c);
    }
    let dir = page.read_order(order.desc());
    q.order_by(at_col, dir.clone()).order_by(id_col, dir);
    let rows =
        all_limited(db, &q, page.limit + 1).await?.iter().map(|r| case_row(r, fetch)).collect::<AppResult<Vec<_>>>()?;
    let (edges, info) = page.finish(rows, |(c, _)| Cursor::new(tag, timestamp_key(c.filed_at), c.id).encode());
    Ok((edges, info, matching))
}

/// How many cases `p` may see match `matching` (a filter without visibility, as [`list`]
/// returns it), in one statement. When `p` sees its department's cases and more, the count is
/// `department's matching cases + other departments' matching cases it may see`: the first is
/// read from the `(department_id, …)` index alone and the second looks at the other grants
/// (transfers, a town) only, so PostgreSQL never evaluates the grants for every case.
pub async fn count(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, matching: Condition) -> AppResult<i64> {
    let count_where = |cond: Condition| {
        Query::select().expr_as(Expr::cust("COUNT(*)"), Alias::new("n")).from(case::Entity).cond_where(cond).to_owned()
    };
    let q = match visibility::cases_split(p, today) {
        None => count_where(matching),
        Some((None, other)) => count_where(Condition::all().add(matching).add(other)),
        Some((Some(department), other)) => {
            let own = count_where(matching.clone().add(case::Column::DepartmentId.eq(department)));
            let rest = count_where(matching.add(case::Column::DepartmentId.ne(department)).add(other));
            let sub = |q: SelectStatement| Expr::SubQuery(None, Box::new(q.into_sub_query_statement()));
            Query::select().expr_as(sub(own).add(sub(rest)), Alias::new("n")).to_owned()
        }
    };
    let row = db.query_one(&q).await?.ok_or_else(|| AppError::internal("COUNT returned no row"))?;
    Ok(row.try_get::<i64>("", "n")?)
}

/// A case `p` may see; anything else is `NOT_FOUND`.
pub async fn get(db: &impl ConnectionTrait, p: &Principal, today: NaiveDate, id: Uuid) -> AppResult<case::Model> {
    Case::find_by_id(id).filter(visibility::cases(p, today)).one(db).await?.ok_or_else(|| AppError::not_found("case"))
}

/// [`get`] with what `fetch` asks for (the party joined), in one statement.
pub async fn get_with(
    db: &impl ConnectionTrait,
    p: &Principal,
    today: NaiveDate,
    id: Uuid,
    fetch: CaseFetch,
) -> AppResult<CaseRow> {
    let mut q = select_cases(fetch);
    q.cond_where(Condition::all().add(case::Column::Id.eq(id)).add(visibility::cases(p, today)));
    let row = all_limited(db, &q, 1).await?.into_iter().next().ok_or_else(|| AppError::not_found("case"))?;
    case_row(&row, fetch)
}

#[cfg(test)]
mod tests {
    use entity::enums::{DepartmentKind, Role};
    use migration::{Migrator, MigratorTrait};
    use sea_orm::sea_query::Order;
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

    use super::*;

    fn bureau_officer() -> Principal {
        Principal {
            user_id: Uuid::nil(),
            login: "bureau.officer".into(),
            name: "officer".into(),
            department_id: Uuid::from_u128(7),
            department_kind: DepartmentKind::Bureau,
            town: None,
            roles: vec![Role::BureauOfficer],
            client_addr: None,
        }
    }

    /// The plan SQLite picks for a page of a bureau officer's cases in filing order.
    async fn sqlite_plan(condition: Condition) -> String {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        Migrator::up(&db, None).await.expect("migrations");
        let mut q = Query::select();
        q.column((case::Entity, case::Column::Id))
            .from(case::Entity)
            .cond_where(condition)
            .order_by((case::Entity, case::Column::FiledAt), Order::Desc)
            .order_by((case::Entity, case::Column::Id), Order::Desc)
            .limit(51);
        let stmt = DbBackend::Sqlite.build(&q);
        let explain = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {}", stmt.sql),
            stmt.values.map(|v| v.0).unwrap_or_default(),
        );
        let rows = db.query_all_raw(explain).await.expect("explain");
        rows.iter().map(|r| r.try_get::<String>("", "detail").expect("detail")).collect::<Vec<_>>().join("\n")
    }

    #[tokio::test]
    async fn a_page_on_sqlite_walks_the_filing_index_instead_of_sorting_every_visible_case() {
        let (p, today) = (bureau_officer(), NaiveDate::from_ymd_opt(2026, 12, 1).expect("date"));
        let plain = sqlite_plan(visibility::cases(&p, today)).await;
        assert!(plain.contains("TEMP B-TREE"), "the plain condition sorts on SQLite:\n{plain}");
        let page = sqlite_plan(visible_for_a_page(DbBackend::Sqlite, &p, today)).await;
        assert!(!page.contains("TEMP B-TREE") && !page.contains("MULTI-INDEX OR"), "{page}");
        // PostgreSQL keeps the plain condition.
        assert_eq!(
            format!("{:?}", visible_for_a_page(DbBackend::Postgres, &p, today)),
            format!("{:?}", visibility::cases(&p, today))
        );
    }
}
