//! The oversight records of 2023 (domain.md's table, section 一 of the report), built from the
//! cases already planned: 51 first-violation exemptions (bureau cases closed without penalty
//! after a verified rectification), 225 rectification notices, 17 legal reviews in review
//! committee meetings, 5 reconsiderations (2 settled), 190 case-file evaluations with 43
//! findings all rectified, 7 credit repairs, 9 three-document deliveries, 10 compliance
//! guidance items, a publication of every decision (2723 of the bureau's in 2023) and 123
//! licences, 7 trainings held and 4 attended, 143 vendors persuaded, 87 helped into the
//! market, 14 open burnings stopped, inspections that bring the implementation rate to
//! 248/456, the towns' claims of their empowered matters, and a second court trainee.
//!
//! Runs in two parts: [`exemption_cases`] adds cases (before the cases are numbered),
//! [`records`] everything else (after, so publications carry the case numbers).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use entity::enums::{
    CaseEventKind, CaseStatus, PartyKind, PatrolKind, Procedure, PublicationKind, ReconsiderationKind,
    ReconsiderationOutcome, RectificationStatus, ReviewOutcome, ReviewState, Role, TrainingOrganiser,
};
use entity::{
    compliance_guidance_item, credit_repair, evaluation_finding, exemption, file_evaluation, follow_enrollment,
    legal_review, matter_claim, patrol_action, publication, reconsideration, rectification_notice, review_meeting,
    three_document_delivery, training, training_attendee, user, user_role,
};
use sea_orm::DbErr;
use uuid::Uuid;

use super::lifecycle::{Action, Builder, CaseDraft, Step, Timeline, office_time};
use super::people;
use super::plan::Scale;
use super::rng::Rng;
use super::year2023::{facts, kind_for, style_for, two_officers};
use crate::calendar::{local_date, start_of_day};
use crate::events::EventDetail;
use crate::oversight::publish_text;

const YEAR: i32 = 2023;
const EXEMPTIONS: usize = 51;
const RECTIFICATION_NOTICES: usize = 225;
const RECONSIDERATIONS: usize = 5;
const RECONSIDERATIONS_SETTLED: usize = 2;
const FILE_CHECKS: usize = 190;
const FILE_PROBLEMS: usize = 43;
const CREDIT_REPAIRS: usize = 7;
const THREE_DOCUMENTS: usize = 9;
const LICENCES: usize = 123;
const VENDORS_PERSUADED: usize = 143;
const VENDORS_HELPED: usize = 87;
const OPEN_BURNING: usize = 14;
/// Empowered town–matter pairs with an inspection but no penalty case: 115 + 133 = 248.
const INSPECTED_PAIRS: usize = 133;

fn ymd(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(YEAR, m, d).unwrap_or(NaiveDate::MIN)
}

fn in_year(at: DateTime<Utc>) -> bool {
    local_date(at).year() == YEAR
}

/// A working day of 2023 between two dates (inclusive).
fn working_day(b: &Builder<'_>, rng: &mut Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).filter(|d| b.cal.is_working_day(*d)).collect();
    if days.is_empty() { from } else { *rng.pick(&days) }
}

/// Bureau matters that first-violation exemptions fit: minor acts settled on the spot.
fn minor_matters(b: &Builder<'_>) -> Vec<usize> {
    (0..b.org.matters.len()).filter(|&i| b.org.matters[i].def.simple).collect()
}

/// 首违不罚: 51 bureau cases filed, investigated, rectified and closed without penalty
/// (NOT_PENALIZED, APL 33), each with its verified rectification notice.
pub(super) fn exemption_cases(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale) -> Result<Vec<ExemptionPlan>, DbErr> {
    let matters = minor_matters(b);
    if matters.is_empty() {
        return Err(DbErr::Custom("demo: no minor matters for exemptions".into()));
    }
    let mut out = Vec::new();
    for _ in 0..scale.of(EXEMPTIONS) {
        let matter = *rng.pick(&matters);
        let def = b.org.matters[matter].def;
        let filed_day = working_day(b, rng, ymd(1, 9), ymd(11, 24));
        let filed_at = office_time(rng, filed_day);
        let officers = two_officers(rng, &b.org.bureau_assignable(filed_day), Some(b.org.officer))?;
        let town = people::town(rng);
        let kind = kind_for(rng, def);
        let party = people::party(rng, kind, filed_at, town, style_for(def));
        let place = people::place(rng, town);
        let occurred_at = filed_at - TimeDelta::days(rng.range(0, 5)) - TimeDelta::minutes(rng.range(30, 300));
        let case_facts = facts(local_date(occurred_at), &place, &party, def);
        // Notice issued on investigation, corrected within the deadline, verified, exempted.
        let investigate_day = b.cal.add_working_days(filed_day, rng.range(0, 2) as u32);
        let investigated = office_time(rng, investigate_day).max(filed_at + TimeDelta::minutes(20));
        let deadline = investigate_day + TimeDelta::days(*rng.pick(&[3, 5, 7, 10, 15]));
        let verify_day = working_day(b, rng, investigate_day + TimeDelta::days(1), deadline);
        let verified = office_time(rng, verify_day).max(investigated + TimeDelta::hours(1));
        let exempt_day = b.cal.add_working_days(verify_day, rng.range(0, 3) as u32);
        let exempted = office_time(rng, exempt_day).max(verified + TimeDelta::minutes(30));
        let timeline = Timeline {
            filed_at,
            steps: vec![
                Step { action: Action::Investigate, at: investigated, actor: officers[0] },
                Step { action: Action::Exempt, at: exempted, actor: officers[0] },
            ],
            paid_at: None,
            published_at: None,
        };
        let party_name = party.name.clone();
        let draft = CaseDraft {
            department_id: b.org.bureau,
            town: None,
            procedure: Procedure::General,
            matter,
            party,
            officers: officers.clone(),
            major: false,
            serious_harm: false,
            fine_fen: None,
            notice_fine_fen: None,
            occurred_at,
            ended_at: None,
            location: place,
            facts: case_facts,
            source_transfer_id: None,
            records: rng.range(1, 3) as usize,
            created_by: officers[0],
        };
        let case_id = b.add_case(rng, draft, &timeline, None)?;
        out.push(ExemptionPlan {
            case_id,
            matter,
            party_name,
            issued_on: investigate_day,
            issued_at: investigated,
            deadline,
            verified,
            exempted,
            officer: officers[0],
        });
    }
    Ok(out)
}

pub(super) struct ExemptionPlan {
    case_id: Uuid,
    matter: usize,
    party_name: String,
    issued_on: NaiveDate,
    issued_at: DateTime<Utc>,
    deadline: NaiveDate,
    verified: DateTime<Utc>,
    exempted: DateTime<Utc>,
    officer: Uuid,
}

const REQUIREMENTS: &[&str] = &[
    "立即停止占道经营行为,清理占用的道路及公共场地",
    "限期拆除未经批准设置的户外广告设施",
    "限期清运乱堆放的建筑垃圾并恢复原状",
    "规范设置门前三包责任区内的垃圾分类收集容器",
    "停止露天焚烧行为并清理焚烧残留物",
    "限期整改油烟净化设施并保持正常运行",
    "限期修复破损的人行道及绿化设施",
    "停止违规排放污水,疏通并修复排水设施",
];

/// Everything else, after the cases are numbered.
pub(super) fn records(
    b: &mut Builder<'_>,
    rng: &mut Rng,
    scale: Scale,
    exemptions: Vec<ExemptionPlan>,
) -> Result<(), DbErr> {
    let (jan1, dec31) = (ymd(1, 1), ymd(12, 31));
    let year_end = start_of_day(ymd(12, 31)) + TimeDelta::hours(23);
    let bureau = b.org.bureau;

    // Cases decided in 2023, by owner.
    let decided_2023: Vec<usize> = (0..b.plan.cases.len())
        .filter(|&i| {
            b.plan.cases[i].decided_at.is_some_and(in_year) && b.plan.cases[i].status != CaseStatus::NotPenalized
        })
        .collect();
    let bureau_general: Vec<usize> = decided_2023
        .iter()
        .copied()
        .filter(|&i| b.plan.cases[i].department_id == bureau && b.plan.cases[i].procedure == Procedure::General)
        .collect();
    let bureau_decided: Vec<usize> =
        decided_2023.iter().copied().filter(|&i| b.plan.cases[i].department_id == bureau).collect();

    // 公示: every decision, within T5; the 2023 ones still within 2023.
    publications(b, rng, year_end)?;
    licences(b, rng, scale);

    // 首违不罚 with their rectification notices.
    let mut notices = Vec::new();
    for e in &exemptions {
        let notice_id = rng.uuid_at(e.issued_at);
        let matter = &b.org.matters[e.matter];
        notices.push(rectification_notice::Model {
            id: notice_id,
            department_id: bureau,
            town: None,
            case_id: Some(e.case_id),
            matter_id: Some(matter.id),
            party_name: e.party_name.clone(),
            requirement: format!("立即改正{}的违法行为", matter.def.name),
            issued_on: e.issued_on,
            deadline: e.deadline,
            status: RectificationStatus::Corrected,
            verified_at: Some(e.verified),
            verified_by: Some(e.officer),
            verification_note: Some("经复查,当事人已按期改正".into()),
            created_by: Some(e.officer),
            created_at: e.issued_at,
        });
        b.plan.exemptions.push(exemption::Model {
            id: rng.uuid_at(e.exempted),
            case_id: e.case_id,
            rectification_notice_id: notice_id,
            department_id: bureau,
            town: None,
            reason: "初次违法且危害后果轻微并及时改正,依法不予行政处罚(《行政处罚法》第三十三条)".into(),
            granted_at: e.exempted,
            granted_by: Some(e.officer),
        });
    }
    // The other notices: on patrol, by the bureau and the town teams, all verified.
    let others = scale.of(RECTIFICATION_NOTICES).saturating_sub(notices.len());
    for n in 0..others {
        let issued_on = working_day(b, rng, jan1, ymd(12, 8));
        let issued_at = office_time(rng, issued_on);
        let (department_id, town, officer) = if n % 3 == 2 {
            let t = rng.below(b.org.towns.len());
            let team = &b.org.towns[t];
            let officers = super::org::assignable(&team.officers, issued_on);
            let officer = if officers.is_empty() { b.org.officer } else { *rng.pick(&officers) };
            (team.id, Some(team.def.name.to_string()), officer)
        } else {
            let pool = b.org.bureau_assignable(issued_on);
            let officer = if pool.is_empty() { b.org.officer } else { *rng.pick(&pool) };
            (bureau, Some(people::town(rng).name.to_string()), officer)
        };
        let deadline = issued_on + TimeDelta::days(*rng.pick(&[3, 5, 7, 10, 15, 30]));
        let corrected = !rng.chance(0.05);
        let verify_day = if corrected {
            working_day(b, rng, issued_on + TimeDelta::days(1), deadline.min(dec31))
        } else {
            (deadline + TimeDelta::days(1)).min(dec31)
        };
        let verified = office_time(rng, verify_day).max(issued_at + TimeDelta::hours(1));
        let party = people::name(rng);
        notices.push(rectification_notice::Model {
            id: rng.uuid_at(issued_at),
            department_id,
            town,
            case_id: None,
            matter_id: None,
            party_name: party.hanzi,
            requirement: rng.pick(REQUIREMENTS).to_string(),
            issued_on,
            deadline,
            status: if corrected { RectificationStatus::Corrected } else { RectificationStatus::NotCorrected },
            verified_at: Some(verified),
            verified_by: Some(officer),
            verification_note: Some(if corrected { "经复查,已按要求改正" } else { "逾期未改正,依法立案查处" }.into()),
            created_by: Some(officer),
            created_at: issued_at,
        });
    }
    b.plan.rectification_notices = notices;

    legal_reviews(b, rng);
    reconsiderations(b, rng, scale, &bureau_general);
    evaluations(b, rng, scale, &bureau_decided, year_end);
    enterprise_services(b, rng, scale, &bureau_general, year_end)?;
    if b.first_chunk {
        trainings(b, rng);
    }
    patrols(b, rng, scale);
    inspections_and_claims(b, rng, scale);
    if b.first_chunk {
        second_trainee(b, rng, &bureau_general);
    }
    Ok(())
}

/// A publication of every decided case (published within T5, the 2023 ones within 2023).
fn publications(b: &mut Builder<'_>, rng: &mut Rng, year_end: DateTime<Utc>) -> Result<(), DbErr> {
    let parties: HashMap<Uuid, usize> = b.plan.parties.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let matters: HashMap<Uuid, usize> = b.org.matters.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    for i in 0..b.plan.cases.len() {
        let (Some(decided), Some(mut published)) = (b.plan.cases[i].decided_at, b.plan.cases[i].published_at) else {
            continue;
        };
        if in_year(decided) && !in_year(published) {
            published = year_end.max(decided + TimeDelta::minutes(30));
            b.plan.cases[i].published_at = Some(published);
        }
        let c = &b.plan.cases[i];
        let party = parties.get(&c.party_id).map(|&p| &b.plan.parties[p]);
        let matter = matters.get(&c.matter_id).map(|&m| b.org.matters[m].def);
        let (Some(party), Some(matter)) = (party, matter) else {
            return Err(DbErr::Custom(format!("demo: case {} lacks its party or matter", c.id)));
        };
        let dept = b.org.departments.get(&c.department_id).map(|d| d.0.clone()).unwrap_or_default();
        let (title, content) =
            publish_text::decision(c, party, matter.name, matter.legal_basis, &dept, local_date(decided));
        let row = publication::Model {
            id: rng.uuid_at(published),
            kind: PublicationKind::PenaltyDecision,
            department_id: c.department_id,
            town: c.town.clone().or_else(|| b.org.departments.get(&c.department_id).and_then(|d| d.1.clone())),
            case_id: Some(c.id),
            title,
            content,
            published_at: published,
            revoked_at: None,
            withdrawal_due: None,
            withdrawn_at: None,
            created_by: c.created_by,
        };
        b.plan.publications.push(row);
    }
    Ok(())
}

const LICENCE_KINDS: &[&str] = &[
    "城市建筑垃圾处置核准",
    "设置大型户外广告及在城市建筑物、设施上悬挂、张贴宣传品审批",
    "临时占用城市道路许可",
    "挖掘城市道路许可",
    "城镇污水排入排水管网许可",
    "燃气经营者改动市政燃气设施审批",
    "临时占用城市绿地许可",
];

/// 123 licences the bureau granted in 2023, published within 7 working days.
fn licences(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale) {
    for _ in 0..scale.of(LICENCES) {
        let day = working_day(b, rng, ymd(1, 3), ymd(12, 20));
        let lag = rng.range(1, 6) as u32;
        let published = office_time(rng, b.cal.add_working_days(day, lag));
        let town = people::town(rng);
        let holder = people::organisation(rng, published, town, people::OrgStyle::Company);
        let kind = rng.pick(LICENCE_KINDS);
        let no = format!("洞综执许〔{YEAR}〕{:04}号", rng.range(1, 9999));
        b.plan.publications.push(publication::Model {
            id: rng.uuid_at(published),
            kind: PublicationKind::Licence,
            department_id: b.org.bureau,
            town: Some(town.name.to_string()),
            case_id: None,
            title: format!("{kind}({no})"),
            content: format!(
                "许可决定书文号:{no}。许可事项:{kind}。被许可人:{}。许可地点:{}。许可决定日期:{}。许可机关:洞头区综合行政执法局。",
                holder.name,
                people::place(rng, town),
                day.format("%Y年%m月%d日"),
            ),
            published_at: published,
            revoked_at: None,
            withdrawal_due: None,
            withdrawn_at: None,
            created_by: Some(b.org.officer),
        });
    }
}

/// 法制审核 rows from the cases' review steps; the approved reviews of a day share one
/// meeting of the case review committee.
fn legal_reviews(b: &mut Builder<'_>, rng: &mut Rng) {
    let mut submitted: HashMap<Uuid, (DateTime<Utc>, Option<Uuid>)> = HashMap::new();
    let mut approved: HashMap<Uuid, (DateTime<Utc>, Option<Uuid>)> = HashMap::new();
    for e in b.plan.case_events.iter().filter(|e| e.kind == CaseEventKind::Transitioned) {
        let Ok(EventDetail::Transitioned(step)) = EventDetail::read(e.kind, &e.detail) else { continue };
        match step.action {
            Action::SubmitForReview => submitted.insert(e.case_id, (e.at, e.actor_id)),
            Action::ApproveReview => approved.insert(e.case_id, (e.at, e.actor_id)),
            _ => None,
        };
    }
    let mut meetings: HashMap<NaiveDate, Uuid> = HashMap::new();
    let cases: Vec<(Uuid, Uuid, ReviewState)> =
        b.plan.cases.iter().map(|c| (c.id, c.department_id, c.review_state)).collect();
    for (case_id, department_id, state) in cases {
        let Some((submitted_at, submitted_by)) = submitted.get(&case_id).copied() else {
            continue;
        };
        let decision = approved.get(&case_id).copied().filter(|_| state == ReviewState::Approved);
        let meeting_id = decision.map(|(at, _)| {
            let day = local_date(at);
            *meetings.entry(day).or_insert_with(|| {
                let id = rng.uuid_at(at - TimeDelta::hours(1));
                b.plan.review_meetings.push(review_meeting::Model {
                    id,
                    department_id,
                    held_on: day,
                    topic: "重大行政执法案件集体讨论".into(),
                    conclusion: "经集体讨论,同意承办部门的处理意见".into(),
                    created_by: b.org.reviewer,
                    created_at: at - TimeDelta::hours(1),
                });
                id
            })
        });
        b.plan.legal_reviews.push(legal_review::Model {
            id: rng.uuid_at(submitted_at),
            case_id,
            department_id,
            submitted_by,
            submitted_at,
            outcome: if decision.is_some() { ReviewOutcome::Approved } else { ReviewOutcome::Pending },
            reviewer_id: decision.and_then(|d| d.1),
            decided_at: decision.map(|d| d.0),
            opinion: decision.map(|_| "事实清楚,证据确凿,适用依据正确,程序合法,处罚适当,同意".to_string()),
            meeting_id,
        });
    }
}

/// 行政复议: five, two resolved by settlement, against decisions made before November.
fn reconsiderations(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, general: &[usize]) {
    let candidates: Vec<usize> = general
        .iter()
        .copied()
        .filter(|&i| b.plan.cases[i].decided_at.is_some_and(|d| local_date(d) < ymd(10, 15)))
        .collect();
    let n = scale.of(RECONSIDERATIONS).min(candidates.len());
    let settled = scale.of(RECONSIDERATIONS_SETTLED).min(n);
    let parties: HashMap<Uuid, String> = b.plan.parties.iter().map(|p| (p.id, p.name.clone())).collect();
    let mut used = HashSet::new();
    for k in 0..n {
        let mut i = *rng.pick(&candidates);
        while !used.insert(i) {
            i = *rng.pick(&candidates);
        }
        let c = &b.plan.cases[i];
        let decided = c.decided_at.map(local_date).unwrap_or(ymd(1, 1));
        let received_on = b.cal.add_working_days(decided, rng.range(10, 40) as u32);
        let concluded_on = b.cal.add_working_days(received_on, rng.range(15, 40) as u32).min(ymd(12, 29));
        let outcome = if k < settled { ReconsiderationOutcome::Settled } else { ReconsiderationOutcome::Upheld };
        let created_at = office_time(rng, received_on);
        b.plan.reconsiderations.push(reconsideration::Model {
            id: rng.uuid_at(created_at),
            case_id: c.id,
            department_id: c.department_id,
            kind: ReconsiderationKind::Reconsideration,
            applicant: parties.get(&c.party_id).cloned().unwrap_or_default(),
            body: "洞头区人民政府".into(),
            received_on,
            outcome,
            concluded_on: Some(concluded_on),
            note: Some(
                if outcome == ReconsiderationOutcome::Settled {
                    "经复议机关主持调解,当事人与执法局达成和解,申请人撤回复议申请"
                } else {
                    "复议机关决定维持原行政处罚决定"
                }
                .into(),
            ),
            created_by: Some(b.org.reviewer),
            created_at,
        });
    }
}

const FINDINGS: &[&str] = &[
    "裁量基准适用说明不充分,未载明从轻情节的认定依据",
    "处罚决定公示内容未隐去当事人住址",
    "送达回证送达日期填写不规范",
    "现场执法音像记录未按规定入卷",
    "询问笔录未载明执法证件出示情况",
    "证据材料未标注来源及取证时间",
    "处罚决定书引用法律条款不完整",
    "案件呈批表审批意见签署日期缺失",
];

/// 案卷评查: the special check of discretion and publication content, 190 files, 43
/// problems, all rectified.
fn evaluations(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale, decided: &[usize], year_end: DateTime<Utc>) {
    let candidates: Vec<usize> = decided
        .iter()
        .copied()
        .filter(|&i| b.plan.cases[i].decided_at.is_some_and(|d| local_date(d) < ymd(11, 30)))
        .collect();
    let n = scale.of(FILE_CHECKS).min(candidates.len());
    let mut picked: Vec<usize> = Vec::with_capacity(n);
    let mut seen = HashSet::new();
    while picked.len() < n {
        let i = *rng.pick(&candidates);
        if seen.insert(i) {
            picked.push(i);
        }
    }
    let mut problems = scale.of(FILE_PROBLEMS);
    let evaluators = [b.org.reviewer, b.org.officer];
    for (k, &i) in picked.iter().enumerate() {
        let c = &b.plan.cases[i];
        let decided = c.decided_at.map(local_date).unwrap_or(ymd(1, 1));
        let evaluated_on = working_day(b, rng, (decided + TimeDelta::days(7)).min(ymd(12, 1)), ymd(12, 8));
        let created_at = office_time(rng, evaluated_on);
        let id = rng.uuid_at(created_at);
        let (case_id, department_id) = (c.id, c.department_id);
        b.plan.file_evaluations.push(file_evaluation::Model {
            id,
            case_id,
            department_id,
            evaluated_on,
            scope: "行政处罚裁量标准和处罚公示内容专项检查".into(),
            evaluator_id: Some(evaluators[k % 2]),
            created_at,
        });
        // Spread the problems: every fourth file has one, some two, until all are placed.
        let here = if problems == 0 || k % 4 != 0 {
            0
        } else if problems > 1 && rng.chance(0.25) {
            2
        } else {
            1
        };
        for _ in 0..here {
            problems -= 1;
            let fixed_day = working_day(b, rng, evaluated_on + TimeDelta::days(1), evaluated_on + TimeDelta::days(14));
            let rectified_at = office_time(rng, fixed_day).min(year_end).max(created_at + TimeDelta::hours(2));
            b.plan.evaluation_findings.push(evaluation_finding::Model {
                id: rng.uuid_at(created_at),
                evaluation_id: id,
                description: rng.pick(FINDINGS).to_string(),
                rectified_at: Some(rectified_at),
                rectified_by: Some(b.org.officer),
                rectification_note: Some("已补正案卷材料并组织承办人员学习".into()),
            });
        }
    }
    // Any problems left (a tiny scale): on the first files.
    let mut k = 0;
    while problems > 0 && !b.plan.file_evaluations.is_empty() {
        let ev = &b.plan.file_evaluations[k % b.plan.file_evaluations.len()];
        let (id, created_at) = (ev.id, ev.created_at);
        b.plan.evaluation_findings.push(evaluation_finding::Model {
            id: rng.uuid_at(created_at),
            evaluation_id: id,
            description: rng.pick(FINDINGS).to_string(),
            rectified_at: Some((created_at + TimeDelta::days(3)).min(year_end)),
            rectified_by: Some(b.org.officer),
            rectification_note: Some("已补正案卷材料".into()),
        });
        problems -= 1;
        k += 1;
    }
}

const GUIDANCE: &[(&str, &str)] = &[
    ("羊栖菜", "羊栖菜晾晒场地不得占用城市道路及公共场地"),
    ("羊栖菜", "羊栖菜加工废水须经预处理后排入排水管网"),
    ("羊栖菜", "羊栖菜加工企业门前三包责任区保持整洁"),
    ("紫菜", "紫菜加工烘干设施油烟、废气须达标排放"),
    ("紫菜", "紫菜育苗、加工场所建筑垃圾按规定处置"),
    ("紫菜", "紫菜销售摊点不得超出门窗外墙经营"),
    ("大黄鱼", "大黄鱼养殖配套用房不得违法占地建设"),
    ("大黄鱼", "水产品批发市场冷链车辆按规定停放装卸"),
    ("大黄鱼", "海鲜排档店外设置广告招牌须经审批"),
    ("大黄鱼", "水产加工企业生产污水不得直排入海"),
];

/// Three-document deliveries, credit repairs and the compliance guidance list (助企).
fn enterprise_services(
    b: &mut Builder<'_>,
    rng: &mut Rng,
    scale: Scale,
    general: &[usize],
    year_end: DateTime<Utc>,
) -> Result<(), DbErr> {
    let kinds: HashMap<Uuid, (PartyKind, String, Option<String>)> =
        b.plan.parties.iter().map(|p| (p.id, (p.kind, p.name.clone(), p.credit_code.clone()))).collect();
    let orgs: Vec<usize> = general
        .iter()
        .copied()
        .filter(|&i| {
            let c = &b.plan.cases[i];
            kinds.get(&c.party_id).is_some_and(|k| k.0 == PartyKind::Organization)
                && c.delivered_at.is_some_and(|d| local_date(d) < ymd(11, 20))
        })
        .collect();
    let mut order = orgs;
    rng.shuffle(&mut order);
    let three = scale.of(THREE_DOCUMENTS).min(order.len());
    for &i in order.iter().take(three) {
        let c = &b.plan.cases[i];
        let Some(delivered) = c.delivered_at else { continue };
        b.plan.three_document_deliveries.push(three_document_delivery::Model {
            id: rng.uuid_at(delivered),
            case_id: c.id,
            department_id: c.department_id,
            delivered_on: local_date(delivered),
            compliance_advice: "针对本案违法行为,建议企业建立健全内部合规管理制度,明确专人负责日常自查".into(),
            credit_repair_notice: "处罚决定履行完毕且公示期满后,可通过“信用中国(浙江)”申请信用修复".into(),
            delivered_by: Some(b.org.officer),
            created_at: delivered,
        });
    }
    let repairs = scale.of(CREDIT_REPAIRS).min(order.len());
    for &i in order.iter().rev().take(repairs) {
        let c = &b.plan.cases[i];
        let Some((_, name, code)) = kinds.get(&c.party_id).cloned() else { continue };
        let start = local_date(c.paid_at.or(c.delivered_at).unwrap_or(year_end));
        let applied_on =
            working_day(b, rng, start + TimeDelta::days(3), (start + TimeDelta::days(20)).min(ymd(12, 10)));
        let completed_on =
            working_day(b, rng, applied_on + TimeDelta::days(1), (applied_on + TimeDelta::days(10)).min(ymd(12, 29)));
        let created_at = office_time(rng, applied_on);
        b.plan.credit_repairs.push(credit_repair::Model {
            id: rng.uuid_at(created_at),
            department_id: c.department_id,
            case_id: Some(c.id),
            enterprise_name: name,
            credit_code: code.unwrap_or_default(),
            applied_on,
            completed_on: Some(completed_on),
            note: Some("已履行处罚决定并完成整改,经审核符合修复条件,准予修复".into()),
            created_by: Some(b.org.officer),
            created_at,
        });
    }
    for (k, (industry, title)) in GUIDANCE.iter().enumerate().take(scale.of(GUIDANCE.len()).min(GUIDANCE.len())) {
        let issued_on = ymd(4 + (k as u32 % 3), 10 + k as u32);
        let created_at = office_time(rng, issued_on);
        b.plan.compliance_guidance_items.push(compliance_guidance_item::Model {
            id: rng.uuid_at(created_at),
            department_id: b.org.bureau,
            industry: industry.to_string(),
            title: title.to_string(),
            guidance: format!("《洞头区“两菜一鱼”重点产业行政合规指导清单》:{title}。违反的,先行指导整改,首次轻微违法并及时改正的,依法不予处罚。"),
            issued_on,
            created_by: Some(b.org.officer),
            created_at,
        });
    }
    Ok(())
}

/// 7 trainings the bureau held and 4 it attended (province, city, district).
fn trainings(b: &mut Builder<'_>, rng: &mut Rng) {
    let held: &[(&str, TrainingOrganiser, (u32, u32))] = &[
        ("新《行政处罚法》重点条款解读", TrainingOrganiser::Bureau, (2, 16)),
        ("执法全过程记录规范化培训", TrainingOrganiser::Bureau, (3, 23)),
        ("赋权事项办案实务(镇街执法队)", TrainingOrganiser::Bureau, (4, 20)),
        ("林业行政执法案件办理", TrainingOrganiser::Bureau, (6, 15)),
        ("行政处罚裁量基准适用", TrainingOrganiser::Bureau, (8, 17)),
        ("招投标领域违法案件查处", TrainingOrganiser::Bureau, (10, 19)),
        ("法律文书制作与案卷归档", TrainingOrganiser::Bureau, (11, 23)),
        ("全省综合行政执法业务骨干培训", TrainingOrganiser::Province, (5, 10)),
        ("全市“大综合一体化”执法改革培训", TrainingOrganiser::City, (7, 12)),
        ("全市执法办案技能比武集训", TrainingOrganiser::City, (9, 13)),
        ("全区行政执法人员公共法律知识培训", TrainingOrganiser::District, (12, 6)),
    ];
    let officers: Vec<Uuid> = b.org.bureau_officers.iter().map(|o| o.id).collect();
    for (title, organiser, (m, d)) in held {
        let day = ymd(*m, *d);
        let created_at = office_time(rng, day);
        let id = rng.uuid_at(created_at);
        b.plan.trainings.push(training::Model {
            id,
            department_id: b.org.bureau,
            title: title.to_string(),
            organiser: *organiser,
            held_on: day,
            created_by: Some(b.org.officer),
            created_at,
        });
        let want = if *organiser == TrainingOrganiser::Bureau { rng.range(20, 45) } else { rng.range(2, 6) } as usize;
        let mut chosen = HashSet::new();
        while chosen.len() < want.min(officers.len()) {
            chosen.insert(*rng.pick(&officers));
        }
        let mut chosen: Vec<Uuid> = chosen.into_iter().collect();
        chosen.sort();
        for user_id in chosen {
            b.plan.training_attendees.push(training_attendee::Model { training_id: id, user_id });
        }
    }
}

/// Street patrols: vendors persuaded and helped into the new seafood market, open burning
/// stopped.
fn patrols(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale) {
    let markets = ["“最海鲜”集散中心", "北岙农贸市场", "东屏农贸市场"];
    let kinds = [
        (PatrolKind::VendorPersuaded, VENDORS_PERSUADED, "劝导流动摊贩离开占道区域"),
        (PatrolKind::VendorHelpedIntoMarket, VENDORS_HELPED, "帮送流动摊贩入市规范经营"),
        (PatrolKind::OpenBurningStopped, OPEN_BURNING, "及时制止露天焚烧垃圾、秸秆行为"),
    ];
    for (kind, n, note) in kinds {
        for _ in 0..scale.of(n) {
            let day = working_day(b, rng, ymd(1, 3), ymd(12, 29));
            let at = office_time(rng, day);
            let town = people::town(rng);
            let pool = b.org.bureau_assignable(day);
            let place = if kind == PatrolKind::OpenBurningStopped {
                people::place(rng, town)
            } else {
                format!("{}周边", rng.pick(&markets))
            };
            b.plan.patrol_actions.push(patrol_action::Model {
                id: rng.uuid_at(at),
                department_id: b.org.bureau,
                town: Some(town.name.to_string()),
                kind,
                matter_id: None,
                occurred_at: at,
                place,
                note: Some(note.to_string()),
                officer_id: pool.first().copied(),
                created_at: at,
            });
        }
    }
}

/// Inspections by the town teams: 133 empowered pairs with no penalty case get one or more
/// (115 + 133 = 248 of 456 pairs with an enforcement action: 54.38%); some penalised pairs are
/// inspected too. Every empowered pair is claimed (认领) by its town.
fn inspections_and_claims(b: &mut Builder<'_>, rng: &mut Rng, scale: Scale) {
    let (jan1, dec31) = (ymd(1, 1), ymd(12, 31));
    // Pairs with a town case filed or decided in 2023.
    let acted: HashSet<(String, Uuid)> = b
        .plan
        .cases
        .iter()
        .filter(|c| c.town.is_some() && (in_year(c.filed_at) || c.decided_at.is_some_and(in_year)))
        .filter(|c| b.org.towns.iter().any(|t| t.id == c.department_id))
        .map(|c| (c.town.clone().unwrap_or_default(), c.matter_id))
        .collect();
    // Empowered pairs of 2023 with their days.
    let mut pairs: Vec<(String, usize, NaiveDate, NaiveDate)> = Vec::new();
    let mut seen = HashSet::new();
    for e in &b.org.empowerments {
        let from = e.from.max(jan1);
        let until = e.until.unwrap_or(dec31).min(dec31);
        if from > until {
            continue;
        }
        if seen.insert((e.town, e.matter)) {
            pairs.push((e.town.to_string(), e.matter, from, until));
        }
    }
    let quiet: Vec<usize> =
        (0..pairs.len()).filter(|&k| !acted.contains(&(pairs[k].0.clone(), b.org.matters[pairs[k].1].id))).collect();
    let mut order = quiet;
    rng.shuffle(&mut order);
    let inspected = scale.of(INSPECTED_PAIRS).min(order.len());
    let mut targets: Vec<usize> = order.into_iter().take(inspected).collect();
    // A few inspections where cases were also filed (no change to the rate).
    targets.extend(
        (0..pairs.len()).filter(|&k| acted.contains(&(pairs[k].0.clone(), b.org.matters[pairs[k].1].id))).take(20),
    );
    for k in targets {
        let (town, matter, from, until) = pairs[k].clone();
        let Some(team) = b.org.towns.iter().find(|t| t.def.name == town) else { continue };
        let team_id = team.id;
        let officers = super::org::assignable(&team.officers, until);
        for _ in 0..rng.range(1, 3) {
            let day = working_day(b, rng, from, until);
            let at = office_time(rng, day);
            let def = b.org.matters[matter].def;
            b.plan.patrol_actions.push(patrol_action::Model {
                id: rng.uuid_at(at),
                department_id: team_id,
                town: Some(town.clone()),
                kind: PatrolKind::Inspection,
                matter_id: Some(b.org.matters[matter].id),
                occurred_at: at,
                place: format!("{town}辖区"),
                note: Some(format!("赋权事项“{}”日常检查,未发现违法行为", def.name)),
                officer_id: officers.first().copied(),
                created_at: at,
            });
        }
    }
    // 认领: each town claims every matter empowered to it (once, in the first chunk).
    if !b.first_chunk {
        return;
    }
    let mut claimed = HashSet::new();
    for e in &b.org.empowerments {
        if !claimed.insert((e.town, e.matter)) {
            continue;
        }
        let Some(team) = b.org.towns.iter().find(|t| t.def.name == e.town) else { continue };
        let claimed_on = e.from.max(ymd(1, 1)) + TimeDelta::days(rng.range(2, 20));
        let at = office_time(rng, claimed_on);
        b.plan.matter_claims.push(matter_claim::Model {
            id: rng.uuid_at(at),
            matter_id: b.org.matters[e.matter].id,
            town: e.town.to_string(),
            claimed_on,
            claimed_by: team.officers.first().map(|o| o.id),
            created_at: at,
        });
    }
}

/// 跟案学习: the second trainee the bureau sent to the court in 2023, following a case.
fn second_trainee(b: &mut Builder<'_>, rng: &mut Rng, general: &[usize]) {
    let Some(court) = b.plan.departments.iter().find(|d| d.code == super::COURT).map(|d| d.id) else { return };
    let followed: HashSet<Uuid> = b.plan.follow_enrollments.iter().map(|e| e.case_id).collect();
    let Some(&case) = general.iter().find(|&&i| {
        let c = &b.plan.cases[i];
        !followed.contains(&c.id) && c.filed_at > start_of_day(ymd(5, 1)) && c.source_transfer_id.is_some()
    }) else {
        return;
    };
    let (case_id, filed_at) = (b.plan.cases[case].id, b.plan.cases[case].filed_at);
    let created_at = filed_at - TimeDelta::days(3);
    let name = people::name(rng);
    let id = rng.uuid_at(created_at);
    let login = format!("court.{}.{}", name.pinyin_surname, name.pinyin_given);
    b.plan.users.push(user::Model {
        id,
        search_text: format!("{login} {}", name.hanzi).to_lowercase(),
        login,
        name: name.hanzi,
        department_id: court,
        certificate_no: None,
        certificate_valid_until: None,
        active: true,
        joined_on: None,
        left_on: None,
        created_at,
    });
    b.plan.user_roles.push(user_role::Model { user_id: id, role: Role::CourtTrainee });
    let enrolled_at = filed_at + TimeDelta::days(1);
    b.plan.follow_enrollments.push(follow_enrollment::Model {
        id: rng.uuid_at(enrolled_at),
        case_id,
        trainee_id: id,
        enrolled_by: b.org.admin,
        enrolled_at,
        valid_until: Some(ymd(12, 31)),
    });
}
