//! The GraphQL face of rectification notices and exemptions.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;
use entity::enums::RectificationStatus as StoredRectificationStatus;
use entity::{exemption, rectification_notice};

use super::service::{self, NewNotice, NoticeFilter, Verdict};
use crate::graphql::context::{principal, request, state};
use crate::graphql::ids::{self, Kind};
use crate::graphql::scalars::{Date, DateTime};
use crate::oversight::list::Paging;
use crate::oversight::schema::{id_of, nodes, opt_decode, opt_id, store};

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

crate::connection!(
    RectificationNoticeConnection,
    RectificationNoticeEdge,
    RectificationNotice,
    rectification_notice::Entity,
    "Rectification notices, newest first."
);
crate::connection!(ExemptionConnection, ExemptionEdge, Exemption, exemption::Entity, "Exemptions, newest first.");

/// Narrows `rectificationNotices`; conditions combine with AND.
#[derive(InputObject, Default)]
pub struct RectificationNoticeFilter {
    pub case_id: Option<ID>,
    pub status: Option<RectificationStatus>,
    /// true: still ISSUED past the deadline (T8); false: the others.
    pub overdue: Option<bool>,
}

#[derive(Default)]
pub struct NoticeQuery;

#[Object]
impl NoticeQuery {
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
        let filter = NoticeFilter {
            case_id: opt_decode(f.case_id.as_ref(), Kind::Case, "filter.caseId")?,
            status: f.status.map(Into::into),
            overdue: f.overdue,
        };
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::list(&state(ctx)?.db, p, today, &filter, paging).await?;
        Ok(RectificationNoticeConnection::new(nodes(rows, |m| RectificationNotice::new(m, today)), info, cond))
    }

    /// First-violation exemptions the caller may read, newest first.
    async fn exemptions(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ExemptionConnection> {
        let p = principal(ctx)?;
        let paging = Paging::new(first, after.as_deref());
        let (rows, info, cond) = service::exemptions(&state(ctx)?.db, p, paging).await?;
        Ok(ExemptionConnection::new(nodes(rows, Exemption::from), info, cond))
    }
}

#[derive(InputObject)]
pub struct IssueRectificationNoticeInput {
    /// The case it belongs to, if any (its party, matter and town are taken from it).
    pub case_id: Option<ID>,
    pub matter_id: Option<ID>,
    pub town: Option<String>,
    /// Required without `caseId`.
    pub party_name: Option<String>,
    pub requirement: String,
    /// T8: correct by this date (calendar); not before the day the notice was issued.
    pub deadline: Date,
    /// R14: when the notice was issued, if earlier than now: at most 30 days back (the
    /// configured `backdate_days`), never in the future, on a case never before its filing.
    /// It sets `issuedOn`; the audit keeps both this and the time of recording. Default: now.
    pub effective_at: Option<DateTime>,
}

#[derive(Default)]
pub struct NoticeMutation;

#[Object]
impl NoticeMutation {
    /// 责令改正: an officer orders a party to correct by a deadline (T8).
    async fn issue_rectification_notice(
        &self,
        ctx: &Context<'_>,
        input: IssueRectificationNoticeInput,
    ) -> Result<RectificationNotice> {
        let p = principal(ctx)?;
        let n = NewNotice {
            case_id: opt_decode(input.case_id.as_ref(), Kind::Case, "input.caseId")?,
            matter_id: opt_decode(input.matter_id.as_ref(), Kind::Matter, "input.matterId")?,
            town: input.town,
            party_name: input.party_name,
            requirement: input.requirement,
            deadline: input.deadline.get("input.deadline")?,
            effective_at: input.effective_at.as_ref().map(|t| t.get("input.effectiveAt")).transpose()?,
        };
        let rules = &state(ctx)?.settings.rules;
        let row = service::issue(store(ctx)?, rules, p, n).await?;
        Ok(RectificationNotice::new(row, request(ctx)?.today))
    }

    /// Verifies a notice after the check: corrected or not, once.
    async fn verify_rectification(
        &self,
        ctx: &Context<'_>,
        id: ID,
        corrected: bool,
        note: Option<String>,
        #[graphql(desc = "R14: when the check happened, if earlier than now: at most 30 days back \
            (the configured `backdate_days`), never in the future, never before the notice was \
            issued. It sets `verifiedAt`; the audit keeps both this and the time of recording. \
            Default: now.")]
        effective_at: Option<DateTime>,
    ) -> Result<RectificationNotice> {
        let p = principal(ctx)?;
        let id = ids::decode(&id, Kind::RectificationNotice, "id")?;
        let effective_at = effective_at.as_ref().map(|t| t.get("effectiveAt")).transpose()?;
        let rules = &state(ctx)?.settings.rules;
        let verdict = Verdict { corrected, note, effective_at };
        let row = service::verify(store(ctx)?, rules, p, id, verdict).await?;
        Ok(RectificationNotice::new(row, request(ctx)?.today))
    }
}
