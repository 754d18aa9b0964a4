//! The GraphQL face of the statistics: `Statistics`, `Ratio`, `statistics`, `annualReport`.

use std::sync::Arc;

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::report;
use super::service::{self, ByProcedure, Figures, Scope};
use crate::domain::money::Yuan;
use crate::error::AppError;
use crate::graphql::context::{principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{DateTime, Decimal};
use crate::transfers::schema::{TransferCategory, TransferStatus};

/// A rate with its exact parts: `value` is numerator / denominator (0 when the denominator is
/// 0), `percent` the value cut (not rounded) to two decimals as the report prints it,
/// e.g. `"54.38%"`.
#[derive(SimpleObject, Clone)]
pub struct Ratio {
    pub numerator: i32,
    pub denominator: i32,
    pub value: f64,
    pub percent: String,
}

impl From<service::Ratio> for Ratio {
    fn from(r: service::Ratio) -> Self {
        Ratio { numerator: int(r.numerator), denominator: int(r.denominator), value: r.value(), percent: r.percent() }
    }
}

/// Cases by procedure: simple (简易程序, decided on the spot) and general (一般程序).
#[derive(SimpleObject, Clone)]
pub struct CountByProcedure {
    pub total: i32,
    pub simple: i32,
    pub general: i32,
}

impl From<ByProcedure> for CountByProcedure {
    fn from(c: ByProcedure) -> Self {
        CountByProcedure { total: int(c.total()), simple: int(c.simple), general: int(c.general) }
    }
}

#[derive(SimpleObject, Clone)]
pub struct CountByCategory {
    pub category: TransferCategory,
    pub count: i32,
}

#[derive(SimpleObject, Clone)]
pub struct CountByTransferStatus {
    pub status: TransferStatus,
    pub count: i32,
}

/// The cases and fines of one month (of the decision), counted like `Statistics.cases`.
#[derive(SimpleObject, Clone)]
pub struct MonthlyFigures {
    /// 1 to 12.
    pub month: i32,
    pub simple: i32,
    pub general: i32,
    pub total: i32,
    pub fines: Decimal,
}

/// What is overdue now (not in the year): open items past their due date, in the scope.
#[derive(SimpleObject, Clone)]
pub struct OverdueCounts {
    /// Cases with a timer (T1–T5) past its due date.
    pub cases: i32,
    /// Transfers still PENDING past T7.
    pub transfers: i32,
    /// Rectification notices not verified by their deadline (T8).
    pub rectification_notices: i32,
    /// Publications of revoked decisions not withdrawn within T6.
    pub publication_withdrawals: i32,
}

fn int(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(i32::MAX)
}

/// The figures of the annual report (section 一) for a year, computed at query time from the
/// raw rows. Scope: with no `departmentId` and no `town`, `cases`, `finesTotal`, `byMonth`
/// and `penaltyPublications` count the bureau's own cases and `townCases` the cases of all
/// town teams, every other figure the whole district; with `departmentId` or `town` every
/// figure is narrowed to it. A case counts in the year of its decision, fines in the year
/// they were decided; every other record in the year of its own date.
#[derive(Clone)]
pub struct StatisticsObject(pub Arc<Figures>);

#[Object(name = "Statistics")]
impl StatisticsObject {
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// Penalty cases decided in the year (the bureau's own in the district scope).
    async fn cases(&self) -> CountByProcedure {
        self.0.cases.into()
    }

    /// Fines and confiscations decided in the year, of the cases counted by `cases`.
    async fn fines_total(&self) -> Decimal {
        Yuan::from_fen(self.0.fines_fen).into()
    }

    /// Penalty cases of the town teams in empowered matters decided in the year.
    async fn town_cases(&self) -> CountByProcedure {
        self.0.town_cases.into()
    }

    /// 赋权事项实施率 = empowered town–matter pairs with at least one enforcement action in the
    /// year (a town team's case in the matter filed or decided in the year, or an inspection
    /// of the matter by the town) / town–matter pairs empowered at any time of the year.
    async fn implementation_rate(&self) -> Ratio {
        self.0.implementation.into()
    }

    /// 处罚覆盖率 = empowered town–matter pairs with at least one penalty case of the town
    /// team decided in the year / town–matter pairs empowered at any time of the year.
    async fn penalty_coverage(&self) -> Ratio {
        self.0.coverage.into()
    }

    /// Rectification notices (责令改正通知书) issued in the year.
    async fn rectification_notices(&self) -> i32 {
        int(self.0.rectification_notices)
    }

    /// Transfers requested in the year and accepted (承接), by category; every category.
    async fn transfers_received(&self) -> Vec<CountByCategory> {
        self.0
            .transfers_received
            .iter()
            .map(|(c, n)| CountByCategory { category: (*c).into(), count: int(*n) })
            .collect()
    }

    /// Transfers requested in the year, by their status now; every status.
    async fn transfers_by_status(&self) -> Vec<CountByTransferStatus> {
        self.0
            .transfers_by_status
            .iter()
            .map(|(s, n)| CountByTransferStatus { status: (*s).into(), count: int(*n) })
            .collect()
    }

    /// Publications (公示) of administrative licences in the year.
    async fn licence_publications(&self) -> i32 {
        int(self.0.licence_publications)
    }

    /// Publications of penalty decisions in the year (the bureau's in the district scope).
    async fn penalty_publications(&self) -> i32 {
        int(self.0.penalty_publications)
    }

    /// Legal reviews (法制审核) of major cases concluded in the year, approved or rejected.
    async fn legal_reviews(&self) -> i32 {
        int(self.0.legal_reviews)
    }

    /// Meetings of the case review committee (案审委员会) held in the year.
    async fn review_meetings(&self) -> i32 {
        int(self.0.review_meetings)
    }

    /// Reconsiderations (行政复议) received in the year.
    async fn reconsiderations(&self) -> i32 {
        int(self.0.reconsiderations)
    }

    /// Of `reconsiderations`, those resolved by settlement or mediation (化解, outcome SETTLED).
    async fn reconsiderations_resolved(&self) -> i32 {
        int(self.0.reconsiderations_resolved)
    }

    /// Lawsuits (行政诉讼) received in the year.
    async fn litigations(&self) -> i32 {
        int(self.0.litigations)
    }

    /// Case-file evaluations (案卷评查) in the year.
    async fn file_checks(&self) -> i32 {
        int(self.0.file_checks)
    }

    /// Problems found by the year's evaluations.
    async fn file_problems(&self) -> i32 {
        int(self.0.file_problems)
    }

    /// Of `fileProblems`, those rectified.
    async fn file_problems_rectified(&self) -> i32 {
        int(self.0.file_problems_rectified)
    }

    /// 整改率 = `fileProblemsRectified` / `fileProblems`.
    async fn file_rectification_rate(&self) -> Ratio {
        service::Ratio { numerator: self.0.file_problems_rectified, denominator: self.0.file_problems }.into()
    }

    /// 持证率 = enforcement officers holding a certificate valid on the as-of day / enforcement
    /// officers on the roll that day (joined by then and not left by then). The as-of day is the year's
    /// last day, or today for the current year. District: the bureau's officers
    /// (BUREAU_OFFICER); narrowed: the scope's bureau and town officers.
    async fn certificate_rate(&self) -> Ratio {
        self.0.certificates.into()
    }

    /// Enforcement officers who joined in the year.
    async fn new_officers(&self) -> i32 {
        int(self.0.new_officers)
    }

    /// Trainings the department(s) held in the year.
    async fn trainings_held(&self) -> i32 {
        int(self.0.trainings_held)
    }

    /// Trainings of the province, city or district attended in the year.
    async fn trainings_attended(&self) -> i32 {
        int(self.0.trainings_attended)
    }

    /// First-violation exemptions (首违不罚) granted in the year.
    async fn first_violation_exemptions(&self) -> i32 {
        int(self.0.first_violation_exemptions)
    }

    /// Enterprise credit repairs (信用修复) completed in the year.
    async fn credit_repairs(&self) -> i32 {
        int(self.0.credit_repairs)
    }

    /// Three-document deliveries (三书同达) in the year.
    async fn three_document_deliveries(&self) -> i32 {
        int(self.0.three_document_deliveries)
    }

    /// Compliance guidance items (合规指导事项) issued in the year.
    async fn compliance_guidance_items(&self) -> i32 {
        int(self.0.compliance_guidance_items)
    }

    /// Court trainees (跟案学习) enrolled in the year on cases in the scope, each counted once.
    async fn follow_case_trainees(&self) -> i32 {
        int(self.0.follow_case_trainees)
    }

    /// Street vendors persuaded (劝导流动摊贩), patrol actions in the year.
    async fn vendors_persuaded(&self) -> i32 {
        int(self.0.vendors_persuaded)
    }

    /// Street vendors helped into the market (帮送入市经营) in the year.
    async fn vendors_helped_into_market(&self) -> i32 {
        int(self.0.vendors_helped_into_market)
    }

    /// Open burning stopped (制止露天焚烧) in the year.
    async fn open_burning_stopped(&self) -> i32 {
        int(self.0.open_burning_stopped)
    }

    /// Cases and fines by month of the decision (12 entries), counted like `cases`.
    async fn by_month(&self) -> Vec<MonthlyFigures> {
        self.0
            .by_month
            .iter()
            .map(|m| MonthlyFigures {
                month: m.month as i32,
                simple: int(m.cases.simple),
                general: int(m.cases.general),
                total: int(m.cases.total()),
                fines: Yuan::from_fen(m.fines_fen).into(),
            })
            .collect()
    }

    /// What is overdue now, in the scope.
    async fn overdue(&self) -> OverdueCounts {
        let o = self.0.overdue;
        OverdueCounts {
            cases: int(o.cases),
            transfers: int(o.transfers),
            rectification_notices: int(o.rectification_notices),
            publication_withdrawals: int(o.publication_withdrawals),
        }
    }

    /// When these figures were computed.
    async fn computed_at(&self) -> DateTime {
        self.0.computed_at.into()
    }
}

/// Parses `departmentId` and `town` into a scope (the town must be one of the district's).
pub fn parse_scope(department_id: Option<&ID>, town: Option<String>) -> Result<Scope, AppError> {
    let department_id = department_id.map(|d| ids::decode(d, Kind::Department, "departmentId")).transpose()?;
    let town = town.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty());
    Ok(Scope { department_id, town })
}

pub async fn figures(ctx: &Context<'_>, year: i32, scope: &Scope) -> Result<Figures, AppError> {
    let s = state(ctx)?;
    let p = principal(ctx)?;
    service::authorize(p, scope)?;
    service::compute(&s.db, &s.calendar, s.settings.rules.transfer_answer_days, scope, year, request(ctx)?.today).await
}

#[derive(Default)]
pub struct StatisticsQuery;

#[Object]
impl StatisticsQuery {
    /// Every figure of the annual report for `year`, in the district or narrowed to a
    /// department or town. Bureau, legal reviewers, supervisors, dashboards and admins read
    /// the district; a town team its own town; a line department its own department; anyone
    /// else gets FORBIDDEN.
    async fn statistics(
        &self,
        ctx: &Context<'_>,
        year: i32,
        department_id: Option<ID>,
        town: Option<String>,
    ) -> Result<StatisticsObject> {
        let scope = parse_scope(department_id.as_ref(), town)?;
        Ok(StatisticsObject(Arc::new(figures(ctx, year, &scope).await?)))
    }

    /// Section 一 of the annual report for `year`, in Chinese Markdown, every number filled
    /// from `statistics(year)` (district scope; the same roles as the district statistics).
    async fn annual_report(&self, ctx: &Context<'_>, year: i32) -> Result<String> {
        let f = figures(ctx, year, &Scope::default()).await?;
        Ok(report::markdown(&f))
    }
}
