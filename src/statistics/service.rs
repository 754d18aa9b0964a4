//! `statistics(year, departmentId, town)`: every figure of the annual report computed at query
//! time by SQL aggregation over the raw rows (no stored totals), section by section
//! (`super::sections`), the sections' statements run concurrently.
//!
//! Scope (api.md): with no department and no town, `cases`, `finesTotal`, `byMonth` and the
//! penalty publications count the bureau's own cases and `townCases` the cases of all town
//! teams; every other figure counts the whole district. With a department or a town every
//! figure is narrowed to it: rows of that department, or rows of that town (the town column
//! where a table has one, else the departments serving the town).

use chrono::{DateTime, NaiveDate, Utc};
use entity::enums::{Role, TransferCategory, TransferStatus};
use sea_orm::ConnectionTrait;

pub use super::sections::activities::Activities;
pub use super::sections::cases::{ByProcedure, Month};
pub use super::sections::overdue::Overdue;
use super::sections::{Ask, Year, activities, cases, empowerment, overdue, oversight, people, services};
pub use super::sections::{Ratio, Scope};
use crate::auth::Principal;
use crate::calendar::Calendar;
use crate::error::{AppError, AppResult};

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
    /// Study, legal education, outreach, document review and the street campaign (`activities`).
    pub activities: Activities,
    pub by_month: Vec<Month>,
    pub overdue: Overdue,
    pub computed_at: DateTime<Utc>,
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
    let ask = Ask { scope, year: Year::new(year)?, today };
    // One statement per section, one after the other: a request holds at most one pooled
    // connection at a time, so many dashboards cannot drain the pool between them.
    let decided = cases::decided_cases(db, ask).await?;
    let empowerment = empowerment::empowerment(db, ask).await?;
    let streets = services::streets(db, ask).await?;
    let transfers = oversight::transfers(db, ask).await?;
    let publications = oversight::publications(db, ask).await?;
    let reviews = oversight::reviews(db, ask).await?;
    let evaluations = oversight::evaluations(db, ask).await?;
    let officers = people::officers_and_certificates(db, ask).await?;
    let trainings = people::trainings(db, ask).await?;
    let enterprises = services::enterprises(db, ask).await?;
    let overdue = overdue::overdue(db, ask, calendar, transfer_answer_days).await?;
    let activities = activities::activities(db, ask).await?;
    Ok(Figures {
        year,
        scope: scope.clone(),
        cases: decided.own.cases,
        fines_fen: decided.own.fines_fen,
        town_cases: decided.town,
        implementation: empowerment.implementation,
        coverage: empowerment.coverage,
        rectification_notices: streets.rectification_notices,
        transfers_received: transfers.received,
        transfers_by_status: transfers.by_status,
        licence_publications: publications.licence,
        penalty_publications: publications.penalty,
        legal_reviews: reviews.legal_reviews,
        review_meetings: reviews.review_meetings,
        reconsiderations: reviews.reconsiderations,
        reconsiderations_resolved: reviews.reconsiderations_resolved,
        litigations: reviews.litigations,
        file_checks: evaluations.file_checks,
        file_problems: evaluations.file_problems,
        file_problems_rectified: evaluations.file_problems_rectified,
        certificates: officers.certificates,
        new_officers: officers.new_officers,
        trainings_held: trainings.held,
        trainings_attended: trainings.attended,
        follow_case_trainees: trainings.follow_case_trainees,
        compliance_guidance_items: enterprises.compliance_guidance_items,
        three_document_deliveries: enterprises.three_document_deliveries,
        credit_repairs: enterprises.credit_repairs,
        first_violation_exemptions: enterprises.first_violation_exemptions,
        vendors_persuaded: streets.vendors_persuaded,
        vendors_helped_into_market: streets.vendors_helped_into_market,
        open_burning_stopped: streets.open_burning_stopped,
        activities,
        by_month: decided.by_month,
        overdue,
        computed_at: Utc::now(),
    })
}
