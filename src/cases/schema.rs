//! The GraphQL face of cases: `Case`, `Party`, `case`, `cases`, `node`.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use entity::{case, party};
use sea_orm::sea_query::Condition;
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use super::service::{self, CaseFetch, CaseFilter as ParsedFilter, CaseOrder as ParsedOrder};
use crate::error::{AppError, AppResult};
use crate::graphql::context::{loaders, principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime, Decimal};
use crate::org::schema::{DepartmentObject, MatterObject, UserObject};
use crate::pagination::{PageArgs, PageInfo};
use crate::privacy;
use crate::records::schema::RecordConnection;
use crate::transfers::schema::TransferObject;

/// 简易程序 (SIMPLE: decided on the spot, APL 51) or 一般程序 (GENERAL).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::Procedure")]
pub enum Procedure {
    Simple,
    General,
}

/// 公民 (PERSON) or 法人/其他组织 (ORGANIZATION).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PartyKind")]
pub enum PartyKind {
    Person,
    Organization,
}

/// Where a case stands in the state machine of rules.md.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::CaseStatus")]
pub enum CaseStatus {
    Filed,
    Investigating,
    NoticeServed,
    Hearing,
    LegalReview,
    Decided,
    Delivered,
    Closed,
    NotPenalized,
    TransferredOut,
    /// 撤销立案: the filing was cancelled, with its reason; counts in no figure.
    Cancelled,
}

/// The kinds of administrative penalty (APL 9).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PenaltyKind")]
pub enum PenaltyKind {
    Warning,
    Criticism,
    Fine,
    ConfiscateGains,
    ConfiscateProperty,
    SuspendLicence,
    RevokeLicence,
    LowerQualification,
    RestrictActivity,
    SuspendBusiness,
    OrderClosure,
    RestrictEmployment,
}

/// A payment of a case's fine or surcharge (R15).
pub struct PaymentObject(pub entity::payment::Model);

#[Object(name = "Payment")]
impl PaymentObject {
    async fn amount(&self) -> Decimal {
        crate::domain::Yuan::from_fen(self.0.amount_fen).into()
    }

    async fn paid_on(&self) -> Date {
        self.0.paid_on.into()
    }

    async fn receipt_no(&self) -> &str {
        &self.0.receipt_no
    }

    async fn recorded_at(&self) -> DateTime {
        self.0.recorded_at.into()
    }
}

/// The order of `cases`; the id breaks ties so paging is stable.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Default)]
pub enum CaseOrder {
    /// Newest filing first (the default).
    #[default]
    FiledAtDesc,
    FiledAtAsc,
}

/// Narrows `cases`. Every condition is combined with AND, and with what the caller may see.
#[derive(InputObject, Default)]
pub struct CaseFilter {
    /// Any of these statuses.
    pub status: Option<Vec<CaseStatus>>,
    pub procedure: Option<Procedure>,
    /// The owning department.
    pub department_id: Option<ID>,
    /// The town or street, e.g. 北岙街道.
    pub town: Option<String>,
    pub matter_code: Option<String>,
    /// Filed at or after this instant.
    pub filed_from: Option<DateTime>,
    /// Filed at or before this instant.
    pub filed_to: Option<DateTime>,
    /// Substring of the case number or title (case-insensitive). Court trainees search case
    /// numbers only.
    pub search: Option<String>,
    /// Only cases with a timer (T1–T5) past due and unmet (`true`), or none (`false`).
    pub overdue: Option<bool>,
    /// Part of a party's name (case-insensitive), or an exact ID number or credit code.
    /// `FORBIDDEN` to court trainees and dashboards.
    pub party: Option<String>,
}

impl CaseFilter {
    pub(crate) fn parse(&self) -> Result<ParsedFilter, AppError> {
        Ok(ParsedFilter {
            statuses: self.status.iter().flatten().map(|s| (*s).into()).collect(),
            procedure: self.procedure.map(Into::into),
            department_id: self
                .department_id
                .as_ref()
                .map(|id| ids::decode(id, Kind::Department, "filter.departmentId"))
                .transpose()?,
            town: self.town.clone(),
            matter_code: self.matter_code.clone(),
            filed_from: self.filed_from.as_ref().map(|t| t.get("filter.filedFrom")).transpose()?,
            filed_to: self.filed_to.as_ref().map(|t| t.get("filter.filedTo")).transpose()?,
            search: self.search.clone(),
            overdue: self.overdue,
            party: self.party.clone(),
        })
    }
}

/// A page of cases.
pub struct CaseConnection {
    edges: Vec<CaseEdge>,
    page_info: PageInfo,
    count: CaseCount,
}

/// What `totalCount` counts.
enum CaseCount {
    /// Cases matching the condition, which carries the visibility already.
    Matching(Condition),
    /// Cases the caller may see matching the filter (visibility is added by `service::count`).
    Visible(Condition),
}

#[derive(async_graphql::SimpleObject)]
pub struct CaseEdge {
    pub cursor: String,
    pub node: CaseObject,
}

#[Object]
impl CaseConnection {
    async fn edges(&self) -> &[CaseEdge] {
        &self.edges
    }

    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }

    /// Rows matching the filter that the caller may see, ignoring paging.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let db = &state(ctx)?.db;
        Ok(match &self.count {
            CaseCount::Matching(cond) => {
                let n = case::Entity::find().filter(cond.clone()).count(db).await.map_err(AppError::from)?;
                i64::try_from(n).unwrap_or(i64::MAX)
            }
            CaseCount::Visible(filter) => {
                service::count(db, principal(ctx)?, request(ctx)?.today, filter.clone()).await?
            }
        })
    }
}

impl CaseConnection {
    fn new(rows: Vec<(String, CaseObject)>, page_info: PageInfo, count: CaseCount) -> Self {
        let edges = rows.into_iter().map(|(cursor, node)| CaseEdge { cursor, node }).collect();
        Self { edges, page_info, count }
    }
}

/// 当事人. Court trainees see 张某 / 某公司 and no identifiers.
pub struct PartyObject {
    model: party::Model,
    anonymised: bool,
}

#[Object(name = "Party")]
impl PartyObject {
    async fn kind(&self) -> PartyKind {
        self.model.kind.into()
    }

    /// The party's name; masked (张某, 某公司) for readers who may not see it.
    async fn name(&self) -> String {
        if self.anonymised { privacy::masked_name(self.model.kind, &self.model.name) } else { self.model.name.clone() }
    }

    /// 居民身份证号; null when anonymised.
    async fn id_number(&self) -> Option<&str> {
        if self.anonymised { None } else { self.model.id_number.as_deref() }
    }

    /// 统一社会信用代码; null when anonymised.
    async fn credit_code(&self) -> Option<&str> {
        if self.anonymised { None } else { self.model.credit_code.as_deref() }
    }

    async fn phone(&self) -> Option<&str> {
        if self.anonymised { None } else { self.model.phone.as_deref() }
    }

    async fn address(&self) -> Option<&str> {
        if self.anonymised { None } else { self.model.address.as_deref() }
    }
}

/// 行政处罚案件: one enforcement case against one party.
pub struct CaseObject(pub case::Model);

impl CaseObject {
    /// Whether the caller reads this case anonymised (court trainees).
    fn anonymised(ctx: &Context<'_>) -> AppResult<bool> {
        crate::graphql::context::trainee_only(ctx)
    }

    async fn party_model(&self, ctx: &Context<'_>) -> Result<party::Model> {
        loaders(ctx)?
            .parties
            .load_one(self.0.party_id)
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| AppError::internal("case without party").into())
    }

    /// Free text as the caller may read it.
    async fn text(&self, ctx: &Context<'_>, text: &str) -> Result<String> {
        if Self::anonymised(ctx)? {
            let party = self.party_model(ctx).await?;
            Ok(privacy::mask_text(text, Some(&party)))
        } else {
            Ok(text.to_string())
        }
    }
}

#[Object(name = "Case")]
impl CaseObject {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Case, self.0.id)
    }

    /// e.g. 洞综执罚〔2023〕0001号: unique per department and year.
    async fn case_no(&self) -> &str {
        &self.0.case_no
    }

    async fn title(&self, ctx: &Context<'_>) -> Result<String> {
        self.text(ctx, &self.0.title).await
    }

    async fn procedure(&self) -> Procedure {
        self.0.procedure.into()
    }

    async fn status(&self) -> CaseStatus {
        self.0.status.into()
    }

    /// Bumped by every change; pass it back as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    async fn party(&self, ctx: &Context<'_>) -> Result<PartyObject> {
        Ok(PartyObject { model: self.party_model(ctx).await?, anonymised: Self::anonymised(ctx)? })
    }

    /// The owning department.
    async fn department(&self, ctx: &Context<'_>) -> Result<DepartmentObject> {
        DepartmentObject::load(ctx, self.0.department_id).await
    }

    async fn town(&self) -> Option<&str> {
        self.0.town.as_deref()
    }

    /// The matter (执法事项) the case is filed under.
    async fn matter(&self, ctx: &Context<'_>) -> Result<MatterObject> {
        MatterObject::load(ctx, self.0.matter_id).await
    }

    async fn matter_code(&self) -> &str {
        &self.0.matter_code
    }

    /// The assigned officers (name and department; certificate numbers only within their
    /// department).
    async fn officers(&self, ctx: &Context<'_>) -> Result<Vec<UserObject>> {
        let users = loaders(ctx)?.officers.load_one(self.0.id).await.map_err(AppError::from)?.unwrap_or_default();
        Ok(users.into_iter().map(UserObject).collect())
    }

    /// 重大案件: needs an approved legal review before the decision (APL 58). Never cleared.
    async fn major(&self) -> bool {
        self.0.major
    }

    /// Whether the act harmed life, health or financial safety (APL 36: 5-year limit).
    async fn serious_harm(&self) -> bool {
        self.0.serious_harm
    }

    /// The decided fine (for a simple case, the on-the-spot fine).
    async fn fine_amount(&self) -> Option<Decimal> {
        self.0.fine_fen.map(|f| crate::domain::Yuan::from_fen(f).into())
    }

    /// The penalty kinds of the decision (APL 9); before it, those the notice announced.
    async fn penalties(&self) -> Vec<PenaltyKind> {
        let stored = if self.0.penalties.is_empty() { &self.0.notice_penalties } else { &self.0.penalties };
        super::penalties::parse_list(stored).into_iter().map(Into::into).collect()
    }

    /// The confiscated illegal gains or property (R13).
    async fn confiscation_amount(&self) -> Option<Decimal> {
        self.0.confiscation_fen.map(|f| crate::domain::Yuan::from_fen(f).into())
    }

    /// R3+: the party may state its case and defend itself until this day (working days after
    /// the notice); no decision before it passes unless `RECORD_STATEMENT` recorded it.
    async fn statement_due(&self) -> Option<Date> {
        self.0.statement_due.map(Into::into)
    }

    /// R15: the sum of the payments recorded.
    async fn paid_amount(&self) -> Decimal {
        crate::domain::Yuan::from_fen(self.0.paid_fen).into()
    }

    /// R15 (APL 72): after T4 passed unpaid, 3% of the unpaid fine a day, at most the fine,
    /// as of today (truncated to the fen).
    async fn late_surcharge(&self, ctx: &Context<'_>) -> Result<Decimal> {
        let today = request(ctx)?.today;
        let state = super::money::money_state(&state(ctx)?.db, &self.0, today).await?;
        Ok(crate::domain::Yuan::from_fen(state.surcharge_fen).into())
    }

    /// R15: the payments recorded, oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<PaymentObject>> {
        let rows = super::money::payments_of(&state(ctx)?.db, self.0.id).await?;
        Ok(rows.into_iter().map(PaymentObject).collect())
    }

    /// The fine announced in the notice of rights (R5: the decision may not exceed it).
    async fn notice_fine_amount(&self) -> Option<Decimal> {
        self.0.notice_fine_fen.map(|f| crate::domain::Yuan::from_fen(f).into())
    }

    async fn occurred_at(&self) -> DateTime {
        self.0.occurred_at.into()
    }

    /// When a continuing act ended.
    async fn ended_at(&self) -> Option<DateTime> {
        self.0.ended_at.map(Into::into)
    }

    /// Where it happened; hidden from anonymised readers.
    async fn location(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        Ok(if Self::anonymised(ctx)? { None } else { self.0.location.clone() })
    }

    // `cases` and `case` read this column only when the selection holds `facts`.
    async fn facts(&self, ctx: &Context<'_>) -> Result<String> {
        self.text(ctx, &self.0.facts).await
    }

    async fn filed_at(&self) -> DateTime {
        self.0.filed_at.into()
    }

    async fn notice_served_at(&self) -> Option<DateTime> {
        self.0.notice_served_at.map(Into::into)
    }

    async fn decided_at(&self) -> Option<DateTime> {
        self.0.decided_at.map(Into::into)
    }

    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(Into::into)
    }

    async fn closed_at(&self) -> Option<DateTime> {
        self.0.closed_at.map(Into::into)
    }

    /// T1: a general case is decided within 90 days of filing (APL 60), plus recorded extensions.
    async fn decision_due(&self) -> Option<Date> {
        self.0.decision_due.map(Into::into)
    }

    /// T2: the party may request a hearing within 5 working days of the notice (APL 64).
    async fn hearing_request_due(&self) -> Option<Date> {
        self.0.hearing_request_due.map(Into::into)
    }

    /// T3: the decision is delivered within 7 working days (APL 61).
    async fn delivery_due(&self) -> Option<Date> {
        self.0.delivery_due.map(Into::into)
    }

    /// T4: the fine is paid within 15 days of delivery (APL 67).
    async fn payment_due(&self) -> Option<Date> {
        self.0.payment_due.map(Into::into)
    }

    /// T5: the decision is published within 7 working days.
    async fn publication_due(&self) -> Option<Date> {
        self.0.publication_due.map(Into::into)
    }

    /// Whether a running timer has passed its due date unmet.
    async fn overdue(&self, ctx: &Context<'_>) -> Result<bool> {
        let today = request(ctx)?.today;
        Ok(self.0.next_due.is_some_and(|due| due < today))
    }

    /// 执法全过程记录, oldest first (the order of the hash chain).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn records(
        &self,
        ctx: &Context<'_>,
        #[graphql(validator(minimum = 0, maximum = 100))] first: Option<i32>,
        after: Option<String>,
    ) -> Result<RecordConnection> {
        Ok(crate::records::schema::records_of_case(ctx, self.0.id, first, after.as_deref()).await?)
    }

    /// The case's timeline (立案, actions, transfers, records), oldest first. The department
    /// that transferred the case in reads it too, so the result reaches it without a phone call.
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Vec<crate::events::schema::CaseEventObject>> {
        let events = loaders(ctx)?.events_by_case.load_one(self.0.id).await.map_err(AppError::from)?;
        Ok(events.unwrap_or_default().into_iter().map(crate::events::schema::CaseEventObject::stored).collect())
    }

    /// The other cases of this case's party (the same party, or the same ID number or credit
    /// code) that the caller may see, newest filing first. `FORBIDDEN` to court trainees and
    /// dashboards.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity + 1")]
    async fn prior_cases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CaseConnection> {
        let (p, today) = (principal(ctx)?, request(ctx)?.today);
        let (rows, info, cond) =
            super::parties::prior_cases(&state(ctx)?.db, p, today, &self.0, first, after.as_deref()).await?;
        Ok(CaseConnection::new(
            rows.into_iter().map(|(c, m)| (c, CaseObject(m))).collect(),
            info,
            CaseCount::Matching(cond),
        ))
    }

    /// Transfers this case came from or was handed over in.
    async fn transfers(&self, ctx: &Context<'_>) -> Result<Vec<TransferObject>> {
        let rows = loaders(ctx)?.transfers_by_case.load_one(self.0.id).await.map_err(AppError::from)?;
        Ok(rows.unwrap_or_default().into_iter().map(TransferObject).collect())
    }
}

pub(crate) async fn case_by_id(ctx: &Context<'_>, id: Uuid) -> Result<CaseObject, AppError> {
    case_with(ctx, id, CaseFetch::ALL).await
}

/// A visible case and its party in one statement; the party goes to the request's party
/// loader, so `Case.party` (and a trainee's masking) needs no second round trip.
async fn case_with(ctx: &Context<'_>, id: Uuid, fetch: CaseFetch) -> Result<CaseObject, AppError> {
    let p = principal(ctx)?;
    let (case, party) = service::get_with(&state(ctx)?.db, p, request(ctx)?.today, id, fetch).await?;
    loaders(ctx)?.parties.feed_many(party.map(|m| (m.id, m))).await;
    crate::graphql::context::trainee_read(ctx, p, &[case.id]).await?;
    Ok(CaseObject(case))
}

/// What a read of cases must fetch for the `Case` fields selected at `node`: the party when
/// `party` is selected or the caller reads anonymised (masking needs the party's name), and
/// `facts` only when selected.
fn fetch_for(ctx: &Context<'_>, node: async_graphql::Lookahead<'_>) -> AppResult<CaseFetch> {
    Ok(CaseFetch {
        party: node.field("party").exists() || CaseObject::anonymised(ctx)?,
        facts: node.field("facts").exists(),
    })
}

#[derive(Default)]
pub struct CaseQuery;

#[Object]
impl CaseQuery {
    /// One case, if the caller may see it (otherwise `NOT_FOUND`).
    async fn case(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CaseObject>> {
        let id = ids::decode(&id, Kind::Case, "id")?;
        let fetch = fetch_for(ctx, ctx.look_ahead())?;
        Ok(Some(case_with(ctx, id, fetch).await?))
    }

    /// The cases the caller may see, newest filing first unless `orderBy` says otherwise.
    /// Keyset-paged: `first` (≤ 100) with `after`, or `last` with `before`.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity + 1")]
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        filter: Option<CaseFilter>,
        order_by: Option<CaseOrder>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<CaseConnection> {
        let p = principal(ctx)?;
        let parsed = filter.unwrap_or_default().parse()?;
        let order = match order_by.unwrap_or_default() {
            CaseOrder::FiledAtDesc => ParsedOrder::FiledAtDesc,
            CaseOrder::FiledAtAsc => ParsedOrder::FiledAtAsc,
        };
        let fetch = fetch_for(ctx, ctx.look_ahead().field("edges").field("node"))?;
        let (rows, info, cond) = service::list(
            &state(ctx)?.db,
            p,
            request(ctx)?.today,
            &parsed,
            order,
            PageArgs { first, after: after.as_deref(), last, before: before.as_deref() },
            fetch,
        )
        .await?;
        let read: Vec<Uuid> = rows.iter().map(|(_, (c, _))| c.id).collect();
        crate::graphql::context::trainee_read(ctx, p, &read).await?;
        let parties = rows.iter().filter_map(|(_, (_, party))| party.clone()).map(|m| (m.id, m));
        loaders(ctx)?.parties.feed_many(parties).await;
        Ok(CaseConnection::new(
            rows.into_iter().map(|(c, (m, _))| (c, CaseObject(m))).collect(),
            info,
            CaseCount::Visible(cond),
        ))
    }
}
