//! The 2023 activities of sections 一 and 三 of the report that no case, transfer or oversight
//! row holds (`activities`): the leadership's 6 law study sessions, the 5 case-based legal
//! education pieces (one of them awarded), the 6 outreach sessions with their leaflets (近4000
//! 份), the review of the 278 normative documents issued 2021–2023, the street campaign's
//! penalties (2 for business outside the shop or on the road, 1 for rubbish, each one of the
//! year's cases) and the campaign's checks (流动摊贩入市经营 and 农贸市场内规范摆摊, 100%).
//! They are organisational facts, not case volumes: the same at every scale.

use chrono::{NaiveDate, TimeDelta};
use entity::activity::{self, ActivityKind};
use entity::enums::Procedure;
use sea_orm::DbErr;
use uuid::Uuid;

use super::lifecycle::{Builder, office_time};
use super::rng::Rng;
use crate::calendar::local_date;

fn ymd(m: u32, d: u32) -> Result<NaiveDate, DbErr> {
    NaiveDate::from_ymd_opt(2023, m, d).ok_or_else(|| DbErr::Custom(format!("demo activity date 2023-{m}-{d}")))
}

/// 党组理论学习中心组学法: (month, day, topic).
const STUDIES: &[(u32, u32, &str)] = &[
    (2, 24, "学习《中华人民共和国行政处罚法》修订要点"),
    (4, 21, "学习习近平法治思想专题研讨"),
    (6, 16, "学习《中华人民共和国行政复议法》与行政应诉实务"),
    (8, 25, "学习《浙江省综合行政执法条例》"),
    (10, 20, "学习《中华人民共和国行政强制法》"),
    (12, 15, "学习新修订的《中华人民共和国行政复议法》"),
];

/// 以案释法: (month, day, title, award).
const EXPLANATIONS: &[(u32, u32, &str, Option<&str>)] = &[
    (3, 30, "建筑工程领域互相串通投标案", Some("区“优化营商环境十佳柔性执法案例”")),
    (5, 26, "流动摊贩占道经营首违不罚案", None),
    (7, 28, "违规处置建筑垃圾案", None),
    (9, 22, "擅自改变林地用途案", None),
    (11, 24, "餐饮服务业油烟超标排放案", None),
];

/// 普法宣传、进社区宣讲: (month, day, where, leaflets). 3,950 leaflets: 近4000份.
const OUTREACH: &[(u32, u32, &str, i64)] = &[
    (3, 15, "“3·15”消费者权益日普法宣传（中心街）", 800),
    (4, 15, "全民国家安全教育日普法宣传进社区（北岙街道）", 550),
    (6, 9, "垃圾分类知识进社区宣讲（东屏街道）", 700),
    (8, 18, "燃气安全进社区宣讲（元觉街道）", 650),
    (11, 9, "“119”消防日燃气安全宣传（大门镇）", 550),
    (12, 4, "国家宪法日普法宣传（新城大道）", 700),
];

/// 规范性文件及其他政策措施和招投标、政府采购文件自查: (issued in, documents). 278 in all.
const NORMATIVE: &[(i32, i64)] = &[(2021, 94), (2022, 101), (2023, 83)];

/// 流动摊贩入市经营 (vendors to move in, moved in) and 农贸市场内规范摆摊 (stalls checked, in
/// order), checked each quarter of the campaign at the "最海鲜" market.
const VENDOR_CHECKS: &[(u32, u32, i64)] = &[(5, 31, 46), (8, 31, 52), (11, 30, 49)];
const STALL_CHECKS: &[(u32, u32, i64)] = &[(5, 31, 128), (8, 31, 136), (11, 30, 131)];

pub(super) fn build(b: &mut Builder<'_>, rng: &mut Rng) -> Result<(), DbErr> {
    let bureau = b.org.bureau;
    let by = Some(b.org.officer);
    let mut rows = Vec::new();
    let mut row = |rng: &mut Rng,
                   kind: ActivityKind,
                   held_on: NaiveDate,
                   title: String,
                   quantity: i64,
                   achieved: Option<i64>,
                   case_id: Option<Uuid>,
                   note: Option<String>| {
        let created_at = office_time(rng, held_on) + TimeDelta::hours(1);
        rows.push(activity::Model {
            id: rng.uuid_at(created_at),
            kind,
            department_id: bureau,
            held_on,
            title,
            quantity,
            achieved,
            case_id,
            note,
            created_by: by,
            created_at,
        });
    };

    for &(m, d, topic) in STUDIES {
        let attendees = rng.range(9, 13);
        row(
            rng,
            ActivityKind::LeadershipStudy,
            ymd(m, d)?,
            format!("党组理论学习中心组学法：{topic}"),
            attendees,
            None,
            None,
            None,
        );
    }
    // The awarded bid-rigging piece explains one of the year's bid-rigging cases.
    let bid_case = b
        .plan
        .cases
        .iter()
        .filter(|c| c.department_id == bureau && c.matter_code.starts_with("ZB-") && c.decided_at.is_some())
        .min_by_key(|c| (c.decided_at, c.id))
        .map(|c| c.id);
    for &(m, d, title, award) in EXPLANATIONS {
        let case_id = if title.contains("串通投标") { bid_case } else { None };
        row(
            rng,
            ActivityKind::CaseExplanation,
            ymd(m, d)?,
            title.to_string(),
            1,
            None,
            case_id,
            award.map(str::to_string),
        );
    }
    for &(m, d, place, leaflets) in OUTREACH {
        row(rng, ActivityKind::Outreach, ymd(m, d)?, place.to_string(), leaflets, None, None, None);
    }
    for (i, &(issued, documents)) in NORMATIVE.iter().enumerate() {
        let title = format!("{issued}年印发的规范性文件及其他政策措施和招投标、政府采购文件合法性自查");
        row(rng, ActivityKind::NormativeReview, ymd(9, 12 + i as u32)?, title, documents, None, None, None);
    }
    for &(m, d, vendors) in VENDOR_CHECKS {
        let title = "“最海鲜”集散中心“迁新疏旧”流动摊贩入市经营核查".to_string();
        row(rng, ActivityKind::VendorEntryCheck, ymd(m, d)?, title, vendors, Some(vendors), None, None);
    }
    for &(m, d, stalls) in STALL_CHECKS {
        let title = "农贸市场内规范摆摊检查".to_string();
        row(rng, ActivityKind::MarketStallCheck, ymd(m, d)?, title, stalls, Some(stalls), None, None);
    }

    // The campaign's penalties: two on-the-spot cases of business outside the shop or on the
    // road and one of rubbish disposed of against the rules, decided during the campaign.
    let (from, until) = (ymd(4, 1)?, ymd(11, 30)?);
    for (matters, n, what) in [(&["SR-001", "SR-002"][..], 2, "出室、占道经营"), (&["HW-008"][..], 1, "违规处置垃圾")]
    {
        let mut candidates: Vec<(chrono::DateTime<chrono::Utc>, Uuid)> = b
            .plan
            .cases
            .iter()
            .filter(|c| {
                c.department_id == bureau
                    && c.procedure == Procedure::Simple
                    && matters.contains(&c.matter_code.as_str())
                    && c.decided_at.map(local_date).is_some_and(|d| from <= d && d <= until)
            })
            .map(|c| (c.decided_at.unwrap_or(c.filed_at), c.id))
            .collect();
        candidates.sort();
        for _ in 0..n.min(candidates.len()) {
            let (at, case_id) = candidates.remove(rng.below(candidates.len()));
            let title = format!("“最海鲜”集散中心专项执法行动：处罚{what}");
            row(rng, ActivityKind::CampaignPenalty, local_date(at), title, 1, None, Some(case_id), None);
        }
    }
    b.plan.activities.extend(rows);
    Ok(())
}
