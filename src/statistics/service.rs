//! `statistics(year, departmentId, town)`: every figure of the annual report computed at query
//! time by SQL aggregation over the raw rows (no stored totals), in one round trip: a single
//! `SELECT` of scalar sub-queries, each a range scan on an index of its table.
//!
//! Scope (api.md): with no department and no town, `cases`, `finesTotal`, `byMonth` and the
//! penalty publications count the bureau's own cases and `townCases` the cases of all town
//! teams; every other figure counts the whole district. With a department or a town every
//! figure is narrowed to it: rows of that department, or rows of that town (the town column
//! where a table has one, else the departments serving the town).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{
    PatrolKind, Procedure, PublicationKind, ReconsiderationKind, ReconsiderationOutcome, RectificationStatus, Role,
    TrainingOrganiser, TransferCategory, TransferStatus,
};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use uuid::Uuid;

use crate::auth::Principal;
use crate::calendar::{Calendar, start_of_day, year_bounds};
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

/// Who may read which statistics: the bureau, the supervisors (justice bureau, city guidance
/// office), dashboards and admins see the district; a town team its own town; a line
/// department its own figures (its transfers); anyone else is `FORBIDDEN`.
pub fn authorize(p: &Principal, scope: &Scope) -> AppResult<()> {
    // Whoever reads every oversight record, and dashboards.
    if crate::oversight::access::reads_all(p) || p.has(Role::Dashboard) {
        return Ok(());
    }
    let own_department = scope.department_id.is_none_or(|d| d == p.department_id);
    if p.has(Role::TownOfficer) {
        let own_town = p.town.is_some() && (scope.town.is_none() || scope.town == p.town);
        let narrowed = scope.department_id.is_some() || scope.town.is_some();
        if narrowed && own_department && own_town {
            return Ok(());
        }
        return Err(AppError::Forbidden("a town team reads the statistics of its own town".into()));
    }
    if p.has(Role::DepartmentLiaison) {
        if scope.department_id == Some(p.department_id) && scope.town.is_none() {
            return Ok(());
        }
        return Err(AppError::Forbidden("a department reads the statistics of its own department".into()));
    }
    Err(AppError::Forbidden("this role may not read statistics".into()))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Month {
    pub month: u32,
    pub cases: ByProcedure,
    pub fines_fen: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Overdue {
    pub cases: i64,
    pub transfers: i64,
    pub rectification_notices: i64,
    pub publication_withdrawals: i64,
}

/// Every figure of a year in a scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    pub year: i32,
    pub scope: Scope,
    pub cases: ByProcedure,
    pub fines_fen: i64,
    pub town_cases: ByProcedure,
    pub implementation: Ratio,
    pub coverage: Ratio,
    pub rectification_notices: i64,
    pub transfers_received: Vec<(TransferCategory, i64)>,
    pub transfers_by_status: Vec<(TransferStatus, i64)>,
    pub licence_publications: i64,
    pub penalty_publications: i64,
    pub legal_reviews: i64,
    pub review_meetings: i64,
    pub reconsiderations: i64,
    pub reconsiderations_resolved: i64,
    pub litigations: i64,
    pub file_checks: i64,
    pub file_problems: i64,
    pub file_problems_rectified: i64,
    pub certificates: Ratio,
    pub new_officers: i64,
    pub trainings_held: i64,
    pub trainings_attended: i64,
    pub follow_case_trainees: i64,
    pub compliance_guidance_items: i64,
    pub three_document_deliveries: i64,
    pub credit_repairs: i64,
    pub first_violation_exemptions: i64,
    pub vendors_persuaded: i64,
    pub vendors_helped_into_market: i64,
    pub open_burning_stopped: i64,
    pub by_month: Vec<Month>,
    pub overdue: Overdue,
    pub computed_at: DateTime<Utc>,
}

/// Builds one statement of scalar sub-queries; `?` placeholders become `$n` on PostgreSQL.
struct Select {
    columns: Vec<String>,
    values: Vec<Value>,
}

/// A piece of SQL with its bound values.
struct Frag {
    sql: String,
    values: Vec<Value>,
}

impl Frag {
    fn new(sql: impl Into<String>) -> Self {
        Frag { sql: sql.into(), values: Vec::new() }
    }

    fn bind(mut self, v: impl Into<Value>) -> Self {
        self.values.push(v.into());
        self
    }

    fn and(mut self, other: Frag) -> Self {
        self.sql = format!("({}) AND ({})", self.sql, other.sql);
        self.values.extend(other.values);
        self
    }
}

impl Select {
    fn new() -> Self {
        Select { columns: Vec::new(), values: Vec::new() }
    }

    fn column(&mut self, name: &str, frag: Frag) {
        self.columns.push(format!("({}) AS {name}", frag.sql));
        self.values.extend(frag.values);
    }

    fn statement(self, backend: DbBackend) -> Statement {
        let sql = format!("SELECT {}", self.columns.join(",\n  "));
        Statement::from_sql_and_values(backend, placeholders(&sql, backend), self.values)
    }
}

/// `?` → `$1, $2 …` on PostgreSQL (the SQL here never holds a literal `?`).
fn placeholders(sql: &str, backend: DbBackend) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

const BUREAU_DEPTS: &str = "SELECT id FROM departments WHERE kind = 'BUREAU'";
const TOWN_DEPTS: &str = "SELECT id FROM departments WHERE kind = 'TOWN_TEAM'";
const OFFICER_ROLES: &str = "'BUREAU_OFFICER', 'TOWN_OFFICER'";

/// The scope condition of a table: `dept` is its department column, `town` its town column
/// if it has one.
fn scope_cond(scope: &Scope, dept: &str, town: Option<&str>) -> Frag {
    let mut f = Frag::new("1 = 1");
    if let Some(d) = scope.department_id {
        f = f.and(Frag::new(format!("{dept} = ?")).bind(d));
    }
    if let Some(t) = &scope.town {
        f = f.and(match town {
            Some(col) => Frag::new(format!("{col} = ?")).bind(t.clone()),
            None => Frag::new(format!("{dept} IN (SELECT id FROM departments WHERE town = ?)")).bind(t.clone()),
        });
    }
    f
}

/// The cases that `cases` and `finesTotal` count: the bureau's own in the district scope.
fn own_cases_cond(scope: &Scope) -> Frag {
    if scope.is_district() {
        Frag::new(format!("c.department_id IN ({BUREAU_DEPTS})"))
    } else {
        scope_cond(scope, "c.department_id", Some("c.town"))
    }
}

fn between_ts(col: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> Frag {
    Frag::new(format!("{col} >= ? AND {col} < ?")).bind(from).bind(to)
}

/// A date column inside `[first, last]` (both inclusive).
fn between_dates(col: &str, (first, last): (NaiveDate, NaiveDate)) -> Frag {
    Frag::new(format!("{col} >= ? AND {col} <= ?")).bind(first).bind(last)
}

fn date_bounds(year: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => Err(AppError::bad_input("year", "not a calendar year")),
    }
}

fn count(from_where: Frag) -> Frag {
    Frag { sql: format!("SELECT COUNT(*) FROM {}", from_where.sql), values: from_where.values }
}

fn on(table: &str, cond: Frag) -> Frag {
    Frag { sql: format!("{table} WHERE {}", cond.sql), values: cond.values }
}

/// Years the figures accept: the range of the holiday tables' era and a margin.
pub const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Computes every figure of `year` in `scope`. `today` (Asia/Shanghai) fixes the overdue
/// counts and the as-of day of the certificate rate for the current year.
pub async fn compute(
    db: &impl ConnectionTrait,
    calendar: &Calendar,
    transfer_answer_days: u32,
    scope: &Scope,
    year: i32,
    today: NaiveDate,
) -> AppResult<Figures> {
    if !YEARS.contains(&year) {
        return Err(AppError::bad_input("year", format!("a year from {} to {}", YEARS.start(), YEARS.end())));
    }
    let Some((from, to)) = year_bounds(year) else {
        return Err(AppError::bad_input("year", "not a calendar year"));
    };
    let (jan1, dec31) = date_bounds(year)?;
    let mut q = Select::new();

    // Penalty cases: a case counts in the year of its decision; fines in the year they were
    // decided. Only a penalty decision sets `decided_at` (an exempted, NOT_PENALIZED case and
    // an open one have none), so the counts read covering indexes alone.
    let decided = |extra: Frag| on("cases c", between_ts("c.decided_at", from, to).and(extra));
    for (name, procedure) in [("cases_simple", Procedure::Simple), ("cases_general", Procedure::General)] {
        let cond = own_cases_cond(scope).and(Frag::new("c.procedure = ?").bind(procedure.as_str()));
        q.column(name, count(decided(cond)));
    }
    let fines = decided(own_cases_cond(scope));
    q.column(
        "fines",
        Frag {
            sql: format!("SELECT CAST(COALESCE(SUM(c.fine_fen), 0) AS BIGINT) FROM {}", fines.sql),
            values: fines.values,
        },
    );
    for (name, procedure) in [("town_simple", Procedure::Simple), ("town_general", Procedure::General)] {
        let cond = Frag::new(format!("c.department_id IN ({TOWN_DEPTS})"))
            .and(scope_cond(scope, "c.department_id", Some("c.town")))
            .and(Frag::new("c.procedure = ?").bind(procedure.as_str()));
        q.column(name, count(decided(cond)));
    }
    // By month of decision, the same cases as `cases`.
    for m in 1..=12u32 {
        let start = start_of_day(NaiveDate::from_ymd_opt(year, m, 1).unwrap_or(jan1));
        let end = if m == 12 { to } else { start_of_day(NaiveDate::from_ymd_opt(year, m + 1, 1).unwrap_or(dec31)) };
        let month = |extra: Frag| on("cases c", between_ts("c.decided_at", start, end).and(extra));
        for (p, procedure) in [("s", Procedure::Simple), ("g", Procedure::General)] {
            let cond = own_cases_cond(scope).and(Frag::new("c.procedure = ?").bind(procedure.as_str()));
            q.column(&format!("m{m}_{p}"), count(month(cond)));
        }
        let f = month(own_cases_cond(scope));
        q.column(
            &format!("m{m}_fines"),
            Frag {
                sql: format!("SELECT CAST(COALESCE(SUM(c.fine_fen), 0) AS BIGINT) FROM {}", f.sql),
                values: f.values,
            },
        );
    }

    // Empowered matters: the town–matter pairs empowered at any time of the year.
    let pairs = {
        let mut f =
            Frag::new("e.valid_from <= ? AND (e.valid_until IS NULL OR e.valid_until >= ?)").bind(dec31).bind(jan1);
        if let Some(t) = &scope.town {
            f = f.and(Frag::new("e.town = ?").bind(t.clone()));
        }
        if let Some(d) = scope.department_id {
            f = f.and(Frag::new("e.town IN (SELECT town FROM departments WHERE id = ? AND town IS NOT NULL)").bind(d));
        }
        f
    };
    let pair_count = |exists: Option<Frag>| {
        let mut cond = Frag { sql: pairs.sql.clone(), values: pairs.values.clone() };
        if let Some(x) = exists {
            cond = cond.and(x);
        }
        Frag {
            sql: format!(
                "SELECT COUNT(*) FROM (SELECT DISTINCT e.town, e.matter_id FROM matter_empowerments e WHERE {}) pairs",
                cond.sql
            ),
            values: cond.values,
        }
    };
    // An enforcement action: a town team's case in the matter filed or decided in the year, or
    // an inspection of the matter by the town in the year.
    let town_case = |time: Frag| {
        let sql = format!(
            "EXISTS (SELECT 1 FROM cases c WHERE c.town = e.town AND c.matter_id = e.matter_id \
             AND c.department_id IN ({TOWN_DEPTS}) AND {})",
            time.sql
        );
        Frag { sql, values: time.values }
    };
    let acted = {
        let filed = town_case(between_ts("c.filed_at", from, to));
        let decided_case = town_case(between_ts("c.decided_at", from, to));
        let window = between_ts("a.occurred_at", from, to);
        let inspected = Frag {
            sql: format!(
                "EXISTS (SELECT 1 FROM patrol_actions a WHERE a.town = e.town AND a.matter_id = e.matter_id \
                 AND a.kind = 'INSPECTION' AND {})",
                window.sql
            ),
            values: window.values,
        };
        Frag {
            sql: format!("{} OR {} OR {}", filed.sql, decided_case.sql, inspected.sql),
            values: [filed.values, decided_case.values, inspected.values].concat(),
        }
    };
    let penalised = town_case(between_ts("c.decided_at", from, to));
    q.column("pairs", pair_count(None));
    q.column("pairs_acted", pair_count(Some(acted)));
    q.column("pairs_penalised", pair_count(Some(penalised)));

    // Oversight records, each in the year of its own date.
    q.column(
        "rectification_notices",
        count(on(
            "rectification_notices r",
            between_dates("r.issued_on", (jan1, dec31)).and(scope_cond(scope, "r.department_id", Some("r.town"))),
        )),
    );
    for category in [
        TransferCategory::Forestry,
        TransferCategory::BidRigging,
        TransferCategory::ProvidentFund,
        TransferCategory::Other,
    ] {
        let cond = between_ts("t.requested_at", from, to)
            .and(Frag::new("t.status = 'ACCEPTED' AND t.category = ?").bind(category.as_str()))
            .and(transfer_scope(scope));
        q.column(&format!("tr_{}", category.as_str().to_lowercase()), count(on("transfers t", cond)));
    }
    for status in [
        TransferStatus::Pending,
        TransferStatus::Accepted,
        TransferStatus::Rejected,
        TransferStatus::Returned,
        TransferStatus::Withdrawn,
    ] {
        let cond = between_ts("t.requested_at", from, to)
            .and(Frag::new("t.status = ?").bind(status.as_str()))
            .and(transfer_scope(scope));
        q.column(&format!("ts_{}", status.as_str().to_lowercase()), count(on("transfers t", cond)));
    }
    for (name, kind) in [("pub_licence", PublicationKind::Licence), ("pub_penalty", PublicationKind::PenaltyDecision)] {
        let owner = if scope.is_district() && kind == PublicationKind::PenaltyDecision {
            Frag::new(format!("p.department_id IN ({BUREAU_DEPTS})"))
        } else {
            scope_cond(scope, "p.department_id", Some("p.town"))
        };
        let cond = between_ts("p.published_at", from, to).and(Frag::new("p.kind = ?").bind(kind.as_str())).and(owner);
        q.column(name, count(on("publications p", cond)));
    }
    q.column(
        "legal_reviews",
        count(on(
            "legal_reviews l",
            between_ts("l.decided_at", from, to)
                .and(Frag::new("l.outcome <> 'PENDING'"))
                .and(scope_cond(scope, "l.department_id", None))
                .and(case_town(scope, "l.case_id")),
        )),
    );
    q.column(
        "review_meetings",
        count(on(
            "review_meetings m",
            between_dates("m.held_on", (jan1, dec31)).and(scope_cond(scope, "m.department_id", None)),
        )),
    );
    let recon = |kind: ReconsiderationKind, extra: Frag| {
        count(on(
            "reconsiderations r",
            between_dates("r.received_on", (jan1, dec31))
                .and(Frag::new("r.kind = ?").bind(kind.as_str()))
                .and(scope_cond(scope, "r.department_id", None))
                .and(case_town(scope, "r.case_id"))
                .and(extra),
        ))
    };
    q.column("reconsiderations", recon(ReconsiderationKind::Reconsideration, Frag::new("1 = 1")));
    q.column(
        "reconsiderations_resolved",
        recon(
            ReconsiderationKind::Reconsideration,
            Frag::new("r.outcome = ?").bind(ReconsiderationOutcome::Settled.as_str()),
        ),
    );
    q.column("litigations", recon(ReconsiderationKind::Litigation, Frag::new("1 = 1")));
    let evaluations = || {
        between_dates("v.evaluated_on", (jan1, dec31))
            .and(scope_cond(scope, "v.department_id", None))
            .and(case_town(scope, "v.case_id"))
    };
    q.column("file_checks", count(on("file_evaluations v", evaluations())));
    let findings = |extra: &str| {
        let ev = evaluations();
        Frag {
            sql: format!(
                "SELECT COUNT(*) FROM evaluation_findings f JOIN file_evaluations v ON v.id = f.evaluation_id WHERE ({}) AND {extra}",
                ev.sql
            ),
            values: ev.values,
        }
    };
    q.column("file_problems", findings("1 = 1"));
    q.column("file_problems_rectified", findings("f.rectified_at IS NOT NULL"));

    // Enforcement certificates: officers on the roll at the as-of day (the year's last day,
    // or today in the current year) holding a certificate valid that day.
    let as_of = if today < dec31 { today.max(jan1) } else { dec31 };
    let officers = |extra: Frag| {
        let roles = if scope.is_district() {
            Frag::new(format!(
                "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = 'BUREAU_OFFICER') \
                 AND u.department_id IN ({BUREAU_DEPTS})"
            ))
        } else {
            Frag::new(format!(
                "EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role IN ({OFFICER_ROLES}))"
            ))
            .and(scope_cond(scope, "u.department_id", None))
        };
        count(on("users u", Frag::new("u.active = ?").bind(true).and(roles).and(extra)))
    };
    let on_roll = Frag::new("(u.joined_on IS NULL OR u.joined_on <= ?)").bind(as_of);
    q.column("officers", officers(Frag { sql: on_roll.sql.clone(), values: on_roll.values.clone() }));
    q.column("certified", officers(on_roll.and(Frag::new("u.certificate_valid_until >= ?").bind(as_of))));
    q.column("new_officers", officers(Frag::new("u.joined_on >= ? AND u.joined_on <= ?").bind(jan1).bind(dec31)));

    for (name, held) in [("trainings_held", true), ("trainings_attended", false)] {
        let op = if held { "=" } else { "<>" };
        q.column(
            name,
            count(on(
                "trainings g",
                between_dates("g.held_on", (jan1, dec31))
                    .and(Frag::new(format!("g.organiser {op} ?")).bind(TrainingOrganiser::Bureau.as_str()))
                    .and(scope_cond(scope, "g.department_id", None)),
            )),
        );
    }
    // Trainees sent to follow cases: distinct trainees enrolled in the year on cases in scope.
    {
        let cases_in_scope = scope_cond(scope, "c.department_id", Some("c.town"));
        let cond = between_ts("f.enrolled_at", from, to);
        q.column(
            "follow_case_trainees",
            Frag {
                sql: format!(
                    "SELECT COUNT(DISTINCT f.trainee_id) FROM follow_enrollments f JOIN cases c ON c.id = f.case_id \
                     WHERE ({}) AND ({})",
                    cond.sql, cases_in_scope.sql
                ),
                values: [cond.values, cases_in_scope.values].concat(),
            },
        );
    }
    q.column(
        "compliance_guidance_items",
        count(on(
            "compliance_guidance_items g",
            between_dates("g.issued_on", (jan1, dec31)).and(scope_cond(scope, "g.department_id", None)),
        )),
    );
    q.column(
        "three_document_deliveries",
        count(on(
            "three_document_deliveries d",
            between_dates("d.delivered_on", (jan1, dec31))
                .and(scope_cond(scope, "d.department_id", None))
                .and(case_town(scope, "d.case_id")),
        )),
    );
    q.column(
        "credit_repairs",
        count(on(
            "credit_repairs r",
            between_dates("r.completed_on", (jan1, dec31)).and(scope_cond(scope, "r.department_id", None)),
        )),
    );
    q.column(
        "exemptions",
        count(on(
            "exemptions x",
            between_ts("x.granted_at", from, to).and(scope_cond(scope, "x.department_id", Some("x.town"))),
        )),
    );
    for (name, kind) in [
        ("vendors_persuaded", PatrolKind::VendorPersuaded),
        ("vendors_helped", PatrolKind::VendorHelpedIntoMarket),
        ("open_burning", PatrolKind::OpenBurningStopped),
    ] {
        q.column(
            name,
            count(on(
                "patrol_actions a",
                between_ts("a.occurred_at", from, to).and(Frag::new("a.kind = ?").bind(kind.as_str())).and(scope_cond(
                    scope,
                    "a.department_id",
                    Some("a.town"),
                )),
            )),
        );
    }

    // Overdue now (not of the year): open cases past a timer, transfers unanswered past T7,
    // rectification notices past T8 unverified, publications past T6 not withdrawn.
    q.column(
        "overdue_cases",
        count(on(
            "cases c",
            Frag::new("c.next_due < ?").bind(today).and(scope_cond(scope, "c.department_id", Some("c.town"))),
        )),
    );
    let overdue_transfers = match crate::transfers::service::overdue_before(calendar, today, transfer_answer_days) {
        Some(before) => count(on(
            "transfers t",
            Frag::new("t.status = 'PENDING' AND t.requested_at < ?").bind(before).and(transfer_scope(scope)),
        )),
        None => Frag::new("SELECT 0"),
    };
    q.column("overdue_transfers", overdue_transfers);
    q.column(
        "overdue_rectifications",
        count(on(
            "rectification_notices r",
            Frag::new("r.status = ? AND r.deadline < ?")
                .bind(RectificationStatus::Issued.as_str())
                .bind(today)
                .and(scope_cond(scope, "r.department_id", Some("r.town"))),
        )),
    );
    q.column(
        "overdue_withdrawals",
        count(on(
            "publications p",
            Frag::new("p.withdrawn_at IS NULL AND p.withdrawal_due < ?").bind(today).and(scope_cond(
                scope,
                "p.department_id",
                Some("p.town"),
            )),
        )),
    );

    let backend = db.get_database_backend();
    let row = db
        .query_one_raw(q.statement(backend))
        .await?
        .ok_or_else(|| AppError::internal("the statistics query returned no row"))?;
    let n = |col: &str| -> AppResult<i64> { row_i64(&row, col) };

    let by_month = (1..=12u32)
        .map(|m| {
            Ok(Month {
                month: m,
                cases: ByProcedure { simple: n(&format!("m{m}_s"))?, general: n(&format!("m{m}_g"))? },
                fines_fen: n(&format!("m{m}_fines"))?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Figures {
        year,
        scope: scope.clone(),
        cases: ByProcedure { simple: n("cases_simple")?, general: n("cases_general")? },
        fines_fen: n("fines")?,
        town_cases: ByProcedure { simple: n("town_simple")?, general: n("town_general")? },
        implementation: Ratio { numerator: n("pairs_acted")?, denominator: n("pairs")? },
        coverage: Ratio { numerator: n("pairs_penalised")?, denominator: n("pairs")? },
        rectification_notices: n("rectification_notices")?,
        transfers_received: vec![
            (TransferCategory::Forestry, n("tr_forestry")?),
            (TransferCategory::BidRigging, n("tr_bid_rigging")?),
            (TransferCategory::ProvidentFund, n("tr_provident_fund")?),
            (TransferCategory::Other, n("tr_other")?),
        ],
        transfers_by_status: vec![
            (TransferStatus::Pending, n("ts_pending")?),
            (TransferStatus::Accepted, n("ts_accepted")?),
            (TransferStatus::Rejected, n("ts_rejected")?),
            (TransferStatus::Returned, n("ts_returned")?),
            (TransferStatus::Withdrawn, n("ts_withdrawn")?),
        ],
        licence_publications: n("pub_licence")?,
        penalty_publications: n("pub_penalty")?,
        legal_reviews: n("legal_reviews")?,
        review_meetings: n("review_meetings")?,
        reconsiderations: n("reconsiderations")?,
        reconsiderations_resolved: n("reconsiderations_resolved")?,
        litigations: n("litigations")?,
        file_checks: n("file_checks")?,
        file_problems: n("file_problems")?,
        file_problems_rectified: n("file_problems_rectified")?,
        certificates: Ratio { numerator: n("certified")?, denominator: n("officers")? },
        new_officers: n("new_officers")?,
        trainings_held: n("trainings_held")?,
        trainings_attended: n("trainings_attended")?,
        follow_case_trainees: n("follow_case_trainees")?,
        compliance_guidance_items: n("compliance_guidance_items")?,
        three_document_deliveries: n("three_document_deliveries")?,
        credit_repairs: n("credit_repairs")?,
        first_violation_exemptions: n("exemptions")?,
        vendors_persuaded: n("vendors_persuaded")?,
        vendors_helped_into_market: n("vendors_helped")?,
        open_burning_stopped: n("open_burning")?,
        by_month,
        overdue: Overdue {
            cases: n("overdue_cases")?,
            transfers: n("overdue_transfers")?,
            rectification_notices: n("overdue_rectifications")?,
            publication_withdrawals: n("overdue_withdrawals")?,
        },
        computed_at: Utc::now(),
    })
}

/// Transfers in scope: of a department, sent or received; of a town, received by its team.
fn transfer_scope(scope: &Scope) -> Frag {
    let mut f = Frag::new("1 = 1");
    if let Some(d) = scope.department_id {
        f = f.and(Frag::new("(t.from_department_id = ? OR t.to_department_id = ?)").bind(d).bind(d));
    }
    if let Some(t) = &scope.town {
        f = f.and(Frag::new("t.to_department_id IN (SELECT id FROM departments WHERE town = ?)").bind(t.clone()));
    }
    f
}

/// For tables tied to a case: with a town, only rows whose case is in that town.
fn case_town(scope: &Scope, case_col: &str) -> Frag {
    match &scope.town {
        Some(t) => Frag::new(format!("{case_col} IN (SELECT id FROM cases WHERE town = ?)")).bind(t.clone()),
        None => Frag::new("1 = 1"),
    }
}

fn row_i64(row: &QueryResult, col: &str) -> AppResult<i64> {
    row.try_get::<i64>("", col)
        .or_else(|_| row.try_get::<i32>("", col).map(i64::from))
        .map_err(|e| AppError::internal(format_args!("statistics column {col}: {e}")))
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
    fn placeholders_are_numbered_on_postgres() {
        assert_eq!(placeholders("a = ? AND b = ?", DbBackend::Postgres), "a = $1 AND b = $2");
        assert_eq!(placeholders("a = ?", DbBackend::Sqlite), "a = ?");
    }
}
