//! The GraphQL face of the oversight records: one type, one list and the mutations of the
//! roles that own each (see `access` for who reads and writes what).

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime as ChronoDateTime, NaiveDate, Utc};
use entity::enums::{PatrolKind as StoredPatrolKind, RectificationStatus as StoredRectificationStatus};
use entity::{
    compliance_guidance_item, credit_repair, evaluation_finding, exemption, file_evaluation, legal_review,
    matter_claim, patrol_action, publication, reconsideration, rectification_notice, review_meeting,
    three_document_delivery, training, training_attendee,
};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{access, service};
use crate::auth::visibility;
use crate::error::AppError;
use crate::graphql::context::{principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::pagination::{Page, PageInfo, page_by_time};

fn id_of(kind: Kind, id: Uuid) -> ID {
    ids::encode(kind, id)
}

fn opt_id(kind: Kind, id: Option<Uuid>) -> Option<ID> {
    id.map(|i| ids::encode(kind, i))
}

/// One keyset page of `E`, newest first, under `cond`.
async fn page<E, N>(
    ctx: &Context<'_>,
    cond: Condition,
    (first, after): (Option<i32>, Option<String>),
    tag: &str,
    cols: (E::Column, E::Column),
    key: fn(&E::Model) -> (ChronoDateTime<Utc>, Uuid),
    to: impl Fn(E::Model) -> N,
) -> Result<(Vec<(String, N)>, PageInfo, Condition), AppError>
where
    E: EntityTrait,
{
    let page = Page::forward(first, after.as_deref(), tag)?;
    let query = E::find().filter(cond.clone());
    let (rows, info) = page_by_time(&state(ctx)?.db, query, &page, (tag, true), cols, key).await?;
    Ok((rows.into_iter().map(|(c, m)| (c, to(m))).collect(), info, cond))
}

// ------------------------------------------------------------------ enums

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::RectificationStatus")]
pub enum RectificationStatus {
    /// Issued; the deadline (T8) runs.
    Issued,
    /// Verified as corrected.
    Corrected,
    /// Verified as not corrected (a case follows).
    NotCorrected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReviewOutcome")]
pub enum ReviewOutcome {
    Pending,
    Approved,
    Rejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReconsiderationKind")]
pub enum ReconsiderationKind {
    /// 行政复议.
    Reconsideration,
    /// 行政诉讼.
    Litigation,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::ReconsiderationOutcome")]
pub enum ReconsiderationOutcome {
    Pending,
    /// 维持.
    Upheld,
    /// 变更.
    Altered,
    /// 撤销: the decision's publication is withdrawn within T6.
    Revoked,
    /// 确认违法.
    ConfirmedIllegal,
    /// 化解: settled by mediation or settlement.
    Settled,
    /// 撤回.
    Withdrawn,
    /// 驳回.
    Dismissed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PublicationKind")]
pub enum PublicationKind {
    /// 行政许可.
    Licence,
    /// 行政处罚决定.
    PenaltyDecision,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::TrainingOrganiser")]
pub enum TrainingOrganiser {
    /// Held by the department itself.
    Bureau,
    Province,
    City,
    District,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "entity::enums::PatrolKind")]
pub enum PatrolKind {
    /// 劝导流动摊贩.
    VendorPersuaded,
    /// 帮送流动摊贩入市经营.
    VendorHelpedIntoMarket,
    /// 制止露天焚烧.
    OpenBurningStopped,
    /// A town team's inspection of an empowered matter (counts for the implementation rate).
    Inspection,
}

// ------------------------------------------------------------------ objects

/// 责令改正通知书: an order to correct by `deadline` (T8, calendar days), then verified.
#[derive(SimpleObject)]
pub struct RectificationNotice {
    pub id: ID,
    pub department_id: ID,
    pub town: Option<String>,
    pub case_id: Option<ID>,
    pub matter_id: Option<ID>,
    pub party_name: String,
    pub requirement: String,
    pub issued_on: Date,
    /// T8.
    pub deadline: Date,
    pub status: RectificationStatus,
    pub verified_at: Option<DateTime>,
    pub verification_note: Option<String>,
    /// Still ISSUED after its deadline.
    pub overdue: bool,
}

impl RectificationNotice {
    fn new(m: rectification_notice::Model, today: NaiveDate) -> Self {
        RectificationNotice {
            id: id_of(Kind::RectificationNotice, m.id),
            department_id: id_of(Kind::Department, m.department_id),
            town: m.town,
            case_id: opt_id(Kind::Case, m.case_id),
            matter_id: opt_id(Kind::Matter, m.matter_id),
            party_name: m.party_name,
            requirement: m.requirement,
            issued_on: m.issued_on.into(),
            deadline: m.deadline.into(),
            status: m.status.into(),
            verified_at: m.verified_at.map(Into::into),
            verification_note: m.verification_note,
            overdue: m.status == StoredRectificationStatus::Issued && m.deadline < today,
        }
    }
}

/// 首违不罚: a case closed without penalty (APL 33) on a verified rectification.
#[derive(SimpleObject)]
pub struct Exemption {
    pub id: ID,
    pub case_id: ID,
    pub rectification_notice_id: ID,
    pub department_id: ID,
    pub reason: String,
    pub granted_at: DateTime,
}

impl From<exemption::Model> for Exemption {
    fn from(m: exemption::Model) -> Self {
        Exemption {
            id: id_of(Kind::Exemption, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            rectification_notice_id: id_of(Kind::RectificationNotice, m.rectification_notice_id),
            department_id: id_of(Kind::Department, m.department_id),
            reason: m.reason,
            granted_at: m.granted_at.into(),
        }
    }
}

/// 法制审核: one submission of a case for legal review and its outcome.
#[derive(SimpleObject)]
pub struct LegalReview {
    pub id: ID,
    pub case_id: ID,
    pub submitted_at: DateTime,
    pub outcome: ReviewOutcome,
    pub reviewer_id: Option<ID>,
    pub decided_at: Option<DateTime>,
    pub opinion: Option<String>,
    /// The case review committee meeting (案审委员会) that discussed it.
    pub meeting_id: Option<ID>,
}

impl From<legal_review::Model> for LegalReview {
    fn from(m: legal_review::Model) -> Self {
        LegalReview {
            id: id_of(Kind::LegalReview, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            submitted_at: m.submitted_at.into(),
            outcome: m.outcome.into(),
            reviewer_id: opt_id(Kind::User, m.reviewer_id),
            decided_at: m.decided_at.map(Into::into),
            opinion: m.opinion,
            meeting_id: opt_id(Kind::ReviewMeeting, m.meeting_id),
        }
    }
}

/// 案审委员会: a meeting of the case review committee.
#[derive(SimpleObject)]
pub struct ReviewMeeting {
    pub id: ID,
    pub held_on: Date,
    pub topic: String,
    pub conclusion: String,
}

impl From<review_meeting::Model> for ReviewMeeting {
    fn from(m: review_meeting::Model) -> Self {
        ReviewMeeting {
            id: id_of(Kind::ReviewMeeting, m.id),
            held_on: m.held_on.into(),
            topic: m.topic,
            conclusion: m.conclusion,
        }
    }
}

/// 行政复议 / 行政诉讼 against a decision.
#[derive(SimpleObject)]
pub struct Reconsideration {
    pub id: ID,
    pub case_id: ID,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    /// The reconsideration body or court.
    pub body: String,
    pub received_on: Date,
    pub outcome: ReconsiderationOutcome,
    pub concluded_on: Option<Date>,
    pub note: Option<String>,
}

impl From<reconsideration::Model> for Reconsideration {
    fn from(m: reconsideration::Model) -> Self {
        Reconsideration {
            id: id_of(Kind::Reconsideration, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            kind: m.kind.into(),
            applicant: m.applicant,
            body: m.body,
            received_on: m.received_on.into(),
            outcome: m.outcome.into(),
            concluded_on: m.concluded_on.map(Into::into),
            note: m.note,
        }
    }
}

/// A problem found by a case-file evaluation, and its rectification.
#[derive(SimpleObject)]
pub struct EvaluationFinding {
    pub id: ID,
    pub description: String,
    pub rectified_at: Option<DateTime>,
    pub rectification_note: Option<String>,
}

impl From<evaluation_finding::Model> for EvaluationFinding {
    fn from(m: evaluation_finding::Model) -> Self {
        EvaluationFinding {
            id: id_of(Kind::EvaluationFinding, m.id),
            description: m.description,
            rectified_at: m.rectified_at.map(Into::into),
            rectification_note: m.rectification_note,
        }
    }
}

/// 案卷评查: one check of a case file with its findings.
#[derive(SimpleObject)]
pub struct FileEvaluation {
    pub id: ID,
    pub case_id: ID,
    pub evaluated_on: Date,
    pub scope: String,
    pub findings: Vec<EvaluationFinding>,
}

/// 信用修复 of an enterprise's public credit record.
#[derive(SimpleObject)]
pub struct CreditRepair {
    pub id: ID,
    pub case_id: Option<ID>,
    pub enterprise_name: String,
    pub credit_code: String,
    pub applied_on: Date,
    pub completed_on: Option<Date>,
    pub note: Option<String>,
}

impl From<credit_repair::Model> for CreditRepair {
    fn from(m: credit_repair::Model) -> Self {
        CreditRepair {
            id: id_of(Kind::CreditRepair, m.id),
            case_id: opt_id(Kind::Case, m.case_id),
            enterprise_name: m.enterprise_name,
            credit_code: m.credit_code,
            applied_on: m.applied_on.into(),
            completed_on: m.completed_on.map(Into::into),
            note: m.note,
        }
    }
}

/// 三书同达: decision, compliance advice and credit-repair notice delivered together.
#[derive(SimpleObject)]
pub struct ThreeDocumentDelivery {
    pub id: ID,
    pub case_id: ID,
    pub delivered_on: Date,
    pub compliance_advice: String,
    pub credit_repair_notice: String,
}

impl From<three_document_delivery::Model> for ThreeDocumentDelivery {
    fn from(m: three_document_delivery::Model) -> Self {
        ThreeDocumentDelivery {
            id: id_of(Kind::ThreeDocumentDelivery, m.id),
            case_id: id_of(Kind::Case, m.case_id),
            delivered_on: m.delivered_on.into(),
            compliance_advice: m.compliance_advice,
            credit_repair_notice: m.credit_repair_notice,
        }
    }
}

/// 合规指导清单: one item.
#[derive(SimpleObject)]
pub struct ComplianceGuidanceItem {
    pub id: ID,
    pub industry: String,
    pub title: String,
    pub guidance: String,
    pub issued_on: Date,
}

impl From<compliance_guidance_item::Model> for ComplianceGuidanceItem {
    fn from(m: compliance_guidance_item::Model) -> Self {
        ComplianceGuidanceItem {
            id: id_of(Kind::ComplianceGuidanceItem, m.id),
            industry: m.industry,
            title: m.title,
            guidance: m.guidance,
            issued_on: m.issued_on.into(),
        }
    }
}

/// 公示 of a licence or a penalty decision, as the public sees it: personal data masked when
/// it was published. `withdrawalDue` is T6 after a revocation.
#[derive(SimpleObject)]
pub struct Publication {
    pub id: ID,
    pub kind: PublicationKind,
    pub title: String,
    pub content: String,
    pub published_at: DateTime,
    pub revoked_at: Option<DateTime>,
    /// T6: withdrawn within 3 working days of the revocation.
    pub withdrawal_due: Option<Date>,
    pub withdrawn_at: Option<DateTime>,
    /// Revoked and not withdrawn by `withdrawalDue` (T6).
    pub overdue: bool,
}

impl From<publication::Model> for Publication {
    fn from(m: publication::Model) -> Self {
        Publication {
            id: id_of(Kind::Publication, m.id),
            kind: m.kind.into(),
            title: m.title,
            content: m.content,
            published_at: m.published_at.into(),
            revoked_at: m.revoked_at.map(Into::into),
            overdue: m.withdrawn_at.is_none() && m.withdrawal_due.is_some_and(|d| d < crate::calendar::today()),
            withdrawal_due: m.withdrawal_due.map(Into::into),
            withdrawn_at: m.withdrawn_at.map(Into::into),
        }
    }
}

/// A training held or attended, with its attendees.
#[derive(SimpleObject)]
pub struct Training {
    pub id: ID,
    pub title: String,
    pub organiser: TrainingOrganiser,
    pub held_on: Date,
    pub attendee_ids: Vec<ID>,
}

/// A patrol action or a town team's inspection.
#[derive(SimpleObject)]
pub struct PatrolAction {
    pub id: ID,
    pub kind: PatrolKind,
    pub department_id: ID,
    pub town: Option<String>,
    pub matter_id: Option<ID>,
    pub occurred_at: DateTime,
    pub place: String,
    pub note: Option<String>,
}

impl From<patrol_action::Model> for PatrolAction {
    fn from(m: patrol_action::Model) -> Self {
        PatrolAction {
            id: id_of(Kind::PatrolAction, m.id),
            kind: m.kind.into(),
            department_id: id_of(Kind::Department, m.department_id),
            town: m.town,
            matter_id: opt_id(Kind::Matter, m.matter_id),
            occurred_at: m.occurred_at.into(),
            place: m.place,
            note: m.note,
        }
    }
}

/// 认领: a town's claim of an empowered matter.
#[derive(SimpleObject)]
pub struct MatterClaim {
    pub id: ID,
    pub matter_id: ID,
    pub town: String,
    pub claimed_on: Date,
}

impl From<matter_claim::Model> for MatterClaim {
    fn from(m: matter_claim::Model) -> Self {
        MatterClaim {
            id: id_of(Kind::MatterClaim, m.id),
            matter_id: id_of(Kind::Matter, m.matter_id),
            town: m.town,
            claimed_on: m.claimed_on.into(),
        }
    }
}

crate::connection!(
    RectificationNoticeConnection,
    RectificationNoticeEdge,
    RectificationNotice,
    rectification_notice::Entity,
    "Rectification notices, newest first."
);
crate::connection!(ExemptionConnection, ExemptionEdge, Exemption, exemption::Entity, "Exemptions, newest first.");
crate::connection!(
    LegalReviewConnection,
    LegalReviewEdge,
    LegalReview,
    legal_review::Entity,
    "Legal reviews, newest first."
);
crate::connection!(
    ReviewMeetingConnection,
    ReviewMeetingEdge,
    ReviewMeeting,
    review_meeting::Entity,
    "Review committee meetings, newest first."
);
crate::connection!(
    ReconsiderationConnection,
    ReconsiderationEdge,
    Reconsideration,
    reconsideration::Entity,
    "Reconsiderations and lawsuits, newest first."
);
crate::connection!(
    FileEvaluationConnection,
    FileEvaluationEdge,
    FileEvaluation,
    file_evaluation::Entity,
    "Case-file evaluations, newest first."
);
crate::connection!(
    CreditRepairConnection,
    CreditRepairEdge,
    CreditRepair,
    credit_repair::Entity,
    "Credit repairs, newest first."
);
crate::connection!(
    ThreeDocumentDeliveryConnection,
    ThreeDocumentDeliveryEdge,
    ThreeDocumentDelivery,
    three_document_delivery::Entity,
    "Three-document deliveries, newest first."
);
crate::connection!(
    ComplianceGuidanceItemConnection,
    ComplianceGuidanceItemEdge,
    ComplianceGuidanceItem,
    compliance_guidance_item::Entity,
    "Compliance guidance items, newest first."
);
crate::connection!(
    PublicationConnection,
    PublicationEdge,
    Publication,
    publication::Entity,
    "Publications, newest first."
);
crate::connection!(TrainingConnection, TrainingEdge, Training, training::Entity, "Trainings, newest first.");
crate::connection!(
    PatrolActionConnection,
    PatrolActionEdge,
    PatrolAction,
    patrol_action::Entity,
    "Patrol actions, newest first."
);
crate::connection!(
    MatterClaimConnection,
    MatterClaimEdge,
    MatterClaim,
    matter_claim::Entity,
    "Matter claims, newest first."
);

/// Narrows `rectificationNotices`; conditions combine with AND.
#[derive(InputObject, Default)]
pub struct RectificationNoticeFilter {
    pub case_id: Option<ID>,
    pub status: Option<RectificationStatus>,
    /// true: still ISSUED past the deadline (T8); false: the others.
    pub overdue: Option<bool>,
}

#[derive(Default)]
pub struct OversightQuery;

#[Object]
impl OversightQuery {
    /// Published licences and penalty decisions (公示), newest first: public, no token needed;
    /// personal data masked; withdrawn publications are not shown.
    async fn publications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PublicationConnection> {
        let cond = Condition::all().add(publication::Column::WithdrawnAt.is_null());
        let cols = (publication::Column::PublishedAt, publication::Column::Id);
        let (rows, info, cond) = page::<publication::Entity, _>(
            ctx,
            cond,
            (first, after),
            "publications",
            cols,
            |m| (m.published_at, m.id),
            Publication::from,
        )
        .await?;
        Ok(PublicationConnection::new(rows, info, cond))
    }

    /// Rectification notices the caller may read, newest first.
    async fn rectification_notices(
        &self,
        ctx: &Context<'_>,
        filter: Option<RectificationNoticeFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<RectificationNoticeConnection> {
        let p = principal(ctx)?;
        let today = request(ctx)?.today;
        let f = filter.unwrap_or_default();
        let mut cond = Condition::all().add(access::visible(
            p,
            rectification_notice::Column::DepartmentId,
            Some(rectification_notice::Column::Town),
        ));
        if let Some(id) = &f.case_id {
            cond = cond.add(rectification_notice::Column::CaseId.eq(ids::decode(id, Kind::Case, "filter.caseId")?));
        }
        if let Some(s) = f.status {
            cond = cond.add(rectification_notice::Column::Status.eq(StoredRectificationStatus::from(s)));
        }
        if let Some(o) = f.overdue {
            let late = Condition::all()
                .add(rectification_notice::Column::Status.eq(StoredRectificationStatus::Issued))
                .add(rectification_notice::Column::Deadline.lt(today));
            cond = cond.add(if o { late } else { late.not() });
        }
        let cols = (rectification_notice::Column::CreatedAt, rectification_notice::Column::Id);
        let (rows, info, cond) = page::<rectification_notice::Entity, _>(
            ctx,
            cond,
            (first, after),
            "rectification_notices",
            cols,
            |m| (m.created_at, m.id),
            |m| RectificationNotice::new(m, today),
        )
        .await?;
        Ok(RectificationNoticeConnection::new(rows, info, cond))
    }

    /// First-violation exemptions the caller may read, newest first.
    async fn exemptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExemptionConnection> {
        let p = principal(ctx)?;
        let cond = access::visible(p, exemption::Column::DepartmentId, Some(exemption::Column::Town));
        let cols = (exemption::Column::GrantedAt, exemption::Column::Id);
        let (rows, info, cond) = page::<exemption::Entity, _>(
            ctx,
            cond,
            (first, after),
            "exemptions",
            cols,
            |m| (m.granted_at, m.id),
            Exemption::from,
        )
        .await?;
        Ok(ExemptionConnection::new(rows, info, cond))
    }

    /// Legal reviews of the cases the caller may read, newest first.
    async fn legal_reviews(
        &self,
        ctx: &Context<'_>,
        case_id: Option<ID>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<LegalReviewConnection> {
        let p = principal(ctx)?;
        let mut cond = Condition::all()
            .add(legal_review::Column::CaseId.in_subquery(visibility::visible_case_ids(p, request(ctx)?.today)));
        if let Some(id) = &case_id {
            cond = cond.add(legal_review::Column::CaseId.eq(ids::decode(id, Kind::Case, "caseId")?));
        }
        let cols = (legal_review::Column::SubmittedAt, legal_review::Column::Id);
        let (rows, info, cond) = page::<legal_review::Entity, _>(
            ctx,
            cond,
            (first, after),
            "legal_reviews",
            cols,
            |m| (m.submitted_at, m.id),
            LegalReview::from,
        )
        .await?;
        Ok(LegalReviewConnection::new(rows, info, cond))
    }

    /// Meetings of the case review committee, newest first.
    async fn review_meetings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReviewMeetingConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, review_meeting::Column::DepartmentId);
        let cols = (review_meeting::Column::CreatedAt, review_meeting::Column::Id);
        let (rows, info, cond) = page::<review_meeting::Entity, _>(
            ctx,
            cond,
            (first, after),
            "review_meetings",
            cols,
            |m| (m.created_at, m.id),
            ReviewMeeting::from,
        )
        .await?;
        Ok(ReviewMeetingConnection::new(rows, info, cond))
    }

    /// Reconsiderations and lawsuits, newest first.
    async fn reconsiderations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ReconsiderationConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, reconsideration::Column::DepartmentId);
        let cols = (reconsideration::Column::CreatedAt, reconsideration::Column::Id);
        let (rows, info, cond) = page::<reconsideration::Entity, _>(
            ctx,
            cond,
            (first, after),
            "reconsiderations",
            cols,
            |m| (m.created_at, m.id),
            Reconsideration::from,
        )
        .await?;
        Ok(ReconsiderationConnection::new(rows, info, cond))
    }

    /// Case-file evaluations with their findings, newest first (the findings of a page come
    /// from one query).
    async fn file_evaluations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<FileEvaluationConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, file_evaluation::Column::DepartmentId);
        let cols = (file_evaluation::Column::CreatedAt, file_evaluation::Column::Id);
        let (rows, info, cond) = page::<file_evaluation::Entity, _>(
            ctx,
            cond,
            (first, after),
            "file_evaluations",
            cols,
            |m| (m.created_at, m.id),
            |m| m,
        )
        .await?;
        let ids: Vec<Uuid> = rows.iter().map(|(_, m)| m.id).collect();
        let findings = evaluation_finding::Entity::find()
            .filter(evaluation_finding::Column::EvaluationId.is_in(ids))
            .all(&state(ctx)?.db)
            .await
            .map_err(AppError::from)?;
        let rows = rows
            .into_iter()
            .map(|(c, m)| {
                let mine: Vec<EvaluationFinding> =
                    findings.iter().filter(|f| f.evaluation_id == m.id).cloned().map(EvaluationFinding::from).collect();
                (c, evaluation(m, mine))
            })
            .collect();
        Ok(FileEvaluationConnection::new(rows, info, cond))
    }

    /// Credit repairs, newest first.
    async fn credit_repairs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<CreditRepairConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, credit_repair::Column::DepartmentId);
        let cols = (credit_repair::Column::CreatedAt, credit_repair::Column::Id);
        let (rows, info, cond) = page::<credit_repair::Entity, _>(
            ctx,
            cond,
            (first, after),
            "credit_repairs",
            cols,
            |m| (m.created_at, m.id),
            CreditRepair::from,
        )
        .await?;
        Ok(CreditRepairConnection::new(rows, info, cond))
    }

    /// Three-document deliveries, newest first.
    async fn three_document_deliveries(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ThreeDocumentDeliveryConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, three_document_delivery::Column::DepartmentId);
        let cols = (three_document_delivery::Column::CreatedAt, three_document_delivery::Column::Id);
        let (rows, info, cond) = page::<three_document_delivery::Entity, _>(
            ctx,
            cond,
            (first, after),
            "three_document_deliveries",
            cols,
            |m| (m.created_at, m.id),
            ThreeDocumentDelivery::from,
        )
        .await?;
        Ok(ThreeDocumentDeliveryConnection::new(rows, info, cond))
    }

    /// The compliance guidance list (合规指导清单): readable by every signed-in user.
    async fn compliance_guidance_items(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ComplianceGuidanceItemConnection> {
        principal(ctx)?;
        let cols = (compliance_guidance_item::Column::CreatedAt, compliance_guidance_item::Column::Id);
        let (rows, info, cond) = page::<compliance_guidance_item::Entity, _>(
            ctx,
            Condition::all(),
            (first, after),
            "compliance_guidance_items",
            cols,
            |m| (m.created_at, m.id),
            ComplianceGuidanceItem::from,
        )
        .await?;
        Ok(ComplianceGuidanceItemConnection::new(rows, info, cond))
    }

    /// Trainings held or attended, newest first, with their attendees.
    async fn trainings(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<TrainingConnection> {
        let p = principal(ctx)?;
        let cond = access::visible_by_department(p, training::Column::DepartmentId);
        let cols = (training::Column::CreatedAt, training::Column::Id);
        let (rows, info, cond) =
            page::<training::Entity, _>(ctx, cond, (first, after), "trainings", cols, |m| (m.created_at, m.id), |m| m)
                .await?;
        let ids: Vec<Uuid> = rows.iter().map(|(_, m)| m.id).collect();
        let attendees = training_attendee::Entity::find()
            .filter(training_attendee::Column::TrainingId.is_in(ids))
            .all(&state(ctx)?.db)
            .await
            .map_err(AppError::from)?;
        let rows = rows
            .into_iter()
            .map(|(c, m)| {
                let who = attendees.iter().filter(|a| a.training_id == m.id).map(|a| a.user_id).collect();
                (c, training_object(m, who))
            })
            .collect();
        Ok(TrainingConnection::new(rows, info, cond))
    }

    /// Patrol actions and inspections, newest first.
    async fn patrol_actions(
        &self,
        ctx: &Context<'_>,
        kind: Option<PatrolKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PatrolActionConnection> {
        let p = principal(ctx)?;
        let mut cond = Condition::all().add(access::visible(
            p,
            patrol_action::Column::DepartmentId,
            Some(patrol_action::Column::Town),
        ));
        if let Some(k) = kind {
            cond = cond.add(patrol_action::Column::Kind.eq(StoredPatrolKind::from(k)));
        }
        let cols = (patrol_action::Column::OccurredAt, patrol_action::Column::Id);
        let (rows, info, cond) = page::<patrol_action::Entity, _>(
            ctx,
            cond,
            (first, after),
            "patrol_actions",
            cols,
            |m| (m.occurred_at, m.id),
            PatrolAction::from,
        )
        .await?;
        Ok(PatrolActionConnection::new(rows, info, cond))
    }

    /// The towns' claims of their empowered matters, newest first.
    async fn matter_claims(
        &self,
        ctx: &Context<'_>,
        town: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<MatterClaimConnection> {
        principal(ctx)?;
        let mut cond = Condition::all();
        if let Some(t) = town {
            cond = cond.add(matter_claim::Column::Town.eq(t));
        }
        let cols = (matter_claim::Column::CreatedAt, matter_claim::Column::Id);
        let (rows, info, cond) = page::<matter_claim::Entity, _>(
            ctx,
            cond,
            (first, after),
            "matter_claims",
            cols,
            |m| (m.created_at, m.id),
            MatterClaim::from,
        )
        .await?;
        Ok(MatterClaimConnection::new(rows, info, cond))
    }
}

fn evaluation(m: file_evaluation::Model, findings: Vec<EvaluationFinding>) -> FileEvaluation {
    FileEvaluation {
        id: id_of(Kind::FileEvaluation, m.id),
        case_id: id_of(Kind::Case, m.case_id),
        evaluated_on: m.evaluated_on.into(),
        scope: m.scope,
        findings,
    }
}

fn training_object(m: training::Model, attendees: Vec<Uuid>) -> Training {
    Training {
        id: id_of(Kind::Training, m.id),
        title: m.title,
        organiser: m.organiser.into(),
        held_on: m.held_on.into(),
        attendee_ids: attendees.into_iter().map(|u| id_of(Kind::User, u)).collect(),
    }
}

// ------------------------------------------------------------------ mutations

#[derive(InputObject)]
pub struct IssueRectificationNoticeInput {
    /// The case it belongs to, if any (its party, matter and town are taken from it).
    pub case_id: Option<ID>,
    pub matter_id: Option<ID>,
    pub town: Option<String>,
    /// Required without `caseId`.
    pub party_name: Option<String>,
    pub requirement: String,
    /// T8: correct by this date (calendar).
    pub deadline: Date,
}

#[derive(InputObject)]
pub struct PublishLicenceInput {
    pub title: String,
    pub holder: String,
    pub content: String,
}

#[derive(InputObject)]
pub struct RegisterReconsiderationInput {
    pub case_id: ID,
    pub kind: ReconsiderationKind,
    pub applicant: String,
    pub body: String,
    pub received_on: Date,
}

#[derive(InputObject)]
pub struct RecordFileEvaluationInput {
    pub case_id: ID,
    pub evaluated_on: Date,
    pub scope: String,
    /// Problems found; none when the file passed.
    pub findings: Vec<String>,
}

#[derive(InputObject)]
pub struct AcceptCreditRepairInput {
    pub case_id: Option<ID>,
    pub enterprise_name: String,
    /// The unified social credit code (GB 32100 checksum, R10).
    pub credit_code: String,
    pub applied_on: Date,
}

#[derive(InputObject)]
pub struct DeliverThreeDocumentsInput {
    pub case_id: ID,
    pub compliance_advice: String,
    pub credit_repair_notice: String,
}

#[derive(InputObject)]
pub struct ComplianceGuidanceItemInput {
    pub industry: String,
    pub title: String,
    pub guidance: String,
}

#[derive(InputObject)]
pub struct RecordTrainingInput {
    pub title: String,
    pub organiser: TrainingOrganiser,
    pub held_on: Date,
    pub attendee_ids: Vec<ID>,
}

#[derive(InputObject)]
pub struct RecordPatrolActionInput {
    pub kind: PatrolKind,
    /// The bureau names the town; a town team's own town is used.
    pub town: Option<String>,
    /// INSPECTION: the empowered matter inspected.
    pub matter_id: Option<ID>,
    pub place: String,
    pub note: Option<String>,
}

#[derive(InputObject)]
pub struct RecordReviewMeetingInput {
    pub held_on: Date,
    pub topic: String,
    pub conclusion: String,
    pub legal_review_ids: Vec<ID>,
}

#[derive(Default)]
pub struct OversightMutation;

#[Object]
impl OversightMutation {
    /// 责令改正: an officer orders a party to correct by a deadline (T8).
    async fn issue_rectification_notice(
        &self,
        ctx: &Context<'_>,
        input: IssueRectificationNoticeInput,
    ) -> Result<RectificationNotice> {
        let p = principal(ctx)?;
        let n = service::NewNotice {
            case_id: input.case_id.as_ref().map(|i| ids::decode(i, Kind::Case, "input.caseId")).transpose()?,
            matter_id: input.matter_id.as_ref().map(|i| ids::decode(i, Kind::Matter, "input.matterId")).transpose()?,
            town: input.town,
            party_name: input.party_name,
            requirement: input.requirement,
            deadline: input.deadline.get("input.deadline")?,
        };
        let row = service::issue_notice(&state(ctx)?.db, p, n).await?;
        state(ctx)?.stats_changed();
        Ok(RectificationNotice::new(row, request(ctx)?.today))
    }

    /// Verifies a notice after the check: corrected or not, once.
    async fn verify_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        corrected: bool,
        note: Option<String>,
    ) -> Result<RectificationNotice> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::RectificationNotice, "id")?;
        let row = service::verify_notice(&state(ctx)?.db, p, id, corrected, note).await?;
        state(ctx)?.stats_changed();
        Ok(RectificationNotice::new(row, request(ctx)?.today))
    }

    /// 公示: publishes a decided case's decision, masked, within T5.
    async fn publish_decision(&self, ctx: &Context<'_>, case_id: ID) -> Result<Publication> {
        let p = principal(ctx)?;
        let s = state(ctx)?;
        let id = ids::decode(&case_id, Kind::Case, "caseId")?;
        let (row, events) = service::publish_decision(&s.db, &s.calendar, p, id).await?;
        s.bus.publish(events);
        Ok(row.into())
    }

    /// 公示 of an administrative licence.
    async fn publish_licence(&self, ctx: &Context<'_>, input: PublishLicenceInput) -> Result<Publication> {
        let p = principal(ctx)?;
        let n = service::NewLicence { title: input.title, holder: input.holder, content: input.content };
        let row = service::publish_licence(&state(ctx)?.db, p, n).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// Withdraws a publication (after a revocation: within T6).
    async fn withdraw_publication(&self, ctx: &Context<'_>, id: ID) -> Result<Publication> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::Publication, "id")?;
        let row = service::withdraw_publication(&state(ctx)?.db, p, id).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// 行政复议 / 行政诉讼 received against a decision.
    async fn register_reconsideration(
        &self,
        ctx: &Context<'_>,
        input: RegisterReconsiderationInput,
    ) -> Result<Reconsideration> {
        let p = principal(ctx)?;
        let n = service::NewReconsideration {
            case_id: ids::decode(&input.case_id, Kind::Case, "input.caseId")?,
            kind: input.kind.into(),
            applicant: input.applicant,
            body: input.body,
            received_on: input.received_on.get("input.receivedOn")?,
        };
        let row = service::register_reconsideration(&state(ctx)?.db, p, n).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// Concludes a reconsideration or lawsuit; REVOKED starts T6 on the decision's publication.
    async fn conclude_reconsideration(
        &self,
        ctx: &Context<'_>,
        id: ID,
        outcome: ReconsiderationOutcome,
        concluded_on: Date,
        note: Option<String>,
    ) -> Result<Reconsideration> {
        let p = principal(ctx)?;
        let s = state(ctx)?;
        let id = ids::decode(&id, Kind::Reconsideration, "id")?;
        let on = concluded_on.get("concludedOn")?;
        let row = service::conclude_reconsideration(&s.db, &s.calendar, p, id, outcome.into(), on, note).await?;
        s.stats_changed();
        Ok(row.into())
    }

    /// 案卷评查: records a check of a case file and the problems found.
    async fn record_file_evaluation(
        &self,
        ctx: &Context<'_>,
        input: RecordFileEvaluationInput,
    ) -> Result<FileEvaluation> {
        let p = principal(ctx)?;
        let case_id = ids::decode(&input.case_id, Kind::Case, "input.caseId")?;
        let on = input.evaluated_on.get("input.evaluatedOn")?;
        let (ev, findings) =
            service::record_evaluation(&state(ctx)?.db, p, case_id, on, input.scope, input.findings).await?;
        state(ctx)?.stats_changed();
        Ok(evaluation(ev, findings.into_iter().map(Into::into).collect()))
    }

    /// A finding rectified by the case file's department.
    async fn rectify_finding(&self, ctx: &Context<'_>, id: ID, note: String) -> Result<EvaluationFinding> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::EvaluationFinding, "id")?;
        let row = service::rectify_finding(&state(ctx)?.db, p, id, note).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// 信用修复: an enterprise's application accepted.
    async fn accept_credit_repair(&self, ctx: &Context<'_>, input: AcceptCreditRepairInput) -> Result<CreditRepair> {
        let p = principal(ctx)?;
        let n = service::NewCreditRepair {
            case_id: input.case_id.as_ref().map(|i| ids::decode(i, Kind::Case, "input.caseId")).transpose()?,
            enterprise_name: input.enterprise_name,
            credit_code: input.credit_code,
            applied_on: input.applied_on.get("input.appliedOn")?,
        };
        let row = service::accept_credit_repair(&state(ctx)?.db, p, n).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// A credit repair completed.
    async fn complete_credit_repair(
        &self,
        ctx: &Context<'_>,
        id: ID,
        completed_on: Date,
        note: Option<String>,
    ) -> Result<CreditRepair> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::CreditRepair, "id")?;
        let on = completed_on.get("completedOn")?;
        let row = service::complete_credit_repair(&state(ctx)?.db, p, id, on, note).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// 三书同达: an enterprise's decision delivered with compliance advice and the
    /// credit-repair notice.
    async fn deliver_three_documents(
        &self,
        ctx: &Context<'_>,
        input: DeliverThreeDocumentsInput,
    ) -> Result<ThreeDocumentDelivery> {
        let p = principal(ctx)?;
        let case_id = ids::decode(&input.case_id, Kind::Case, "input.caseId")?;
        let row = service::deliver_three_documents(
            &state(ctx)?.db,
            p,
            case_id,
            input.compliance_advice,
            input.credit_repair_notice,
        )
        .await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// 合规指导清单: adds an item.
    async fn add_compliance_guidance_item(
        &self,
        ctx: &Context<'_>,
        input: ComplianceGuidanceItemInput,
    ) -> Result<ComplianceGuidanceItem> {
        let p = principal(ctx)?;
        let row = service::add_guidance(&state(ctx)?.db, p, input.industry, input.title, input.guidance).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// A training held or attended, with the department's attendees.
    async fn record_training(&self, ctx: &Context<'_>, input: RecordTrainingInput) -> Result<Training> {
        let p = principal(ctx)?;
        let attendees = input
            .attendee_ids
            .iter()
            .enumerate()
            .map(|(i, id)| ids::decode(id, Kind::User, &format!("input.attendeeIds.{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let held_on = input.held_on.get("input.heldOn")?;
        let (row, who) =
            service::record_training(&state(ctx)?.db, p, input.title, input.organiser.into(), held_on, attendees)
                .await?;
        state(ctx)?.stats_changed();
        Ok(training_object(row, who))
    }

    /// A patrol action, or a town team's inspection of an empowered matter.
    async fn record_patrol_action(&self, ctx: &Context<'_>, input: RecordPatrolActionInput) -> Result<PatrolAction> {
        let p = principal(ctx)?;
        let n = service::NewPatrol {
            kind: input.kind.into(),
            town: input.town,
            matter_id: input.matter_id.as_ref().map(|i| ids::decode(i, Kind::Matter, "input.matterId")).transpose()?,
            place: input.place,
            note: input.note,
        };
        let row = service::record_patrol(&state(ctx)?.db, p, n).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// 认领: a town team claims a matter empowered to its town.
    async fn claim_matter(&self, ctx: &Context<'_>, matter_id: ID) -> Result<MatterClaim> {
        let p = principal(ctx)?;
        let id = ids::decode(&matter_id, Kind::Matter, "matterId")?;
        let row = service::claim_matter(&state(ctx)?.db, p, id).await?;
        Ok(row.into())
    }

    /// 案审委员会: a meeting that discussed legal reviews.
    async fn record_review_meeting(&self, ctx: &Context<'_>, input: RecordReviewMeetingInput) -> Result<ReviewMeeting> {
        let p = principal(ctx)?;
        let reviews = input
            .legal_review_ids
            .iter()
            .enumerate()
            .map(|(i, id)| ids::decode(id, Kind::LegalReview, &format!("input.legalReviewIds.{i}")))
            .collect::<Result<Vec<_>, _>>()?;
        let held_on = input.held_on.get("input.heldOn")?;
        let row = service::record_meeting(&state(ctx)?.db, p, held_on, input.topic, input.conclusion, reviews).await?;
        state(ctx)?.stats_changed();
        Ok(row.into())
    }

    /// An officer's enforcement certificate (执法证) and joining day: admin only.
    async fn update_officer(
        &self,
        ctx: &Context<'_>,
        id: ID,
        certificate_no: Option<String>,
        certificate_valid_until: Option<Date>,
        joined_on: Option<Date>,
    ) -> Result<crate::org::schema::UserObject> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::User, "id")?;
        let until = certificate_valid_until.as_ref().map(|d| d.get("certificateValidUntil")).transpose()?;
        let joined = joined_on.as_ref().map(|d| d.get("joinedOn")).transpose()?;
        let u = service::update_officer(&state(ctx)?.db, p, id, certificate_no, until, joined).await?;
        state(ctx)?.stats_changed();
        Ok(crate::org::schema::UserObject(u))
    }
}
