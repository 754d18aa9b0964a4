//! The bureau's rule-of-law activities of sections 一 and 三 that no other table holds
//! (`activities`): the leadership's law study sessions, the case-based legal education pieces
//! and the award one of them won, the outreach sessions and their leaflets, the normative
//! documents reviewed, the street campaign's penalties (by their cases' matters) and the
//! campaign's two rates. Each counts in the year of `held_on`.

use entity::activity::{self, ActivityKind};
use entity::case;
use sea_orm::sea_query::{Condition, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{Ask, Ratio, by_department, count, scalars, sum};
use crate::error::AppResult;

/// The matters of the campaign's penalties for business outside the shop or on the road
/// (出店经营, 占道经营) and for disposing of rubbish against the rules (违规处置垃圾).
pub const STALL_MATTERS: &[&str] = &["SR-001", "SR-002"];
pub const RUBBISH_MATTERS: &[&str] = &["HW-008"];

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Activities {
    /// 学法 sessions of the leadership (党组理论学习中心组).
    pub leadership_studies: i64,
    /// 以案释法 pieces reported.
    pub case_explanations: i64,
    /// The titles of the pieces that won an award, with the award (`note`).
    pub case_explanation_awards: Vec<(String, String)>,
    /// 宣传、进社区宣讲 sessions, and the leaflets handed out at them.
    pub outreach_sessions: i64,
    pub leaflets: i64,
    /// Normative documents and other policy measures reviewed (规范性文件自查).
    pub normative_documents_reviewed: i64,
    /// The street campaign's penalties: 出室、占道经营 and 违规处置垃圾.
    pub campaign_stall_penalties: i64,
    pub campaign_rubbish_penalties: i64,
    /// 流动摊贩入市经营 and 农贸市场内规范摆摊: achieved of checked.
    pub vendors_in_market: Ratio,
    pub stalls_in_order: Ratio,
}

pub async fn activities(db: &impl ConnectionTrait, ask: Ask<'_>) -> AppResult<Activities> {
    let of = |kind: ActivityKind| -> Condition {
        ask.year
            .days(activity::Column::HeldOn)
            .add(activity::Column::Kind.eq(kind))
            .add(by_department(ask.scope, activity::Column::DepartmentId))
    };
    let penalties = |matters: &[&str]| {
        let cases = Query::select()
            .column(case::Column::Id)
            .from(case::Entity)
            .and_where(case::Column::MatterCode.is_in(matters.iter().copied()))
            .to_owned();
        count(activity::Entity, of(ActivityKind::CampaignPenalty).add(activity::Column::CaseId.in_subquery(cases)))
    };
    let [
        leadership_studies,
        case_explanations,
        outreach_sessions,
        leaflets,
        normative_documents_reviewed,
        campaign_stall_penalties,
        campaign_rubbish_penalties,
        vendors_checked,
        vendors_entered,
        stalls_checked,
        stalls_orderly,
    ] = scalars(
        db,
        [
            count(activity::Entity, of(ActivityKind::LeadershipStudy)),
            count(activity::Entity, of(ActivityKind::CaseExplanation)),
            count(activity::Entity, of(ActivityKind::Outreach)),
            sum(activity::Entity, activity::Column::Quantity, of(ActivityKind::Outreach)),
            sum(activity::Entity, activity::Column::Quantity, of(ActivityKind::NormativeReview)),
            penalties(STALL_MATTERS),
            penalties(RUBBISH_MATTERS),
            sum(activity::Entity, activity::Column::Quantity, of(ActivityKind::VendorEntryCheck)),
            sum(activity::Entity, activity::Column::Achieved, of(ActivityKind::VendorEntryCheck)),
            sum(activity::Entity, activity::Column::Quantity, of(ActivityKind::MarketStallCheck)),
            sum(activity::Entity, activity::Column::Achieved, of(ActivityKind::MarketStallCheck)),
        ],
    )
    .await?;
    let case_explanation_awards = activity::Entity::find()
        .filter(of(ActivityKind::CaseExplanation).add(activity::Column::Note.is_not_null()))
        .order_by_asc(activity::Column::HeldOn)
        .order_by_asc(activity::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| a.note.map(|note| (a.title, note)))
        .collect();
    Ok(Activities {
        leadership_studies,
        case_explanations,
        case_explanation_awards,
        outreach_sessions,
        leaflets,
        normative_documents_reviewed,
        campaign_stall_penalties,
        campaign_rubbish_penalties,
        vendors_in_market: Ratio { numerator: vendors_entered, denominator: vendors_checked },
        stalls_in_order: Ratio { numerator: stalls_orderly, denominator: stalls_checked },
    })
}
